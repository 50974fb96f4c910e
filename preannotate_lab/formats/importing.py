"""Import glue: pick a reader per input, validate, then write everything in one transaction.

Policy: every input is read and checked before anything is written. A bad item (a task
without text, a row with too many fields, a completion with a label the config lacks) is
reported in the ImportReport and left out; the good items are imported. A bad file (not
JSON, a .pdf that is no PDF) raises ImportError_ and nothing at all is written. The write
is one transaction, so a failure half-way leaves the project exactly as it was.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..store.errors import InvalidRecordError
from .errors import ImportError_, ImportReport, ItemError
from .labelstudio import TaskProblem
from .parsed import ParsedTask
from .readers import flat_task, read_document, read_json, read_jsonl, read_table, read_txt
from .sniff import DOCUMENT_EXTENSIONS

DUPLICATE_POLICIES = ("skip", "overwrite")
IMPORT_FORMATS = ("json", "jsonl", "csv", "tsv", "txt", "document")
_BY_SUFFIX = {
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv",
    ".txt": "txt", **{s: "document" for s in DOCUMENT_EXTENSIONS},
}


def config_labels(project: Any) -> tuple[dict[str, set[str]] | None, list[str]]:
    """(the values results may carry per the project's config, by result kind, or None when
    it has no config; the assertion label values)."""
    config = getattr(project, "config", None)
    if config is None:
        return None, []
    known = {
        "span": set(config.label_values),
        "choice": {v for c in config.choices for v in c.choices},
        "relation": {r.value for r in config.relations},
    }
    return known, [d.value for d in config.assertion_labels]


def read_path(
    path: Path, *, format: str | None = None, text_column: str = "text",
    assertion_labels: Sequence[str] = (), known_labels: Mapping[str, set[str]] | None = None,
) -> tuple[list[ParsedTask], list[ItemError], list[str]]:
    """Read one file or folder: (tasks, item errors, warnings); ImportError_ for a bad file."""
    if not path.exists():
        raise ImportError_(f"no file or folder at {path}")
    if path.is_dir():
        return _read_folder(path)
    kind = format or _BY_SUFFIX.get(path.suffix.lower())
    if kind is None:
        raise ImportError_(
            f"{path.name}: cannot tell the format from the extension {path.suffix or '(none)'}; "
            f"pass format= one of {', '.join(IMPORT_FORMATS)}"
        )
    if kind == "json":
        tasks, errors = read_json(path, assertion_labels=assertion_labels, known_labels=known_labels)
    elif kind == "jsonl":
        tasks, errors = read_jsonl(path, assertion_labels=assertion_labels, known_labels=known_labels)
    elif kind in ("csv", "tsv"):
        tasks, errors = read_table(path, text_column=text_column, delimiter="\t" if kind == "tsv" else ",")
    elif kind == "txt":
        tasks, errors = [read_txt(path)], []
    elif kind == "document":
        tasks, errors = [read_document(path)], []
    else:
        raise ImportError_(f"unknown import format {kind!r}; use one of {', '.join(IMPORT_FORMATS)}")
    warnings = [f"{path.name}, {t.position}: {w}" for t in tasks for w in t.warnings]
    return tasks, errors, warnings


def _read_folder(folder: Path) -> tuple[list[ParsedTask], list[ItemError], list[str]]:
    """A folder of .txt files and PDFs/images (recursively, in name order; hidden files skipped)."""
    tasks: list[ParsedTask] = []
    errors: list[ItemError] = []
    warnings: list[str] = []
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    for path in files:
        name = str(path.relative_to(folder))
        suffix = path.suffix.lower()
        try:
            if suffix == ".txt":
                tasks.append(read_txt(path))
            elif suffix in DOCUMENT_EXTENSIONS:
                tasks.append(read_document(path))
            else:
                warnings.append(f"{folder.name}: skipped {name} (not .txt, PDF or an image)")
                continue
        except ImportError_ as exc:
            errors.append(ItemError(folder.name, name, str(exc)))
            continue
        tasks[-1].position = name
    if not files:
        warnings.append(f"{folder.name} holds no files")
    return tasks, errors, warnings


def import_path(
    project: Any,
    path_or_paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    on_duplicate: str = "skip",
    format: str | None = None,
    text_column: str = "text",
    assertion_labels: Sequence[str] | None = None,
    check_labels: bool = True,
) -> ImportReport:
    """Import files or folders into ``project``; see the module docstring for the policy.

    ``on_duplicate``: a task whose source id (its ``id`` in the file, or a file's path,
    kept in ``task.data["_source_id"]``) is already in the project is skipped, or with
    ``"overwrite"`` replaces the stored task (the old one is deleted with a record).
    ``assertion_labels`` defaults to the config's labels marked ``assertion="true"``;
    ``check_labels`` refuses completions whose labels the config lacks.
    """
    if on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(f"on_duplicate must be one of {DUPLICATE_POLICIES}, not {on_duplicate!r}")
    if isinstance(path_or_paths, (str, os.PathLike)):
        paths = [Path(path_or_paths)]
    else:
        paths = [Path(p) for p in path_or_paths]
    known, config_assertions = config_labels(project)
    assertions = list(config_assertions if assertion_labels is None else assertion_labels)
    report = ImportReport(inputs=[p.name or str(p) for p in paths])
    parsed: list[tuple[str, ParsedTask]] = []
    for path in paths:
        tasks, errors, warnings = read_path(
            path, format=format, text_column=text_column, assertion_labels=assertions,
            known_labels=known if check_labels else None,
        )
        parsed.extend((path.name, t) for t in tasks)
        report.errors.extend(errors)
        report.warnings.extend(warnings)
    store_parsed(project, parsed, report, on_duplicate=on_duplicate)
    return report


def import_dataframe(
    project: Any, df: Any, *, text_column: str = "text", on_duplicate: str = "skip", name: str = "DataFrame",
) -> ImportReport:
    """Import a pandas DataFrame: one task per row, columns become data keys.

    An ``id`` column is the source id used for ``on_duplicate``. Missing values (NaN) are
    left out of the task's data; numpy numbers and timestamps become plain JSON values.
    """
    if on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(f"on_duplicate must be one of {DUPLICATE_POLICIES}, not {on_duplicate!r}")
    columns = [str(c) for c in getattr(df, "columns", [])]
    if not hasattr(df, "to_dict"):
        raise ImportError_(f"{name}: expected a pandas DataFrame, got a {type(df).__name__}")
    if text_column not in columns and not {"document", "image"} & set(columns):
        raise ImportError_(
            f"{name} has no {text_column!r} column (columns: {', '.join(columns)}); "
            "name the text column with text_column="
        )
    report = ImportReport(inputs=[name])
    parsed: list[tuple[str, ParsedTask]] = []
    for i, row in enumerate(df.to_dict("records")):
        position = f"row {i}"
        record = {str(k): _plain(v) for k, v in row.items()}
        record = {k: v for k, v in record.items() if v is not None or k == text_column}
        try:
            parsed.append((name, flat_task(record, position, text_column=text_column)))
        except TaskProblem as exc:
            report.errors.append(ItemError(name, position, str(exc)))
    store_parsed(project, parsed, report, on_duplicate=on_duplicate)
    return report


def _plain(value: Any) -> Any:
    """A JSON-ready Python value from a pandas cell (NaN -> None, numpy scalars -> Python)."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def store_parsed(
    project: Any, parsed: list[tuple[str, ParsedTask]], report: ImportReport, *, on_duplicate: str,
) -> None:
    """Write parsed tasks, their predictions and completions in one transaction.

    The duplicate check runs inside that transaction, so an import of the same file running
    at the same time elsewhere cannot store the same source ids in between.
    """
    try:
        with project.transaction():
            keep, replace_ids = _sort_duplicates(project, parsed, report, on_duplicate)
            if not keep:
                return
            ids, stored = _write(project, keep, replace_ids, report)
    except InvalidRecordError as exc:
        raise ImportError_(
            f"{', '.join(report.inputs)}: nothing was imported (the project is unchanged): {exc}"
        ) from exc
    report.task_ids.extend(ids)
    report.n_predictions += len(stored)


