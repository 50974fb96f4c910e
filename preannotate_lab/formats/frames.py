"""pandas DataFrames: a project as a frame of tasks or of spans, and a frame of spans read back.

``to_dataframe(project)`` has one row per task, with the task's own data keys as columns;
``to_dataframe(project, kind="spans")`` one row per span of every prediction and completion,
with the task's text and its id in the imported file, so the frame alone can be imported
again: :func:`span_frame_tasks` turns its rows (or any frame with ``start``, ``end`` and
``label`` columns) into tasks with predictions or completions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..model import Completion, Prediction, Span, stored_id
from .annotations import pick_completion
from .errors import ItemError, TaskImportError
from .parsed import SOURCE_ID_KEY, ParsedTask, TaskProblem, iso
from .readers import flat_task

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

TASK_COLUMNS = ["id", "source_id", "title", "kind", "text", "document", "n_predictions",
                "n_completions", "ground_truth", "created_at"]
SPAN_COLUMNS = ["task_id", "task_source_id", "task_text", "source", "source_id", "by", "version",
                "ground_truth", "span_id", "start", "end", "label", "text", "confidence", "assertion",
                "resource", "pages"]
SPAN_KEYS = ("start", "end", "label")
"""The columns that make a DataFrame a frame of spans for :func:`import_dataframe`."""
AS_CHOICES = ("completions", "predictions")
DEFAULT_MODEL_VERSION = "dataframe"


def to_dataframe(project: ProjectStore, *, kind: str = "tasks", ids: Iterable[int] | None = None) -> Any:
    """A pandas DataFrame of the project.

    ``kind="tasks"``: one row per task (id, source_id, title, kind, text, document,
    n_predictions, n_completions, ground_truth, created_at), then the task's own data keys as
    columns (a key named like one of those columns is ``data.<key>``). ``kind="spans"``: one
    row per span of every prediction and completion (task_id, task_source_id (the task's id in
    the imported file), task_text, source "prediction"/"completion", its id and author or
    model version, its version, ground_truth, span_id, start, end, label, text, confidence,
    assertion, resource, pages). :func:`import_dataframe` reads the span frame back.
    """
    import pandas as pd

    if kind not in ("tasks", "spans"):
        raise ValueError(f"kind must be 'tasks' or 'spans', not {kind!r}")
    rows: list[dict[str, Any]] = []
    extra: dict[str, None] = {}  # data columns in the order they are first met
    for task in project.iter_tasks(None if ids is None else list(ids)):
        predictions = project.predictions(stored_id(task))
        completions = project.completions(stored_id(task))
        if kind == "tasks":
            chosen = pick_completion(completions)
            row = {
                "id": task.id, "source_id": task.data.get(SOURCE_ID_KEY), "title": task.title,
                "kind": task.kind, "text": task.text, "document": task.source_path,
                "n_predictions": len(predictions), "n_completions": len(completions),
                "ground_truth": bool(chosen and chosen.ground_truth),
                "created_at": iso(task.created_at),
            }
            data = data_columns(task.data, row)
            extra.update(dict.fromkeys(data))
            rows.append({**row, **data})
            continue
        common = {"task_id": task.id, "task_source_id": task.data.get(SOURCE_ID_KEY), "task_text": task.text}
        for p in predictions:
            rows.extend(_span_rows(common, "prediction", p.id, p.model_version, p.version, p.results))
        for c in completions:
            rows.extend(_span_rows(common, "completion", c.id, c.created_by, None, c.results,
                                   ground_truth=c.ground_truth))
    columns = TASK_COLUMNS + list(extra) if kind == "tasks" else SPAN_COLUMNS
    return pd.DataFrame(rows, columns=columns)


def data_columns(data: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """The task's data keys as columns of its row: those the row already shows (its text,
    document, title, source id) are left out; another key named like a column gets ``data.``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == SOURCE_ID_KEY or (key in row and row[key] == value):
            continue
        out[f"data.{key}" if key in row else key] = value
    return out


def _span_rows(common, source, source_id, by, version, results, ground_truth=False) -> Iterator[dict]:
    for r in results:
        if isinstance(r, Span):
            yield {
                **common, "source": source, "source_id": source_id, "by": by,
                "version": version, "ground_truth": ground_truth, "span_id": r.id, "start": r.start,
                "end": r.end, "label": r.label, "text": r.text, "confidence": r.confidence,
                "assertion": r.assertion, "resource": r.source,
                "pages": sorted({b.page for b in r.boxes}) or None,
            }


def is_span_frame(columns: Iterable[str]) -> bool:
    return set(SPAN_KEYS) <= set(columns)


