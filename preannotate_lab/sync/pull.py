"""Pull the annotations made in a Label Studio project back into the project as completions.

Each Label Studio task is read the way an import of its export is read
(:func:`formats.labelstudio.parse_task`: a skip stays a skip, its id, lead time and author
are kept in the completion's meta). An annotation linked to a completion (pushed from here,
or pulled before) updates it when its results changed there since the last sync, the old
results kept in the completion's history. An annotation not linked yet joins its task as
an import does (:func:`formats.merging.attach_completions`: no doubles) and is linked. A
task made in Label Studio is imported as a new task. Predictions made there are not pulled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..formats.errors import ImportReport
from ..formats.importing import config_labels, store_parsed
from ..formats.labelstudio import parse_task
from ..formats.merging import attach_completions
from ..formats.parsed import ParsedTask, TaskProblem
from ..model import Completion, stored_id
from ..store.errors import InvalidRecordError, TaskNotFound
from .client import Connection, LabelStudioSyncError
from .report import SyncReport
from .targets import check_exists, digest, existing_target

if TYPE_CHECKING:
    from ..store import Project as ProjectStore
    from ..store.ls_links import LinkTarget


def pull(project: ProjectStore, conn: Connection, *, ls_project: int | None = None) -> SyncReport:
    """Bring the annotations of the Label Studio project back; see the module doc."""
    target = existing_target(project, conn, ls_project)
    if target is None:
        if ls_project is None:
            raise LabelStudioSyncError(
                f"project {project.name!r} was never pushed to {conn.url}: push it first, or give "
                "the Label Studio project to pull from (ls_project=..., CLI: --ls-project)")
        check_exists(conn, ls_project)
        target = project.save_labelstudio_target(conn.url, ls_project, None)
    report = SyncReport("pull", conn.url, target.ls_project, conn.project_url(target.ls_project))
    tasks = {remote: local for local, (remote, _) in project.labelstudio_links(target.id, "task").items()}
    known_labels, assertions = config_labels(project)
    source = f"Label Studio project {target.ls_project}"
    for ls_task in conn.tasks(target.ls_project):
        where = f"Label Studio task {ls_task['id']}"
        try:
            parsed = parse_task(_as_export(ls_task), position=where, source=source,
                                assertion_labels=assertions, known_labels=known_labels)
        except TaskProblem as exc:
            report.errors.append(f"{where}: {exc}")
            continue
        tid = tasks.get(ls_task["id"]) or _marked_task(project, ls_task)
        try:
            if tid is None:
                _new_task(project, target, ls_task, parsed, source, report)
            else:
                _pull_task(project, target, tid, ls_task, parsed, source, report)
        except InvalidRecordError as exc:  # e.g. a label the config lost since
            report.errors.append(f"{where}: not pulled: {exc}")
    project.save_labelstudio_target(conn.url, target.ls_project, target.config_hash)
    return report


def _as_export(ls_task: dict[str, Any]) -> dict[str, Any]:
    """A task from the API in the shape of its JSON export (annotations in id order,
    predictions left out: they are not pulled)."""
    return {"id": ls_task["id"], "data": ls_task.get("data") or {}, "meta": ls_task.get("meta") or {},
            "annotations": sorted(ls_task.get("annotations") or [], key=lambda a: a["id"]),
            "created_at": ls_task.get("created_at"), "inner_id": ls_task.get("inner_id")}


def _marked_task(project: ProjectStore, ls_task: dict[str, Any]) -> int | None:
    """Our task named in the task's meta (pushed as a file, not linked), if it still exists."""
    marker = (ls_task.get("meta") or {}).get("preannotate") or {}
    tid = marker.get("task_id")
    if not isinstance(tid, int):
        return None
    try:
        project.get_task(tid)
    except TaskNotFound:
        return None
    return tid


