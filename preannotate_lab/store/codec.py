"""Conversions between the shared dataclasses and the store's rows (JSON text, ISO 8601 UTC)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from ..model import (
    DOCUMENT_KEYS,
    Choice,
    Completion,
    CompletionEdit,
    Prediction,
    Relation,
    Result,
    Span,
    Task,
    document_path,
    result_to_dict,
    results_from_json,
)
from .errors import InvalidRecordError

TITLE_LENGTH = 80
TASK_KINDS = ("text", "document")
SOURCE_ID_KEY = "_source_id"
"""``task.data`` key holding the id a task had in the file it came from (see :func:`source_id_of`)."""

TASK_SELECT = (
    "SELECT t.id, t.kind, t.title, d.data, t.error, t.created_at "
    "FROM tasks t JOIN task_data d ON d.task_id = t.id"
)
PREDICTION_COLUMNS = (
    "id, task_id, version, results, model_version, server, config_hash, pipeline_hash, "
    "document_hash, provenance, score, created_at"
)
COMPLETION_COLUMNS = (
    "id, task_id, results, copied_from, created_by, created_at, updated_by, updated_at, "
    "ground_truth, meta"
)


def to_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds, so stored strings sort like the times they name.

    A naive datetime is taken to be UTC already (the model's clocks are all UTC).
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def now_iso() -> str:
    return to_iso(datetime.now(UTC))


def dump_json(value: Any, what: str) -> str:
    """``value`` as strict JSON; NaN and Infinity are refused (other readers reject them)."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidRecordError(f"{what} cannot be stored as JSON: {exc}") from exc


def dump_results(results: Iterable[Result], what: str) -> str:
    results = tuple(results)
    for i, result in enumerate(results):
        if not isinstance(result, (Span, Choice, Relation)):
            raise InvalidRecordError(
                f"{what}: result at index {i} is a {type(result).__name__}, "
                "expected a Span, Choice or Relation"
            )
    try:
        # the same text as model.results_to_json, but strict: a NaN box or confidence
        # would make the stored JSON unreadable by other tools
        return json.dumps([result_to_dict(r) for r in results], ensure_ascii=False,
                          sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"{what}: results cannot be stored as JSON: {exc}") from exc


def dump_meta(meta: Mapping[str, Any], what: str) -> str:
    """A completion's meta as strict JSON (an object), or InvalidRecordError naming it."""
    if not isinstance(meta, Mapping):
        raise InvalidRecordError(f"{what}: meta is a {type(meta).__name__}, expected a dict")
    try:
        return json.dumps(dict(meta), ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"{what}: meta cannot be stored as JSON: {exc}") from exc


def default_title(kind: str, data: Mapping[str, Any]) -> str:
    """The first 80 characters of the text, or the file name of a document task."""
    if kind == "document":
        source = document_path(data)
        if source:
            return PurePath(source.split("?")[0]).name or source[:TITLE_LENGTH]
    text = data.get("text")
    if isinstance(text, str):
        return " ".join(text[: TITLE_LENGTH * 4].split())[:TITLE_LENGTH]
    return ""


def search_body(kind: str, data: Mapping[str, Any]) -> str:
    """What the grid's search sees besides the title: the text, or the document's path."""
    if kind == "document":
        return document_path(data) or ""
    text = data.get("text")
    return text if isinstance(text, str) else ""


def source_id_of(data: Mapping[str, Any]) -> str | None:
    """The task's source id as text (``str()`` of ``data["_source_id"]``), or None without one.

    The ``tasks.source_id`` column holds exactly this, so that imports find duplicates
    through its index instead of reading every task's data.
    """
    value = data.get(SOURCE_ID_KEY)
    return None if value is None else str(value)


def task_values(task: Task, position: int) -> tuple[str, str, str, str | None, str]:
    """(kind, title, data JSON, error, created_at) of a task, or a clear error naming it."""
    what = f"task at index {position} of this call"
    if not isinstance(task, Task):
        raise InvalidRecordError(f"{what} is a {type(task).__name__}, expected a Task")
    if task.kind not in TASK_KINDS:
        raise InvalidRecordError(f"{what} has kind {task.kind!r}; use 'text' or 'document'")
    if not isinstance(task.data, dict):
        raise InvalidRecordError(f"{what}: data must be a dict, got {type(task.data).__name__}")
    if task.kind == "text" and not isinstance(task.data.get("text"), str):
        raise InvalidRecordError(f"{what} is a text task without a 'text' string in its data")
    if task.kind == "document" and document_path(task.data) is None:
        raise InvalidRecordError(
            f"{what} is a document task without a file path in its data "
            f"(under one of {list(DOCUMENT_KEYS)})"
        )
    title = task.title if task.title else default_title(task.kind, task.data)
    return (task.kind, title, dump_json(task.data, what), task.error, to_iso(task.created_at))


def task_from_row(row: sqlite3.Row) -> Task:
    return Task(
        data=json.loads(row["data"]),
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        error=row["error"],
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
    )


def prediction_from_row(row: sqlite3.Row) -> Prediction:
    return Prediction(
        task_id=row["task_id"],
        results=results_from_json(row["results"]),
        model_version=row["model_version"],
        server=row["server"],
        config_hash=row["config_hash"],
        pipeline_hash=row["pipeline_hash"],
        document_hash=row["document_hash"],
        provenance=json.loads(row["provenance"]),
        score=row["score"],
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
        id=row["id"],
        version=row["version"],
    )


def edit_from_row(row: sqlite3.Row) -> CompletionEdit:
    return CompletionEdit(
        at=from_iso(row["at"]),  # type: ignore[arg-type]
        by=row["by"],
        results=results_from_json(row["results"]),
        note=row["note"],
    )


def completion_from_row(row: sqlite3.Row, history: list[CompletionEdit]) -> Completion:
    return Completion(
        task_id=row["task_id"],
        results=list(results_from_json(row["results"])),
        id=row["id"],
        copied_from=row["copied_from"],
        created_by=row["created_by"],
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
        updated_by=row["updated_by"],
        updated_at=from_iso(row["updated_at"]),
        ground_truth=bool(row["ground_truth"]),
        history=history,
        meta=json.loads(row["meta"]),
    )


def result_labels(results: Iterable[Result]) -> set[str]:
    """Every label value a result set uses (span labels, choices, relation labels)."""
    labels: set[str] = set()
    for result in results:
        if isinstance(result, Span):
            labels.add(result.label)
        elif isinstance(result, Choice):
            labels.update(result.labels)
        elif isinstance(result, Relation) and result.label:
            labels.add(result.label)
    return labels
