"""Import glue: pick a reader per input, validate, then write everything in one transaction.

Policy: every input is read and checked before anything is written. A bad item (a task
without text, a row with too many fields, a completion with a label the config lacks) is
reported in the ImportReport and left out; the good items are imported. A bad file (not
JSON, a .pdf that is no PDF) raises TaskImportError and nothing at all is written. The write
is one transaction, so a failure half-way leaves the project exactly as it was.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import document_path, stored_id
from ..paths import DocumentPathError, allowed_path, is_url
from ..store.checks import result_problems
from ..store.errors import InvalidRecordError
from ..store.keys import content_key
from .errors import ImportReport, ItemError, TaskImportError
from .frames import SPAN_KEYS, is_span_frame, span_frame_tasks
from .labelstudio import TaskProblem
from .merging import attach_completions, results_key
from .parsed import ParsedTask
from .readers import (
    flat_task,
    read_document,
    read_json,
    read_jsonl,
    read_table,
    read_text,
    read_txt,
)
from .sniff import DOCUMENT_EXTENSIONS
from .values import value_problems

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

DUPLICATE_POLICIES = ("skip", "overwrite")
BAD_FILE_POLICIES = ("fail", "report")
CONTENT_KEY_PREFIX = "content:"
"""How a task without a source id is named in ``skipped_duplicates`` / ``overwritten``."""
IMPORT_FORMATS = ("json", "jsonl", "csv", "tsv", "txt", "conll", "document")
_BY_SUFFIX = {
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv",
    ".txt": "txt", ".conll": "conll", ".conll2003": "conll", **{s: "document" for s in DOCUMENT_EXTENSIONS},
}


def config_labels(project: ProjectStore) -> tuple[dict[str, set[str]] | None, list[str]]:
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
    """Read one file or folder: (tasks, item errors, warnings); TaskImportError for a bad file."""
    if not path.exists():
        raise TaskImportError(f"no file or folder at {path}")
    if path.is_dir():
        return _read_folder(path)
    kind = format or _BY_SUFFIX.get(path.suffix.lower())
    if kind is None:
        raise TaskImportError(
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
    elif kind == "conll":  # Label Studio's CONLL2003 export
        from .conll_reader import read_conll

        tasks, errors = read_conll(path, read_text(path))
    elif kind == "document":
        tasks, errors = [read_document(path)], []
    else:
        raise TaskImportError(f"unknown import format {kind!r}; use one of {', '.join(IMPORT_FORMATS)}")
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
        except TaskImportError as exc:
            errors.append(ItemError(folder.name, name, str(exc)))
            continue
        tasks[-1].position = name
    if not files:
        warnings.append(f"{folder.name} holds no files")
    return tasks, errors, warnings


def import_path(
    project: ProjectStore,
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
    ``report.skipped_duplicates``; completions of the file it does not have yet (annotations
    made in Label Studio) are added to it (see ``formats.merging``). A task from a Label
    Studio export is found by the ids our export wrote in its ``meta``, else by content. ``"overwrite"`` updates the stored task in place, losing
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
    ``"fail"`` (default) raises TaskImportError for a file that cannot be read at all and writes
    nothing; ``"report"`` lists such a file in ``report.errors`` (position ``"file"``) and
    imports the other inputs — TaskImportError only when no input could be read.
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
    failed: list[TaskImportError] = []
    for path in paths:
        try:
            tasks, errors, warnings = read_path(
                path, format=format, text_column=text_column, assertion_labels=assertions,
                known_labels=known if check_labels else None,
            )
        except TaskImportError as exc:
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
        raise failed[0] if len(failed) == 1 else TaskImportError(
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
    project: ProjectStore, tasks: list[ParsedTask], source: str, report: ImportReport, *,
    extra_roots: Sequence[Path] = (), base: Path | None = None,
) -> list[ParsedTask]:
    """The tasks whose document file the project may read; the others become item errors.

    Every path goes through :func:`paths.allowed_path` with the project's folders plus
    ``extra_roots`` (the folder being imported); a relative path is checked from ``base``
    and stored as written, so an export gives it back unchanged. URLs pass: they are never
    opened as files (reading such a task says to download it).
    """
    roots: list[str | Path] = [*project.document_roots(), *extra_roots]
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
    project: ProjectStore, df: Any, *, text_column: str = "text", on_duplicate: str = "skip", name: str = "DataFrame",
    as_: str | None = None,
) -> ImportReport:
    """Import a pandas DataFrame: one task per row, columns become data keys.

    An ``id`` column is the source id used for ``on_duplicate``. Missing values (NaN) are
    left out of the task's data; numpy numbers and timestamps become plain JSON values.

    A frame with ``start``, ``end`` and ``label`` columns is a frame of spans (one row per
    span, as ``to_dataframe(project, kind="spans")`` writes): its rows become tasks with
    completions (``as_="completions"``) or predictions (``as_="predictions"``), or, without
    ``as_``, what each row's ``source`` column says; see :func:`frames.span_frame_tasks`.
    """
    if on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(f"on_duplicate must be one of {DUPLICATE_POLICIES}, not {on_duplicate!r}")
    columns = [str(c) for c in getattr(df, "columns", [])]
    if not hasattr(df, "to_dict"):
        raise TaskImportError(f"{name}: expected a pandas DataFrame, got a {type(df).__name__}")
    report = ImportReport(inputs=[name])
    records = [{str(k): _plain(v) for k, v in row.items()} for row in df.to_dict("records")]
    if is_span_frame(columns):
        tasks, errors = span_frame_tasks(records, columns, as_=as_, text_column=text_column, name=name)
        report.errors.extend(errors)
        tasks = gate_values(tasks, name, report)
        report.warnings.extend(f"{name}, {t.position}: {w}" for t in tasks for w in t.warnings)
        store_parsed(project, [(name, t) for t in tasks], report, on_duplicate=on_duplicate)
        return report
    if as_ is not None:
        raise TaskImportError(f"{name}: as_={as_!r} imports a frame of spans, but it has no "
                           f"{', '.join(SPAN_KEYS)} columns (columns: {', '.join(columns)})")
    if text_column not in columns and not {"document", "image"} & set(columns):
        raise TaskImportError(
            f"{name} has no {text_column!r} column (columns: {', '.join(columns)}); "
            "name the text column with text_column="
        )
    parsed: list[tuple[str, ParsedTask]] = []
    tasks = []
    for i, record in enumerate(records):
        position = f"row {i}"
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
    project: ProjectStore, parsed: list[tuple[str, ParsedTask]], report: ImportReport, *, on_duplicate: str,
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
            attach: list[tuple[list[int], str, str, ParsedTask]] = []
            keep, updates = _sort_duplicates(project, parsed, report, on_duplicate, attach)
            for task_ids, _, source, t in attach:
                for tid in task_ids:
                    attach_completions(project, tid, t, {}, source, report)
            if not keep and not updates:
                return
            ids, stored = _write(project, keep, report)
            _update(project, updates, report)
            if any(t.task.kind == "document" for _, t in parsed):
                for root in roots:
                    project.allow_root(root, by="import")
    except InvalidRecordError as exc:
        raise TaskImportError(
            f"{', '.join(report.inputs)}: nothing was imported (the project is unchanged): {exc}"
        ) from exc
    report.task_ids.extend(ids)
    report.n_predictions += len(stored)


def _valid_completions(
    project: ProjectStore, parsed: list[tuple[str, ParsedTask]], report: ImportReport,
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
    project: ProjectStore, parsed: list[tuple[str, ParsedTask]], report: ImportReport, on_duplicate: str,
    attach: list[tuple[list[int], str, str, ParsedTask]],
) -> tuple[list[tuple[str, ParsedTask]], list[tuple[list[int], str, str, ParsedTask]]]:
    """(new tasks, stored tasks to update as (ids, key, input, task)); reports the rest.

    With ``on_duplicate="skip"`` a matched task that brings completions is added to
    ``attach``: its stored task is left alone, the completions it lacks are added to it.

    A task with a source id matches the stored tasks with that source id; a task without
    one matches by content key (see ``store.keys.content_key``): the n-th task of the
    import with a key matches the n-th stored task with it, so a file that repeats a text
    on purpose imports it again as often as it repeats it, once.
    """
    # indexed lookups of just these keys: the cost follows the import, not the project
    wanted = {t.source_id for _, t in parsed if t.source_id is not None}
    existing: dict[str, list[int]] = project.task_ids_by_source_id(wanted) if wanted else {}
    # by content: tasks without a source id, and tasks whose id Label Studio gave them
    # (found by it when a stored task has it, else by content)
    keys = {id(t): content_key(t.task.kind, t.task.data) for _, t in parsed
            if t.source_id is None or (t.match_content and t.source_id not in existing)}
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
        if id(t) not in keys:
            assert sid is not None  # a task without a source id always has a content key
            matches, name = existing.get(sid, []), sid
        else:
            key = keys[id(t)]
            n = key_seen[key]
            key_seen[key] += 1
            stored = by_key.get(key, [])
            matches, name = stored[n : n + 1], sid or f"{CONTENT_KEY_PREFIX}{key[:16]}"
        if not matches:
            keep.append((source, t))
        elif on_duplicate == "skip" or (t.match_content and id(t) in keys):
            # (a task back from Label Studio found by content holds nothing new but its
            # annotations: overwriting it would only swap our source id for Label Studio's)
            report.skipped_duplicates.append(name)
            if t.completions:  # the task stays as it is; annotations made elsewhere join it
                attach.append((matches, name, source, t))
        else:
            updates.append((matches, name, source, t))
            report.overwritten.append(name)
    return keep, updates


def _write(project: ProjectStore, keep: list[tuple[str, ParsedTask]], report: ImportReport):
    n_completions = 0
    ids = project.add_tasks([t.task for _, t in keep], allow_files=False)
    predictions = [replace(p, task_id=tid) for tid, (_, t) in zip(ids, keep, strict=True) for p in t.predictions]
    stored = project.add_predictions(predictions) if predictions else []
    position = 0
    for tid, (_, t) in zip(ids, keep, strict=True):
        mapping: dict[str, int] = {}
        for source_id in t.prediction_source_ids:
            if source_id is not None:
                mapping[source_id] = stored_id(stored[position])
            position += 1
        for completion, parent in zip(t.completions, t.completion_parents, strict=True):
            completion = replace(completion, task_id=tid, copied_from=mapping.get(parent) if parent else None)
            project.add_completion(completion, keep_mismatched_text=True)
            n_completions += 1
    report.n_completions += n_completions
    return ids, stored


def _update(project: ProjectStore, updates: list[tuple[list[int], str, str, ParsedTask]], report: ImportReport) -> None:
    """``on_duplicate="overwrite"``: update each matched task in place, losing no one's work."""
    for task_ids, name, source, t in updates:
        for tid in task_ids:
            project.update_task(tid, t.task.data, title=t.task.title, kind=t.task.kind,
                                by="import", reason=f"overwritten by {source} ({name})")
            # an identical prediction (same model version and results) is not stored twice,
            # so importing the same file again does not pile up equal versions
            have = {(p.model_version, results_key(p.results)): stored_id(p) for p in project.predictions(tid)}
            mapping: dict[str, int] = {}
            for prediction, source_id in zip(t.predictions, t.prediction_source_ids, strict=True):
                key = (prediction.model_version, results_key(prediction.results))
                if key not in have:
                    (new,) = project.add_predictions([replace(prediction, task_id=tid)])
                    have[key] = stored_id(new)
                    report.n_predictions += 1
                if source_id is not None:
                    mapping[source_id] = have[key]
            attach_completions(project, tid, t, mapping, source, report)
            report.updated_task_ids.append(tid)
