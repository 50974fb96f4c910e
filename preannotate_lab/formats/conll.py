"""CoNLL-2003 export: ``token -X- _ TAG`` lines with BIO tags, one document per task.

Text is tokenized with a blank spaCy English tokenizer (no model needed). Documents are
separated by ``-DOCSTART- -X- O O`` and a blank line; a blank line in the text (two
newlines) also ends a sentence. Whitespace tokens are left out. Spans become tokens by
:func:`formats.align.align_spans`, as in the DocBin export and the training data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from ..model import Result, spans_of
from .align import align_spans

# Four columns, like every token line: spaCy's CoNLL NER converter splits documents only on
# this exact line; with three columns it reads the separator as a sentence of its own.
DOCSTART = "-DOCSTART- -X- O O"


def blank_tokenizer(lang: str = "en") -> Any:
    import spacy

    return spacy.blank(lang)


def bio_lines(text: str, results: Iterable[Result], nlp: Any) -> tuple[list[str], list[str]]:
    """(lines of one document, notes about spans left out). Pure apart from the tokenizer."""
    doc = nlp.make_doc(text)
    chunks, notes = align_spans(doc, spans_of(results))
    tags = ["O"] * len(doc)
    for chunk in chunks:
        for i in range(chunk.start, chunk.end):
            tags[i] = ("B-" if i == chunk.start else "I-") + chunk.label_
    lines: list[str] = []
    for token, tag in zip(doc, tags, strict=True):
        if token.is_space:
            if token.text.count("\n") >= 2 and lines and lines[-1] != "":
                lines.append("")
            continue
        lines.append(f"{token.text} -X- _ {tag}")
    return lines, notes


def write_conll(documents: Iterable[tuple[str, Iterable[Result]]], out: TextIO, *, lang: str = "en") -> list[str]:
    """Write (text, results) pairs as CoNLL-2003; returns notes about spans left out."""
    nlp = blank_tokenizer(lang)
    notes: list[str] = []
    for i, (text, results) in enumerate(documents):
        lines, doc_notes = bio_lines(text, results, nlp)
        notes.extend(f"document #{i}: {n}" for n in doc_notes)
        out.write(DOCSTART + "\n\n")
        if lines and lines[-1] == "":
            lines.pop()
        out.write("\n".join(lines) + "\n\n")
    return notes
