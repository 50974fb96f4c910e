"""Label Studio / Generative AI Lab result items <-> the model's Span, Choice and Relation.

Pure functions on plain dicts. A result item is ``{id, from_name, to_name, type, value}``:

* ``labels``: ``value {start, end, text, labels}`` -> one :class:`Span` per label;
* ``choices``: ``value {choices}`` -> :class:`Choice`; when its ``id`` is a span's id the
  choice is about that span (``perRegion``) and gets ``span_id``, and its own id is derived
  from (control, span id, labels) as :class:`Choice` derives it (or read from the item's
  ``choice_id`` key, which export writes only for an id that cannot be derived);
* ``relation``: ``from_id, to_id, direction, labels`` -> :class:`Relation` (first label);
* ``rectanglelabels``: a box in percent of ``original_width``/``original_height`` on page
  ``item_index`` (0-based) or ``pageNumber`` (1-based) -> a Span with one :class:`Box`.
  Boxes of one span after the first carry ``parentID`` = the span id, and merge back into it.
  A rectangle without ``start``/``end`` becomes a span at [0, 0) that keeps its text and box.

Confidences are read from ``value.confidence`` (Generative AI Lab, often a string such as
``"0.9524"``) or from the item's ``score`` (Label Studio); both are stored as floats and
exported as numbers. Assertion statuses: Generative AI Lab labels a span's status as a
second ``labels`` item over the same offsets; given ``assertion_labels`` that item becomes
``Span.assertion`` of its partner span, and is written back the same way on export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..errors import PreannotateError
from ..model import Box, Choice, Relation, Result, Span, stable_id

SUPPORTED_TYPES = ("labels", "choices", "relation", "rectanglelabels")
# a perRegion choice item's id is its region's; this extra key holds the Choice's own id when
# it is not the one derived from (control, span, labels), so re-import restores it exactly
CHOICE_ID_KEY = "choice_id"


class ResultProblem(PreannotateError, ValueError):
    """A result item that cannot be read; the message says which item and why."""


def to_float(value: Any, what: str) -> float | None:
    """A number from a number or a numeric string (Generative AI Lab writes "0.9876")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ResultProblem(f"{what} is a boolean, expected a number")
    try:
        return float(value)
    except OverflowError:  # an integer past any float: 1 followed by 400 digits
        raise ResultProblem(f"{what} is an integer of {len(str(abs(value)))} digits, too large "
                            "for a number; use a finite number or leave it out") from None
    except (TypeError, ValueError):
        raise ResultProblem(f"{what} is {value!r}, expected a number") from None


def _confidence(item: Mapping[str, Any], value: Mapping[str, Any], what: str) -> float | None:
    found = value.get("confidence")
    if found is None:
        found = item.get("score", item.get("confidence"))
    return to_float(found, f"confidence of {what}")


def _offsets(value: Mapping[str, Any], what: str) -> tuple[int, int]:
    try:
        start, end = int(value["start"]), int(value["end"])
    except KeyError as exc:
        raise ResultProblem(f"{what} has no {exc.args[0]!r} offset") from None
    except (TypeError, ValueError, OverflowError):  # int() of "x", None, NaN or infinity
        raise ResultProblem(f"{what} has offsets that are not integers") from None
    if start < 0 or end < start:
        raise ResultProblem(f"{what} has invalid offsets [{start}, {end})")
    return start, end


def _page(item: Mapping[str, Any], value: Mapping[str, Any]) -> int:
    if item.get("item_index") is not None:
        return int(item["item_index"])
    number = value.get("pageNumber", item.get("pageNumber"))
    return int(number) - 1 if number is not None else 0


def _span(item: Mapping[str, Any], text: str | None, what: str) -> list[Span]:
    value = item.get("value") or {}
    start, end = _offsets(value, what)
    labels = _label_list(value.get("labels"), what, "labels")
    if text is not None and end > len(text):
        raise ResultProblem(f"{what} ends at {end}, past the end of the text ({len(text)} characters)")
    span_text = value.get("text")
    if not isinstance(span_text, str):
        span_text = text[start:end] if text is not None else ""
    confidence = _confidence(item, value, what)
    base = str(item.get("id") or "")
    return [
        Span(
            start=start, end=end, label=str(label), text=span_text,
            id=base if i == 0 else f"{base}_{i}" if base else "",
            confidence=confidence, from_name=item.get("from_name"),
        )
        for i, label in enumerate(labels)
    ]


def _label_list(labels: Any, what: str, key: str) -> list[str]:
    """The item's labels: a non-empty list of non-empty strings (a number is not a label)."""
    if not labels or not isinstance(labels, list):
        raise ResultProblem(f"{what} has no {key}")
    bad = [label for label in labels if not isinstance(label, str) or not label]
    if bad:
        raise ResultProblem(f"{what} has {key} that are not text: {bad[:3]!r}")
    return labels


