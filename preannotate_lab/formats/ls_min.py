"""Label Studio's JSON_MIN export -> the task shape of its full JSON export.

JSON_MIN writes one object per annotated task with no ``data`` object: the task's data
fields, ``id``, and its annotation's fields (``annotation_id``, ``annotator``, ``lead_time``,
times) side by side, each control's result under the control's name in a short form: spans
as ``{start, end, text, labels}``, rectangles as ``{x, y, width, height, rectanglelabels}``,
choices as a string (one) or ``{"choices": [...]}`` (several).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import DOCUMENT_KEYS
from .parsed import TaskProblem

_ANNOTATION_KEYS = ("annotation_id", "annotator", "created_at", "updated_at", "lead_time")


def _items(name: str, value: Any) -> list[dict[str, Any]] | None:
    """The full result items of one JSON_MIN value, or None when it is a data field."""
    if isinstance(value, dict) and isinstance(value.get("choices"), list):
        return [{"from_name": name, "to_name": "text", "type": "choices",
                 "value": {"choices": value["choices"]}}]
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        return None
    items = []
    for region in value:
        if "labels" in region and "start" in region:
            kind = "labels"
        elif "rectanglelabels" in region:
            kind = "rectanglelabels"
        else:
            return None
        item: dict[str, Any] = {"from_name": name, "to_name": "text" if kind == "labels" else "image",
                                "type": kind, "value": dict(region)}
        for key in ("original_width", "original_height"):
            if key in region:
                item[key] = region[key]
        items.append(item)
    return items


def from_json_min(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON_MIN task as a full task object; TaskProblem when it is no task at all."""
    if not (isinstance(obj.get("text"), str) or any(k in obj for k in DOCUMENT_KEYS)):
        raise TaskProblem("has no 'data' object (nor the 'text' of a Label Studio JSON_MIN task)")
    data: dict[str, Any] = {}
    result: list[dict[str, Any]] = []
    for key, value in obj.items():
        if key == "id" or key in _ANNOTATION_KEYS:
            continue
        items = _items(key, value)
        if items is None:
            data[key] = value
        else:
            result.extend(items)
    task: dict[str, Any] = {"data": data}
    if obj.get("id") is not None:
        task["id"] = obj["id"]
    if result or obj.get("annotation_id") is not None:
        annotation = {"result": result, "id": obj.get("annotation_id"),
                      "completed_by": obj.get("annotator"), "lead_time": obj.get("lead_time"),
                      "created_at": obj.get("created_at"), "updated_at": obj.get("updated_at")}
        task["annotations"] = [{k: v for k, v in annotation.items() if v is not None}]
    # marks it as Label Studio's (its id is Label Studio's): see ls_meta.LS_EXPORT_KEYS
    task["annotation_id"] = obj.get("annotation_id")
    return task
