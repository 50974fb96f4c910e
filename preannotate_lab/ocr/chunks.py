"""Spans -> boxes: map any character span back to its page tokens and their boxes.

Resources only see text. A span found in a page document covers tokens; those tokens merge
into ONE chunk with one box per visual line it covers (an entity broken over two lines gets
two boxes, an entity over a page break gets one box on each page). :func:`token_spans` is the
token-level variant (one span per token) that Generative AI Lab's visual NER exports use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..model import Box, Document, Result, Span, Token, stable_id


def _boxed_tokens(document: Document, span: Span) -> list[Token]:
    return [t for t in document.tokens_in(span.start, span.end) if t.box is not None]


def token_boxes(document: Document, span: Span) -> list[Box]:
    """The boxes of every page token the span overlaps, in text order."""
    return [t.box for t in _boxed_tokens(document, span) if t.box is not None]


def line_boxes(document: Document, span: Span) -> tuple[Box, ...]:
    """One box per (page, line) the span covers: the union of its tokens' boxes on that line."""
    groups: dict[tuple[int, int | None], Box] = {}
    for token in _boxed_tokens(document, span):
        assert token.box is not None
        key = (token.box.page, token.line)
        groups[key] = groups[key].union(token.box) if key in groups else token.box
    return tuple(groups.values())  # dicts keep insertion order = text order


def merge_span_boxes(document: Document, span: Span) -> Span:
    """The span as one chunk with one box per line it covers (unchanged for text documents)."""
    if not document.is_visual:
        return span
    boxes = line_boxes(document, span)
    return replace(span, boxes=boxes) if boxes else span


def token_spans(document: Document, span: Span) -> list[Span]:
    """The span split into one span per token, each with that token's box."""
    out: list[Span] = []
    for token in _boxed_tokens(document, span):
        assert token.box is not None  # _boxed_tokens keeps only tokens with a box
        out.append(replace(
            span, start=token.start, end=token.end, text=token.text, boxes=(token.box,),
            id=stable_id("span", token.start, token.end, span.label, span.id),
        ))
    return out


def apply_boxes(
    document: Document, results: Iterable[Result], *, per_token: bool = False
) -> list[Result]:
    """Results with boxes filled in for spans that have none (chunks, or tokens if ``per_token``).

    Non-span results pass through; relations keep pointing at the chunk ids, so use chunks
    (the default) when relations are present.
    """
    out: list[Result] = []
    for result in results:
        if not isinstance(result, Span) or result.boxes or not document.is_visual:
            out.append(result)
        elif per_token:
            out.extend(token_spans(document, result) or [result])
        else:
            out.append(merge_span_boxes(document, result))
    return out