def _rectangle(item: Mapping[str, Any], what: str) -> Span:
    value = item.get("value") or {}
    labels = _label_list(value.get("rectanglelabels") or value.get("labels"), what, "rectanglelabels")
    try:
        width, height = int(item["original_width"]), int(item["original_height"])
        x, y = float(value["x"]), float(value["y"])
        w, h = float(value["width"]), float(value["height"])
        page = _page(item, value)
    except KeyError as exc:
        raise ResultProblem(f"{what} has no {exc.args[0]!r}") from None
    except (TypeError, ValueError, OverflowError):
        raise ResultProblem(f"{what} has a box, page size or page number that is not a number") from None
    if width <= 0 or height <= 0:
        raise ResultProblem(f"{what} has page size {width}x{height}")
    box = Box(
        page=page, x=x * width / 100.0, y=y * height / 100.0,
        width=w * width / 100.0, height=h * height / 100.0, page_width=width, page_height=height,
    )
    start, end = _offsets(value, what) if "start" in value else (0, 0)
    return Span(
        start=start, end=end, label=str(labels[0]), text=str(value.get("text") or ""),
        id=str(item.get("id") or ""), confidence=_confidence(item, value, what),
        boxes=(box,), from_name=item.get("from_name"),
    )


def parse_results(
    items: Any,
    *,
    text: str | None = None,
    assertion_labels: Iterable[str] = (),
    where: str = "result",
) -> tuple[list[Result], list[str]]:
    """Read a ``result`` list. Returns (results, warnings); raises ResultProblem on bad items.

    ``text`` (the task's text, when known) fills in span texts Label Studio leaves out and
    catches offsets past its end.
    """
    if items is None:
        return [], []
    if not isinstance(items, list):
        raise ResultProblem(f"{where} is a {type(items).__name__}, expected a list of result items")
    assertion_set = set(assertion_labels)
    spans: list[Span] = []
    pending_choices: list[tuple[dict, str]] = []
    relations: list[Relation] = []
    warnings: list[str] = []
    extra_boxes: list[tuple[str, Span]] = []
    for i, item in enumerate(items):
        what = f"{where} item #{i}"
        if not isinstance(item, dict):
            raise ResultProblem(f"{what} is a {type(item).__name__}, expected an object")
        kind = item.get("type")
        if kind == "labels":
            spans.extend(_span(item, text, what))
        elif kind == "rectanglelabels":
            span = _rectangle(item, what)
            if item.get("parentID"):
                extra_boxes.append((str(item["parentID"]), span))
            else:
                spans.append(span)
        elif kind == "choices":
            pending_choices.append((item, what))
        elif kind == "relation":
            labels = item.get("labels") or (item.get("value") or {}).get("labels") or []
            if len(labels) > 1:
                warnings.append(f"{what}: relation has {len(labels)} labels; kept the first")
            try:
                relations.append(Relation(
                    from_id=str(item["from_id"]), to_id=str(item["to_id"]),
                    label=str(labels[0]) if labels else None,
                    direction=item.get("direction") or "right",
                    id=str(item.get("id") or ""),
                    confidence=_confidence(item, item.get("value") or {}, what),
                ))
            except KeyError as exc:
                raise ResultProblem(f"{what} (relation) has no {exc.args[0]!r}") from None
        else:
            warnings.append(f"{what} has type {kind!r}, which is not imported ({', '.join(SUPPORTED_TYPES)} are)")
    spans = _merge_boxes(spans, extra_boxes, warnings, where)
    spans = _attach_assertions(spans, assertion_set, warnings, where)
    span_ids = {s.id for s in spans}
    choices = []
    for item, what in pending_choices:
        value = item.get("value") or {}
        picked = value.get("choices")
        if not isinstance(picked, list) or not picked:
            raise ResultProblem(f"{what} has no choices")
        item_id = str(item.get("id") or "")
        per_region = item_id in span_ids
        # a perRegion choice shares its region's id in Label Studio; its own id is derived from
        # (control, span, labels) like model.Choice does, so export -> import gives it back
        own_id = str(item.get(CHOICE_ID_KEY) or "") if per_region else item_id
        choices.append(Choice(
            labels=tuple(str(c) for c in picked), id=own_id,
            confidence=_confidence(item, value, what),
            span_id=item_id if per_region else None, from_name=item.get("from_name"),
        ))
    for rel in relations:
        for end_id in (rel.from_id, rel.to_id):
            if end_id not in span_ids:
                warnings.append(f"{where}: relation {rel.id} refers to {end_id!r}, which is no span here")
    return [*spans, *choices, *relations], warnings