def _pull_task(project: ProjectStore, target: LinkTarget, tid: int, ls_task: dict[str, Any],
               parsed: ParsedTask, source: str, report: SyncReport) -> None:
    links = project.labelstudio_links(target.id, "completion")
    by_remote = {remote: (local, said) for local, (remote, said) in links.items()}
    raw = _as_export(ls_task)["annotations"]
    fresh = ParsedTask(task=parsed.task, position=parsed.position)
    changed: list[tuple[int, int, str]] = []
    for annotation, completion, parent in zip(raw, parsed.completions, parsed.completion_parents,
                                              strict=True):
        said = digest(completion.results, completion.skipped)
        known = by_remote.get(annotation["id"])
        if known is None:
            fresh.completions.append(completion)
            fresh.completion_parents.append(parent)
        elif known[1] == said:
            report.completions_unchanged += 1
        else:
            _update(project, known[0], annotation, completion, source, report)
            changed.append((known[0], annotation["id"], said))
    project.save_labelstudio_links(target.id, "completion", changed)
    if fresh.completions:
        _attach(project, target, tid, fresh, source, report)
    project.save_labelstudio_links(target.id, "task", [(tid, int(ls_task["id"]), "")])


def _update(project: ProjectStore, local: int, annotation: dict[str, Any], completion: Completion,
            source: str, report: SyncReport) -> None:
    stored = project.get_completion(local)
    if stored.skipped != completion.skipped:
        # a skip has no results to hold and the store keeps it in meta, which an edit keeps
        report.notes.append(
            f"completion {local}: annotation {annotation['id']} was "
            f"{'skipped' if completion.skipped else 'unskipped'} in Label Studio; "
            "its results are updated, its skip mark is not")
    project.update_completion(local, completion.results,
                              by=completion.updated_by or completion.created_by,
                              note=f"updated in {source} (annotation {annotation['id']})")
    report.completions_updated += 1


def _attach(project: ProjectStore, target: LinkTarget, tid: int, fresh: ParsedTask, source: str,
            report: SyncReport) -> None:
    """Add annotations not linked yet (no doubles), then link them by their Label Studio id."""
    imported = ImportReport(inputs=[source])
    attach_completions(project, tid, fresh, {}, source, imported)
    report.completions_created += imported.n_completions
    report.completions_unchanged += imported.completions_kept
    _link_by_meta(project, target, project.completions(tid), fresh.completions)


def _link_by_meta(project: ProjectStore, target: LinkTarget, stored: list[Completion],
                  pulled: list[Completion]) -> None:
    """Link each pulled annotation to the completion holding its Label Studio id, else to
    the one with the same results (what ``attach_completions`` kept instead of adding)."""
    by_ls_id = {(c.meta.get("labelstudio") or {}).get("id"): c for c in stored}
    linked = project.labelstudio_links(target.id, "completion")
    rows = []
    for completion in pulled:
        ls_id = (completion.meta.get("labelstudio") or {}).get("id")
        said = digest(completion.results, completion.skipped)
        match = by_ls_id.get(ls_id) or next(
            (c for c in stored if stored_id(c) not in linked and digest(c.results, c.skipped) == said),
            None)
        if ls_id is not None and match is not None:
            rows.append((stored_id(match), int(ls_id), said))
    project.save_labelstudio_links(target.id, "completion", rows)


def _new_task(project: ProjectStore, target: LinkTarget, ls_task: dict[str, Any], parsed: ParsedTask,
              source: str, report: SyncReport) -> None:
    """A task made in Label Studio: imported as an import of its export would (duplicates of
    a stored task by content join that task), then linked."""
    imported = ImportReport(inputs=[source])
    store_parsed(project, [(source, parsed)], imported, on_duplicate="skip")
    report.errors.extend(f"{e.position}: {e.message}" for e in imported.errors)
    report.tasks_created += imported.n_tasks
    report.completions_created += imported.n_completions
    report.completions_unchanged += imported.completions_kept
    for tid in imported.task_ids:
        project.save_labelstudio_links(target.id, "task", [(tid, int(ls_task["id"]), "")])
        _link_by_meta(project, target, project.completions(tid), parsed.completions)
