"""Align character spans with spaCy tokens: the one rule every token-level export follows.

CoNLL, the spaCy DocBin and the training data all need each span as a run of whole tokens.
A span is widened to the tokens it touches (``char_span(alignment_mode="expand")``); a span
that overlaps another, covers no token, or, once widened, shares a token with a span kept
before it is left out with a note, so no token ever carries two labels and nothing is
dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import Span
from .annotations import non_overlapping


def align_spans(doc: Any, spans: Iterable[Span]) -> tuple[list[Any], list[str]]:
    """(labelled spaCy spans of ``doc`` in text order, notes about the spans left out)."""
    kept, dropped = non_overlapping(list(spans))
    notes = [f"span {s.label!r} [{s.start}, {s.end}) overlaps another; left out" for s in dropped]
    chunks: list[Any] = []
    last_end = 0
    for span in kept:
        chunk = doc.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
        if chunk is None or len(chunk) == 0:
            notes.append(f"span {span.label!r} [{span.start}, {span.end}) covers no token; left out")
        elif chunk.start < last_end:
            # e.g. "abc" and "def" inside the one token "abcdef": both would tag that token
            notes.append(
                f"span {span.label!r} [{span.start}, {span.end}) shares the token "
                f"{doc[chunk.start].text!r} with another span; left out"
            )
        else:
            chunks.append(chunk)
            last_end = chunk.end
    return chunks, notes
