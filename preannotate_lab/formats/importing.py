"""Import glue: pick a reader per input, validate, then write everything in one transaction.

Policy: every input is read and checked before anything is written. A bad item (a task
without text, a row with too many fields, a completion with a label the config lacks) is
reported in the ImportReport and left out; the good items are imported. A bad file (not
JSON, a .pdf that is no PDF) raises ImportError_ and nothing at all is written. The write
is one transaction, so a failure half-way leaves the project exactly as it was.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..model import document_path, result_to_dict
from ..paths import DocumentPathError, allowed_path, is_url
from ..store.checks import result_problems
from ..store.errors import InvalidRecordError
from ..store.keys import content_key
from .errors import ImportError_, ImportReport, ItemError
from .labelstudio import TaskProblem
from .parsed import ParsedTask
from .readers import flat_task, read_document, read_json, read_jsonl, read_table, read_txt
from .sniff import DOCUMENT_EXTENSIONS
from .values import value_problems

DUPLICATE_POLICIES = ("skip", "overwrite")
BAD_FILE_POLICIES = ("fail", "report")
CONTENT_KEY_PREFIX = "content:"
"""How a task without a source id is named in ``skipped_duplicates`` / ``overwritten``."""
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
            # a symlink in the folder may point anywhere: read only what lies inside it
            allowed_path([folder], path)
        except DocumentPathError as exc:
            errors.append(ItemError(folder.name, name, f"not read: {exc}"))
            continue
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
    on_bad_file: str = "fail",
) -> ImportReport:
    """Import files or folders into ``project``; see the module docstring for the policy.

    Duplicates: a task is already in the project when a stored task has its source id (its
    ``id`` in the file, or a file's path, kept in ``task.data["_source_id"]``); a task
    without a source id is matched by its content key, the SHA-256 of its kind and data as
    canonical JSON (``store.keys.content_key``; the stored task's own source id is left
    out, so it also matches a stored task with an id and the same other data), so
    importing the same file twice imports nothing new either way. Such tasks are reported by source id, or as ``"content:"`` and
    the key's first 16 hex digits.

    ``on_duplicate="skip"`` (default) leaves the stored task alone and lists it in
    ``report.skipped_duplicates``. ``"overwrite"`` updates the stored task in place, losing
    no one's work: the task keeps its id; its data and title are replaced (the old ones
    are kept in ``project.task_history()``); the file's predictions are added as new
    prediction versions (one identical to a stored prediction, same model version and
    results, is not added again); the file's completions that the task does not already
    have (same results and author) are added, without the ground-truth mark if the task
    already has a ground truth; every existing completion is kept as it is. Updated tasks
    are listed in ``report.overwritten`` (by name) and ``report.updated_task_ids``;
    ``report.task_ids`` holds only new tasks.

    ``assertion_labels`` defaults to the config's labels marked ``assertion="true"``.
    Completions with a label the config lacks or a span past the end of the text leave
    their task out as an item error, as the store refuses them (``check_labels=False`` only
    skips the readers' own label check); a span whose text is not the text at its offsets
    is kept with a warning (the readers' policy).

    A task holding a value no store can keep (a non-finite score, a lone surrogate) is left
    out as an item error naming the field (:func:`values.value_problems`). ``on_bad_file``:
    ``"fail"`` (default) raises ImportError_ for a file that cannot be read at all and writes
    nothing; ``"report"`` lists such a file in ``report.errors`` (position ``"file"``) and
    imports the other inputs — ImportError_ only when no input could be read.
    """
    if on_bad_file not in BAD_FILE_POLICIES:
        raise ValueError(f"on_bad_file must be one of {BAD_FILE_POLICIES}, not {on_bad_file!r}")
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
    roots: list[Path] = []
    failed: list[ImportError_] = []
    for path in paths:
        try:
            tasks, errors, warnings = read_path(
                path, format=format, text_column=text_column, assertion_labels=assertions,
                known_labels=known if check_labels else None,
            )
        except ImportError_ as exc:
            if on_bad_file == "fail":
                raise
            failed.append(exc)
            report.errors.append(ItemError(path.name or str(path), "file", f"not read: {exc}"))
            continue
        # the folder imported from: the files its tasks name must lie under it (or under a
        # folder the project already allows); it is recorded with the tasks
        root = path if path.is_dir() else path.parent
        roots.append(root)
        tasks = gate_documents(project, tasks, path.name, report, extra_roots=[root], base=root)
        tasks = gate_values(tasks, path.name, report)
        parsed.extend((path.name, t) for t in tasks)
        report.errors.extend(errors)
        report.warnings.extend(warnings)
    if failed and len(failed) == len(paths):
        raise failed[0] if len(failed) == 1 else ImportError_(
            "no input could be read:\n- " + "\n- ".join(map(str, failed)))
    store_parsed(project, parsed, report, on_duplicate=on_duplicate, roots=roots)
    return report


def gate_values(tasks: list[ParsedTask], source: str, report: ImportReport) -> list[ParsedTask]:
    """The tasks every value of which can be stored and exported; the others become item errors."""
    kept = []
    for t in tasks:
        problems = value_problems(t)
        if problems:
            report.errors.append(ItemError(source, t.position, "not imported: " + "; ".join(problems)))
        else:
            kept.append(t)
    return kept


def gate_documents(
    project: Any, tasks: list[ParsedTask], source: str, report: ImportReport, *,
    extra_roots: Sequence[Path] = (), base: Path | None = None,
) -> list[ParsedTask]:
    """The tasks whose document file the project may read; the others become item errors.

    Every path goes through :func:`paths.allowed_path` with the project's folders plus
    ``extra_roots`` (the folder being imported); a relative path is checked from ``base``
    and stored as written, so an export gives it back unchanged. URLs pass: they are never
    opened as files (reading such a task says to download it).
    """
    roots = [*project.document_roots(), *extra_roots]
    kept = []
    for t in tasks:
        path = document_path(t.task.data) if t.task.kind == "document" else None
        if path is None or is_url(path):
            kept.append(t)
            continue
        try:
            allowed_path(roots, path, base=base)
        except DocumentPathError as exc:
            report.errors.append(ItemError(source, t.position, f"not imported: {exc}"))
            continue
        kept.append(t)
    return kept


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
    tasks: list[ParsedTask] = []
    for i, row in enumerate(df.to_dict("records")):
        position = f"row {i}"
        record = {str(k): _plain(v) for k, v in row.items()}
        record = {k: v for k, v in record.items() if v is not None or k == text_column}
        try:
            tasks.append(flat_task(record, position, text_column=text_column))
        except TaskProblem as exc:
            report.errors.append(ItemError(name, position, str(exc)))
    # a DataFrame's relative paths are read from the current folder, so that is its root
    tasks = gate_values(tasks, name, report)
    parsed = [(name, t) for t in gate_documents(project, tasks, name, report,
                                                extra_roots=[Path.cwd()])]
    store_parsed(project, parsed, report, on_duplicate=on_duplicate, roots=[Path.cwd()])
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
    roots: Sequence[Path] = (),
) -> None:
    """Write parsed tasks, their predictions and completions in one transaction.

    ``roots``: the folders imported from, recorded as folders the project may read documents
    from (the tasks' paths were checked against them by :func:`gate_documents`).

    The duplicate check runs inside that transaction, so an import of the same file running
    at the same time elsewhere cannot store the same source ids in between.
    """
    try:
        with project.transaction():
            parsed = _valid_completions(project, parsed, report)
            keep, updates = _sort_duplicates(project, parsed, report, on_duplicate)
            if not keep and not updates:
                return
            ids, stored = _write(project, keep, report)
            _update(project, updates, report)
            if any(t.task.kind == "document" for _, t in parsed):
                for root in roots:
                    project.allow_root(root, by="import")
    except InvalidRecordError as exc:
        raise ImportError_(
            f"{', '.join(report.inputs)}: nothing was imported (the project is unchanged): {exc}"
        ) from exc
    report.task_ids.extend(ids)
    report.n_predictions += len(stored)


def _valid_completions(
    project: Any, parsed: list[tuple[str, ParsedTask]], report: ImportReport,
) -> list[tuple[str, ParsedTask]]:
    """The tasks whose completions pass the store's checks; the others become item errors.

    The store refuses a completion with a label the config lacks or a span off the task's
    text; checking first leaves out just that task instead of failing the whole import.
    """
    config = getattr(project, "config", None)
    good = []
    for source, t in parsed:
        problems = [
            f"{'completion' if len(t.completions) == 1 else f'completion #{i}'}: {problem}"
            for i, c in enumerate(t.completions)
            for problem in result_problems(c.results, kind=t.task.kind, data=t.task.data, config=config,
                                           compare_text=False)
        ]
        if problems:
            report.errors.append(ItemError(source, t.position, "; ".join(problems[:5])))
        else:
            good.append((source, t))
    return good


def _sort_duplicates(
    project: Any, parsed: list[tuple[str, ParsedTask]], report: ImportReport, on_duplicate: str,
) -> tuple[list[tuple[str, ParsedTask]], list[tuple[list[int], str, str, ParsedTask]]]:
    """(new tasks, stored tasks to update as (ids, key, input, task)); reports the rest.

    A task with a source id matches the stored tasks with that source id; a task without
    one matches by content key (see ``store.keys.content_key``): the n-th task of the
    import with a key matches the n-th stored task with it, so a file that repeats a text
    on purpose imports it again as often as it repeats it, once.
    """
    # indexed lookups of just these keys: the cost follows the import, not the project
    wanted = {t.source_id for _, t in parsed if t.source_id is not None}
    existing: dict[str, list[int]] = project.task_ids_by_source_id(wanted) if wanted else {}
    keys = {id(t): content_key(t.task.kind, t.task.data) for _, t in parsed if t.source_id is None}
    by_key: dict[str, list[int]] = project.task_ids_by_content_key(set(keys.values())) if keys else {}
    keep: list[tuple[str, ParsedTask]] = []
    seen: set[str] = set()
    key_seen: Counter[str] = Counter()
    updates: list[tuple[list[int], str, str, ParsedTask]] = []
    for source, t in parsed:
        sid = t.source_id
        if sid is not None:
            if sid in seen:
                report.errors.append(ItemError(source, t.position, f"repeats source id {sid!r} of an earlier task"))
                continue
            seen.add(sid)
            matches, name = existing.get(sid, []), sid
        else:
            key = keys[id(t)]
            n = key_seen[key]
            key_seen[key] += 1
            stored = by_key.get(key, [])
            matches, name = stored[n : n + 1], f"{CONTENT_KEY_PREFIX}{key[:16]}"
        if not matches:
            keep.append((source, t))
        elif on_duplicate == "skip":
            report.skipped_duplicates.append(name)
        else:
            updates.append((matches, name, source, t))
            report.overwritten.append(name)
    return keep, updates


def _write(project: Any, keep: list[tuple[str, ParsedTask]], report: ImportReport):
    n_completions = 0
    ids = project.add_tasks([t.task for _, t in keep], allow_files=False)
    predictions = [replace(p, task_id=tid) for tid, (_, t) in zip(ids, keep, strict=True) for p in t.predictions]
    stored = project.add_predictions(predictions) if predictions else []
    position = 0
    for tid, (_, t) in zip(ids, keep, strict=True):
        mapping: dict[str, int] = {}
        for source_id in t.prediction_source_ids:
            if source_id is not None:
                mapping[source_id] = stored[position].id
            position += 1
        for completion, parent in zip(t.completions, t.completion_parents, strict=True):
            completion = replace(completion, task_id=tid, copied_from=mapping.get(parent) if parent else None)
            project.add_completion(completion, keep_mismatched_text=True)
            n_completions += 1
    report.n_completions += n_completions
    return ids, stored


def _results_key(results: Iterable[Any]) -> str:
    return json.dumps([result_to_dict(r) for r in results], ensure_ascii=False, sort_keys=True)


def _update(project: Any, updates: list[tuple[list[int], str, str, ParsedTask]], report: ImportReport) -> None:
    """``on_duplicate="overwrite"``: update each matched task in place, losing no one's work."""
    for task_ids, name, source, t in updates:
        for tid in task_ids:
            project.update_task(tid, t.task.data, title=t.task.title, kind=t.task.kind,
                                by="import", reason=f"overwritten by {source} ({name})")
            # an identical prediction (same model version and results) is not stored twice,
            # so importing the same file again does not pile up equal versions
            have = {(p.model_version, _results_key(p.results)): p.id for p in project.predictions(tid)}
            mapping: dict[str, int] = {}
            for prediction, source_id in zip(t.predictions, t.prediction_source_ids, strict=True):
                key = (prediction.model_version, _results_key(prediction.results))
                if key not in have:
                    (new,) = project.add_predictions([replace(prediction, task_id=tid)])
                    have[key] = new.id
                    report.n_predictions += 1
                if source_id is not None:
                    mapping[source_id] = have[key]
            existing = project.completions(tid)
            done = {(c.created_by, _results_key(c.results)) for c in existing}
            has_ground_truth = any(c.ground_truth for c in existing)
            for completion, parent in zip(t.completions, t.completion_parents, strict=True):
                key = (completion.created_by, _results_key(completion.results))
                if key in done:
                    report.completions_kept += 1
                    continue
                if completion.ground_truth and has_ground_truth:
                    # marking it would unmark a person's choice of ground truth
                    report.warnings.append(
                        f"{source}, {t.position}: task {tid} already has a ground truth completion; "
                        "the imported one is added without the mark")
                    completion = replace(completion, ground_truth=False)
                project.add_completion(replace(
                    completion, task_id=tid, copied_from=mapping.get(parent) if parent else None),
                    keep_mismatched_text=True)
                done.add(key)
                has_ground_truth = has_ground_truth or completion.ground_truth
                report.n_completions += 1
            report.updated_task_ids.append(tid)
