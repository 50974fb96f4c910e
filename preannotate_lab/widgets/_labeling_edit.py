"""Pure edits of a completion's results for the labeling view (no widget, no I/O).

Each function takes the current results and returns a new list; bad input raises ValueError
naming what was wrong, and the old list stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from ..model import Box, Choice, Document, Relation, Result, Span, result_to_dict

DIRECTIONS = ("right", "left", "bi")


def view_dicts(results: Iterable[Result]) -> list[dict[str, Any]]:
    """Results as plain dicts for the browser (the store's lossless form)."""
    return [result_to_dict(r) for r in results]


def find(results: Sequence[Result], result_id: str) -> Result:
    for result in results:
        if result.id == result_id:
            return result
    raise ValueError(f"no result with id {result_id!r} in this annotation")


def add_span(results: Sequence[Result], text: str, start: int, end: int, label: str,
             control: str | None = None, boxes: tuple[Box, ...] = ()) -> list[Result]:
    """Add a span over ``text[start:end]`` (offsets in code points, end exclusive)."""
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span [{start}, {end}) is outside the text (length {len(text)}) or empty")
    span = Span(start=start, end=end, label=label, text=text[start:end], from_name=control,
                source="user", boxes=boxes)
    if any(isinstance(r, Span) and r.id == span.id for r in results):
        raise ValueError(f"{text[start:end]!r} [{start}, {end}) is already labelled {label!r}")
    return [*results, span]


def remove(results: Sequence[Result], result_id: str) -> list[Result]:
    """Remove a result; removing a span also removes relations and choices attached to it."""
    find(results, result_id)
    return [
        r for r in results
        if r.id != result_id
        and not (isinstance(r, Relation) and result_id in (r.from_id, r.to_id))
        and not (isinstance(r, Choice) and r.span_id == result_id)
    ]


def relabel(results: Sequence[Result], result_id: str, label: str,
            control: str | None = None) -> list[Result]:
    """Give a span another label (its id changes with it; relations follow)."""
    old = find(results, result_id)
    if not isinstance(old, Span):
        raise ValueError(f"result {result_id!r} is a {type(old).__name__.lower()}, not a span")
    new = replace(old, label=label, id="", source="user", confidence=None,
                  from_name=control or old.from_name)
    if new.id != old.id and any(r.id == new.id for r in results):
        raise ValueError(f"{old.text!r} [{old.start}, {old.end}) is already labelled {label!r}")
    return _replace_span(results, old, new)


def resize(results: Sequence[Result], text: str, result_id: str, start: int, end: int,
           boxes: tuple[Box, ...] | None = None) -> list[Result]:
    """Move a span's boundaries to ``text[start:end]`` (its id changes with them; relations
    and per-span choices follow). ``boxes``: a page span's new boxes (None keeps the old)."""
    old = find(results, result_id)
    if not isinstance(old, Span):
        raise ValueError(f"result {result_id!r} is a {type(old).__name__.lower()}, not a span")
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span [{start}, {end}) is outside the text (length {len(text)}) or empty")
    new = replace(old, start=start, end=end, text=text[start:end], id="", source="user",
                  confidence=None, boxes=old.boxes if boxes is None else boxes)
    if new.id != old.id and any(r.id == new.id for r in results):
        raise ValueError(f"{new.text!r} [{start}, {end}) is already labelled {old.label!r}")
    return _replace_span(results, old, new)


def _replace_span(results: Sequence[Result], old: Span, new: Span) -> list[Result]:
    """``results`` with ``old`` replaced by ``new``; relations and choices follow its id."""
    out: list[Result] = []
    for r in results:
        if r.id == old.id:
            out.append(new)
        elif isinstance(r, Relation) and old.id in (r.from_id, r.to_id):
            out.append(replace(r, id="", from_id=new.id if r.from_id == old.id else r.from_id,
                               to_id=new.id if r.to_id == old.id else r.to_id))
        elif isinstance(r, Choice) and r.span_id == old.id:
            out.append(replace(r, id="", span_id=new.id))
        else:
            out.append(r)
    return out


def add_relation(results: Sequence[Result], from_id: str, to_id: str, label: str | None = None,
                 direction: str = "right") -> list[Result]:
    """Relate two spans of this annotation."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r} must be one of {DIRECTIONS}")
    if from_id == to_id:
        raise ValueError("a relation needs two different spans")
    for rid in (from_id, to_id):
        if not isinstance(find(results, rid), Span):
            raise ValueError(f"result {rid!r} is not a span; relations join spans")
    relation = Relation(from_id=from_id, to_id=to_id, label=label or None,
                        direction=direction, source="user")  # type: ignore[arg-type]
    if any(r.id == relation.id for r in results):
        raise ValueError("these two spans already have that relation")
    return [*results, relation]


def tokens_span(document: Document, token_indices: Iterable[int], label: str,
                control: str | None = None) -> Span:
    """A span covering the chosen tokens of a page document, one box per visual line."""
    indices = sorted({int(i) for i in token_indices})
    if not indices:
        raise ValueError("select one or more tokens first")
    bad = [i for i in indices if not 0 <= i < len(document.tokens)]
    if bad:
        raise ValueError(f"token indices {bad} are outside this document ({len(document.tokens)} tokens)")
    tokens = [document.tokens[i] for i in indices]
    start, end = min(t.start for t in tokens), max(t.end for t in tokens)
    lines: dict[tuple[int | None, int | None], Box] = {}
    for token in tokens:
        if token.box is None:
            continue
        key = (token.box.page, token.line)
        lines[key] = lines[key].union(token.box) if key in lines else token.box
    return Span(start=start, end=end, label=label, text=document.text[start:end],
                from_name=control, source="user", boxes=tuple(lines.values()))


def set_choices(results: Sequence[Result], from_name: str, labels: Sequence[str],
                span_id: str | None = None) -> list[Result]:
    """Replace the choices of control ``from_name`` (for the task, or for span ``span_id``).

    An empty ``labels`` clears them. The Choice takes the place of the one it replaces, so the
    order of results stays stable while a user toggles.
    """
    if span_id is not None and not isinstance(find(results, span_id), Span):
        raise ValueError(f"result {span_id!r} is not a span; per-span choices belong to spans")
    new = Choice(labels=tuple(labels), span_id=span_id, from_name=from_name, source="user") if labels else None
    out: list[Result] = []
    placed = False
    for r in results:
        if isinstance(r, Choice) and r.from_name == from_name and r.span_id == span_id:
            if new is not None and not placed:
                out.append(new)
                placed = True
            continue
        out.append(r)
    if new is not None and not placed:
        out.append(new)
    return out


def choice_labels(results: Sequence[Result], from_name: str, span_id: str | None = None) -> list[str]:
    """The labels chosen in control ``from_name`` (for the task, or for span ``span_id``)."""
    return [label for r in results
            if isinstance(r, Choice) and r.from_name == from_name and r.span_id == span_id
            for label in r.labels]


def set_assertion(results: Sequence[Result], span_id: str, assertion: str | None) -> list[Result]:
    """Give a span an assertion status (None clears it); its id, relations and choices stay."""
    old = find(results, span_id)
    if not isinstance(old, Span):
        raise ValueError(f"result {span_id!r} is a {type(old).__name__.lower()}, not a span")
    new = replace(old, assertion=assertion or None)
    return [new if r.id == span_id else r for r in results]
