"""spaCy DocBin (.spacy) export: ``doc.ents`` from spans, ``doc.cats`` from task-level choices.

Spans are aligned by :func:`formats.align.align_spans` (as for CoNLL and the training data);
overlapping spans, which ``doc.ents`` cannot hold, are left out with a note. Every choice label the project knows
gets a score in ``cats`` (1.0 chosen, 0.0 not), as spaCy's textcat expects. The export puts
the task's id and its id in the imported file in ``doc.user_data`` (``task_id``, ``source_id``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import Choice, Result, spans_of
from .align import align_spans


def make_doc(nlp: Any, text: str, results: Iterable[Result], cat_labels: Iterable[str]) -> tuple[Any, list[str]]:
    """A spaCy Doc with ents and cats, and notes about what was left out."""
    results = list(results)
    doc = nlp.make_doc(text)
    ents, notes = align_spans(doc, spans_of(results))
    doc.ents = ents
    chosen = {label for r in results if isinstance(r, Choice) and r.span_id is None for label in r.labels}
    for label in sorted(set(cat_labels) | chosen):
        doc.cats[label] = 1.0 if label in chosen else 0.0
    return doc, notes
