"""spaCy DocBin (.spacy) export: ``doc.ents`` from spans, ``doc.cats`` from task-level choices.

Spans are aligned with ``char_span(alignment_mode="expand")``; overlapping spans (which
``doc.ents`` cannot hold) are left out with a note. Every choice label the project knows
gets a score in ``cats`` (1.0 chosen, 0.0 not), as spaCy's textcat expects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import Choice, Result, spans_of
from .annotations import non_overlapping


def make_doc(nlp: Any, text: str, results: Iterable[Result], cat_labels: Iterable[str]) -> tuple[Any, list[str]]:
    """A spaCy Doc with ents and cats, and notes about what was left out."""
    results = list(results)
    doc = nlp.make_doc(text)
    kept, dropped = non_overlapping(spans_of(results))
    notes = [f"span {s.label!r} [{s.start}, {s.end}) overlaps another; left out" for s in dropped]
    ents = []
    last_end = 0
    for span in kept:
        chunk = doc.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
        if chunk is None or len(chunk) == 0:
            notes.append(f"span {span.label!r} [{span.start}, {span.end}) covers no token; left out")
        elif chunk.start < last_end:  # two spans expanded onto the same token
            notes.append(f"span {span.label!r} [{span.start}, {span.end}) shares a token with another; left out")
        else:
            ents.append(chunk)
            last_end = chunk.end
    doc.ents = ents
    chosen = {label for r in results if isinstance(r, Choice) and r.span_id is None for label in r.labels}
    for label in sorted(set(cat_labels) | chosen):
        doc.cats[label] = 1.0 if label in chosen else 0.0
    return doc, notes