def _merge_boxes(spans: list[Span], extra: list[tuple[str, Span]], warnings: list[str], where: str) -> list[Span]:
    if not extra:
        return spans
    by_id = {s.id: i for i, s in enumerate(spans)}
    for parent, part in extra:
        if parent in by_id:
            owner = spans[by_id[parent]]
            spans[by_id[parent]] = replace(owner, boxes=owner.boxes + part.boxes)
        else:
            warnings.append(f"{where}: box {part.id} names parent {parent!r}, which is missing; kept alone")
            by_id[part.id] = len(spans)
            spans.append(part)
    return spans


def _attach_assertions(spans: list[Span], assertion_set: set[str], warnings: list[str], where: str) -> list[Span]:
    if not assertion_set:
        return spans
    entities = [s for s in spans if s.label not in assertion_set]
    index = {(s.start, s.end): i for i, s in reversed(list(enumerate(entities)))}
    for status in (s for s in spans if s.label in assertion_set):
        i = index.get((status.start, status.end))
        if i is None:
            warnings.append(
                f"{where}: assertion label {status.label!r} at [{status.start}, {status.end}) has no "
                "entity over the same text; kept as a span"
            )
            entities.append(status)
        else:
            entities[i] = replace(entities[i], assertion=status.label)
    return entities


def _choice_id(item: Mapping[str, Any], span_id: str, labels: Sequence[str]) -> str:
    """The id import derives for a perRegion choice item (as :class:`Choice` derives it)."""
    return Choice(labels=tuple(labels), span_id=span_id, from_name=item["from_name"]).id


def results_to_ls(
    results: Sequence[Result],
    *,
    to_name: str = "text",
    image_to_name: str = "image",
    flavor: str = "labelstudio",
    assertion_labels: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The ``result`` list of a prediction or completion. Ids are kept, so relations hold.

    ``flavor="genailab"`` writes confidences as ``value.confidence``; ``"labelstudio"`` as
    the item's ``score``. Spans with boxes become ``rectanglelabels`` items, one per box, in
    percent of the page with ``original_width``/``original_height`` and ``item_index``.
    ``assertion_labels``: when given, only these assertion statuses are written.
    """
    allowed = None if assertion_labels is None else set(assertion_labels)
    out: list[dict[str, Any]] = []

    def stamp(item: dict[str, Any], confidence: float | None) -> dict[str, Any]:
        if confidence is not None:
            if flavor == "genailab":
                item["value"]["confidence"] = confidence
            else:
                item["score"] = confidence
        return item

    for r in results:
        if isinstance(r, Span) and r.boxes:
            for i, box in enumerate(r.boxes):
                x, y, w, h = box.percent()
                value: dict[str, Any] = {
                    "x": x, "y": y, "width": w, "height": h, "rotation": 0,
                    "rectanglelabels": [r.label], "text": r.text,
                }
                if r.end > r.start:
                    value.update(start=r.start, end=r.end)
                item = {
                    "id": r.id if i == 0 else f"{r.id}_{i}", "from_name": r.from_name or "label",
                    "to_name": image_to_name, "type": "rectanglelabels",
                    "original_width": box.page_width, "original_height": box.page_height,
                    "image_rotation": 0, "item_index": box.page, "value": value,
                }
                if i:
                    item["parentID"] = r.id
                out.append(stamp(item, r.confidence))
        elif isinstance(r, Span):
            out.append(stamp({
                "id": r.id, "from_name": r.from_name or "label", "to_name": to_name, "type": "labels",
                "value": {"start": r.start, "end": r.end, "text": r.text, "labels": [r.label]},
            }, r.confidence))
            if r.assertion and (allowed is None or r.assertion in allowed):
                out.append({
                    "id": stable_id("assertion", r.id, r.assertion), "from_name": r.from_name or "label",
                    "to_name": to_name, "type": "labels",
                    "value": {"start": r.start, "end": r.end, "text": r.text, "labels": [r.assertion]},
                })
        elif isinstance(r, Choice):
            item = {
                "id": r.span_id or r.id, "from_name": r.from_name or "choices", "to_name": to_name,
                "type": "choices", "value": {"choices": list(r.labels)},
            }
            if r.span_id and r.id != _choice_id(item, r.span_id, r.labels):
                item[CHOICE_ID_KEY] = r.id  # an id import could not derive: carried along
            out.append(stamp(item, r.confidence))
        elif isinstance(r, Relation):
            item = {
                "id": r.id, "from_id": r.from_id, "to_id": r.to_id, "type": "relation",
                "direction": r.direction, "labels": [r.label] if r.label else [],
            }
            if r.confidence is not None:
                item["score"] = r.confidence
            out.append(item)
    return out