def _sort_duplicates(
    project: Any, parsed: list[tuple[str, ParsedTask]], report: ImportReport, on_duplicate: str,
) -> tuple[list[tuple[str, ParsedTask]], list[tuple[int, str, str]]]:
    """(tasks to store, stored tasks to replace as (id, source id, input)); reports the rest."""
    # an indexed lookup of just these ids: the cost follows the import, not the project
    wanted = {t.source_id for _, t in parsed if t.source_id is not None}
    existing: dict[str, list[int]] = project.task_ids_by_source_id(wanted) if wanted else {}
    keep: list[tuple[str, ParsedTask]] = []
    seen: set[str] = set()
    replace_ids: list[tuple[int, str, str]] = []
    for source, t in parsed:
        sid = t.source_id
        if sid is not None and sid in seen:
            report.errors.append(ItemError(source, t.position, f"repeats source id {sid!r} of an earlier task"))
            continue
        if sid is not None:
            seen.add(sid)
        if sid is not None and sid in existing:
            if on_duplicate == "skip":
                report.skipped_duplicates.append(sid)
                continue
            replace_ids.extend((tid, sid, source) for tid in existing[sid])
            report.overwritten.append(sid)
        keep.append((source, t))
    return keep, replace_ids


def _write(project: Any, keep: list[tuple[str, ParsedTask]], replace_ids, report: ImportReport):
    n_completions = 0
    with project.transaction():
        for task_id, sid, source in replace_ids:
            project.delete_task(task_id, by="import", reason=f"overwritten by {source} (source id {sid})")
        ids = project.add_tasks([t.task for _, t in keep])
        predictions = [replace(p, task_id=tid) for tid, (_, t) in zip(ids, keep, strict=True) for p in t.predictions]
        stored = project.add_predictions(predictions) if predictions else []
        position = 0
        for tid, (_, t) in zip(ids, keep, strict=True):
            mapping: dict[str, int] = {}
            for source_id in t.prediction_source_ids:
                if source_id is not None:
                    mapping[source_id] = stored[position].id  # type: ignore[assignment]
                position += 1
            for completion, parent in zip(t.completions, t.completion_parents, strict=True):
                completion = replace(completion, task_id=tid, copied_from=mapping.get(parent) if parent else None)
                project.add_completion(completion)
                n_completions += 1
    report.n_completions += n_completions
    return ids, stored