def span_frame_tasks(
    records: list[dict[str, Any]], columns: list[str], *, as_: str | None, text_column: str, name: str,
) -> tuple[list[ParsedTask], list[ItemError]]:
    """Rows of spans -> one ParsedTask per task, with its predictions or completions.

    The task's text is the ``task_text`` column when there is one (then ``text_column`` is
    the span's text, checked against the task text), else ``text_column``. Rows belong to
    the same task when they share ``task_id`` (else the same text); within a task, rows with
    the same ``source_id`` are one prediction or completion. ``as_`` says which; without it
    each row's ``source`` column ("prediction"/"completion") does. ``task_source_id`` is the
    task's source id (its ``id`` in a file, used by ``on_duplicate``). A row with no start,
    end and label gives its task but no span. A task with a bad row is left out as an item
    error naming its rows.
    """
    if as_ is not None and as_ not in AS_CHOICES:
        raise ValueError(f"as_ must be one of {AS_CHOICES} or None, not {as_!r}")
    if as_ is None and "source" not in columns:
        raise TaskImportError(
            f"{name} has span columns ({', '.join(SPAN_KEYS)}) but no 'source' column saying "
            "which rows are predictions and which completions; pass as_='completions' or "
            "as_='predictions'")
    text_key = "task_text" if "task_text" in columns else text_column
    if text_key not in columns:
        raise TaskImportError(f"{name} has no {text_column!r} or 'task_text' column with the task's text "
                           f"(columns: {', '.join(columns)}); name it with text_column=")
    groups: dict[Any, list[int]] = {}
    for i, row in enumerate(records):
        key = row.get("task_id") if "task_id" in columns else row.get(text_key)
        groups.setdefault(("row", i) if key is None else key, []).append(i)
    tasks: list[ParsedTask] = []
    errors: list[ItemError] = []
    for key, rows in groups.items():
        position = _rows_position(rows, None if isinstance(key, tuple) else key)
        try:
            tasks.append(_span_task([records[i] for i in rows], rows, position, text_key,
                                    span_text=text_key != text_column and text_column in columns,
                                    as_=as_))
        except TaskProblem as exc:
            errors.append(ItemError(name, position, str(exc)))
    return tasks, errors


def _rows_position(rows: list[int], task_id: Any) -> str:
    where = f"row {rows[0]}" if len(rows) == 1 else f"rows {', '.join(map(str, rows[:5]))}" + (
        ", ..." if len(rows) > 5 else "")
    return where if task_id is None else f"{where} (task_id {task_id!r})"


def _span_task(rows: list[dict[str, Any]], numbers: list[int], position: str, text_key: str, *,
               span_text: bool, as_: str | None) -> ParsedTask:
    text = rows[0].get(text_key)
    if any(r.get(text_key) != text for r in rows):
        raise TaskProblem(f"has rows with different {text_key!r} values for one task_id")
    if not isinstance(text, str):
        raise TaskProblem(f"has no text in column {text_key!r} (got {text!r})")
    data: dict[str, Any] = {"text": text}
    source_id = rows[0].get("task_source_id")
    if source_id is not None:
        data[SOURCE_ID_KEY] = str(source_id)
    parsed = flat_task(data, position)
    annotations: dict[tuple[str, Any], list[Span]] = {}
    meta: dict[tuple[str, Any], dict[str, Any]] = {}
    for number, row in zip(numbers, rows, strict=True):
        kind = as_ or _row_kind(row, number)
        group = (kind, row.get("source_id"))
        spans = annotations.setdefault(group, [])
        meta.setdefault(group, row)
        span = _row_span(row, number, text, span_text=span_text, warnings=parsed.warnings)
        if span is not None:
            spans.append(span)
    for (kind, _), spans in annotations.items():
        if not spans:
            continue  # the task's rows without a span: the task alone
        row = meta[(kind, _)]
        by = row.get("by")
        if kind == "predictions":
            parsed.predictions.append(Prediction(
                task_id=0, results=tuple(spans), model_version=str(by) if by is not None else DEFAULT_MODEL_VERSION))
            parsed.prediction_source_ids.append(None)
        else:
            parsed.completions.append(Completion(
                task_id=0, results=list(spans), created_by=str(by) if by is not None else "user",
                ground_truth=bool(row.get("ground_truth") or False)))
            parsed.completion_parents.append(None)
    return parsed


def _row_kind(row: Mapping[str, Any], number: int) -> str:
    source = row.get("source")
    if source in ("prediction", "completion"):
        return f"{source}s"
    raise TaskProblem(f"row {number} has source {source!r}; expected 'prediction' or 'completion' (or pass as_=)")


def _row_span(row: Mapping[str, Any], number: int, text: str, *, span_text: bool,
              warnings: list[str]) -> Span | None:
    """The span of one row (None for a row with no start, end and label)."""
    start, end, label = (row.get(k) for k in SPAN_KEYS)
    if start is None and end is None and label is None:
        return None
    if not isinstance(label, str) or not label:
        raise TaskProblem(f"row {number} has label {label!r}; expected a non-empty string")
    s, e = _offset(start), _offset(end)
    if s is None or e is None or not 0 <= s <= e <= len(text):
        raise TaskProblem(f"row {number} has start {start!r}, end {end!r}; expected whole numbers "
                          f"with 0 <= start <= end <= {len(text)} (the length of the task's text)")
    covered = text[s:e]
    written = row.get("text") if span_text else None
    if isinstance(written, str) and written != covered:
        warnings.append(f"row {number}: span text {written!r} differs from the text at [{s}, {e}) "
                        f"({covered!r}); kept the span with the task's text")
    confidence = row.get("confidence")
    return Span(s, e, label, covered, id=str(row.get("span_id") or ""),
                confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
                assertion=row.get("assertion") if isinstance(row.get("assertion"), str) else None,
                source=row.get("resource") if isinstance(row.get("resource"), str) else None)


def _offset(value: Any) -> int | None:
    """A whole-number offset (pandas turns an int column with a gap into floats: 3.0 is 3)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and not math.isnan(value) and value.is_integer():
        return int(value)
    return None
