"""Push a project to a Label Studio project: config, tasks, predictions, completions.

What is pushed is what :func:`formats.export_project` writes for Label Studio (so a push and
a file export agree on every field). New tasks go in one bulk import per chunk, with their
predictions and completions; Label Studio gives them new ids, so they are found again by
``meta["preannotate"]["task_id"]`` and their predictions and annotations by order (the
import keeps it). Tasks pushed before get only what is new since: a prediction not yet
linked, a completion not yet linked (created there), or one whose results changed here
since the last sync (updated there). Every id pair is recorded in the store's links.

Document tasks go as a Visual NER export writes them, their page images uploaded to Label
Studio just before the task (see :mod:`.documents` and :mod:`.uploads`); a task pushed
before is never uploaded again. One kind of task per Label Studio project: the report
names the tasks of the other kind.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..formats import export_project
from ..model import Completion, Prediction, stored_id
from .client import Connection, LabelStudioSyncError, plain
from .documents import Documents, export_documents, shown_kind
from .report import SyncReport
from .targets import check_exists, config_xml, digest, existing_target
from .uploads import PageUploader

if TYPE_CHECKING:
    from ..store import Project as ProjectStore
    from ..store.ls_links import LinkTarget

CHUNK = 200  # tasks per export and per bulk import


def push(project: ProjectStore, conn: Connection, *, ls_project: int | None = None,
         title: str | None = None) -> SyncReport:
    """Create or update the Label Studio project; see the module doc."""
    kinds = {stored_id(task): task.kind for task in project.iter_tasks()}
    known = existing_target(project, conn, ls_project)
    shown = shown_kind(kinds, project.labelstudio_links(known.id, "task") if known else {})
    with tempfile.TemporaryDirectory(prefix="preannotate-push-") as tmp:
        documents = None
        if shown == "document":
            documents = export_documents(project, [t for t, k in kinds.items() if k == "document"],
                                         Path(tmp))
            if documents.config is None:  # not one page image could be made
                shown = "text"
        pages = documents if shown == "document" else None
        target, report = _target(project, conn, ls_project, title,
                                 pages.config if pages and pages.config else config_xml(project))
        uploader = PageUploader(conn, target.ls_project)
        links = {kind: project.labelstudio_links(target.id, kind)
                 for kind in ("task", "prediction", "completion")}
        new: list[tuple[int, dict[str, Any]]] = []
        for tid, item in _exported(project, [t for t, k in kinds.items() if k == shown], pages):
            if tid in links["task"]:
                _update_task(project, conn, target, tid, item, links, report)
            else:  # a new document task's pages go up now, just before it
                new.append((tid, pages.with_pages(item, uploader) if pages else item))
            if len(new) >= CHUNK:
                _import_new(project, conn, target, new, report)
                new = []
        if new:
            _import_new(project, conn, target, new, report)
    report.pages_uploaded = uploader.uploaded
    _note_not_pushed(report, kinds, shown, documents)
    project.save_labelstudio_target(conn.url, target.ls_project, project.config_hash)
    return report


def _note_not_pushed(report: SyncReport, kinds: Mapping[int, str], shown: str,
                     documents: Documents | None) -> None:
    """Say which tasks were not pushed, and why (a Label Studio project shows one kind)."""
    if documents is not None:
        report.notes.extend(documents.notes)
    other = sorted(t for t, k in kinds.items() if k != shown)
    if not other:
        return
    ids = ", ".join(map(str, other[:10])) + (", ..." if len(other) > 10 else "")
    if shown == "document":
        why = ("a Label Studio project shows one kind of object, and this one shows the page "
               "images of the document tasks")
    elif documents is not None:
        why = "not one of their page images could be made (see the notes above)"
    else:
        why = ("a Label Studio project shows one kind of object, and this one holds text tasks "
               "pushed before")
    kind = "text" if shown == "document" else "document"
    report.notes.append(
        f"{len(other)} {kind} task(s) not pushed ({ids}): {why}; export them with "
        f"project.export('labelstudio', path, ids=[...]) into a Label Studio project of their own")


def _target(project: ProjectStore, conn: Connection, ls_project: int | None, title: str | None,
            xml: str) -> tuple[LinkTarget, SyncReport]:
    """The target (created in Label Studio when there is none) and a report about it."""
    known = existing_target(project, conn, ls_project)
    if ls_project is not None or known is not None:
        number = ls_project if ls_project is not None else known.ls_project  # type: ignore[union-attr]
        there = check_exists(conn, number)
        report = SyncReport("push", conn.url, number, conn.project_url(number))
        if (there.get("label_config") or "").strip() != xml.strip():  # it strips the XML
            conn.call(f"updating the labeling config of project {number}",
                      conn.client.projects.update, id=number, label_config=xml)
            report.config_updated = True
        if known is None:
            known = project.save_labelstudio_target(conn.url, number, None)
        return known, report
    created = plain(conn.call("creating a project", conn.client.projects.create,
                              title=_title(title or project.name), label_config=xml))
    number = int(created["id"])
    report = SyncReport("push", conn.url, number, conn.project_url(number), created_project=True)
    return project.save_labelstudio_target(conn.url, number, project.config_hash), report


def _title(name: str) -> str:
    """A title Label Studio takes: 3 to 50 characters."""
    name = " ".join(name.split())
    return (name if len(name) >= 3 else f"preannotate {name}".strip())[:50]


def _exported(project: ProjectStore, ids: list[int],
              documents: Documents | None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(task id, its Label Studio task as our export writes it), chunk by chunk; document
    tasks from ``documents`` (those without page images are left out: the notes say why)."""
    if documents is not None:
        yield from ((tid, documents.items[tid]) for tid in ids if tid in documents.items)
        return
    for start in range(0, len(ids), CHUNK):
        yield from _export_chunk(project, ids[start:start + CHUNK])


def _export_chunk(project: ProjectStore, ids: list[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    buffer = io.StringIO()
    export_project(project, "labelstudio", buffer, ids=ids)
    items = json.loads(buffer.getvalue())
    # export writes the tasks in id order, each with its marker
    for item in items:
        yield int(item["meta"]["preannotate"]["task_id"]), item


def _annotation_fields(item: dict[str, Any], parent: int | None) -> dict[str, Any]:
    """What a new annotation sends: its results and flags, no ids or authors (Label Studio
    credits the key's user; ours is kept in the task's meta)."""
    fields: dict[str, Any] = {"result": item.get("result") or [],
                              "was_cancelled": bool(item.get("was_cancelled")),
                              "ground_truth": bool(item.get("ground_truth"))}
    if item.get("lead_time") is not None:
        fields["lead_time"] = item["lead_time"]
    if parent is not None:
        fields["parent_prediction"] = parent
    return fields


def _update_task(project: ProjectStore, conn: Connection, target: LinkTarget, tid: int,
                 item: dict[str, Any], links: dict[str, dict[int, tuple[int, str]]],
                 report: SyncReport) -> None:
    """Send what is new or changed on a task pushed before."""
    ls_task = links["task"][tid][0]
    predictions, completions = project.predictions(tid), project.completions(tid)
    new_links: list[tuple[int, int, str]] = []
    for p, ls_p in zip(predictions, item.get("predictions") or [], strict=True):
        if stored_id(p) in links["prediction"]:
            continue
        made = plain(conn.call(f"adding a prediction to task {ls_task}", conn.client.predictions.create,
                               task=ls_task, result=ls_p.get("result") or [],
                               model_version=ls_p.get("model_version"), score=ls_p.get("score")))
        links["prediction"][stored_id(p)] = (int(made["id"]), "")
        new_links.append((stored_id(p), int(made["id"]), ""))
        report.predictions_created += 1
    project.save_labelstudio_links(target.id, "prediction", new_links)
    changed: list[tuple[int, int, str]] = []
    for c, ls_c in zip(completions, item.get("annotations") or [], strict=True):
        said = digest(c.results, c.skipped)
        link = links["completion"].get(stored_id(c))
        if link is not None and link[1] == said:
            report.completions_unchanged += 1
            continue
        parent = links["prediction"].get(c.copied_from or -1, (None, ""))[0]
        fields = _annotation_fields(ls_c, parent)
        if link is None:
            made = plain(conn.call(f"adding an annotation to task {ls_task}",
                                   conn.client.annotations.create, id=ls_task, **fields))
            changed.append((stored_id(c), int(made["id"]), said))
            report.completions_created += 1
        else:
            conn.call(f"updating annotation {link[0]}", conn.client.annotations.update, id=link[0],
                      result=fields["result"], was_cancelled=fields["was_cancelled"])
            changed.append((stored_id(c), link[0], said))
            report.completions_updated += 1
    project.save_labelstudio_links(target.id, "completion", changed)


def _import_new(project: ProjectStore, conn: Connection, target: LinkTarget,
                new: list[tuple[int, dict[str, Any]]], report: SyncReport) -> None:
    """Bulk-import new tasks, then link them and their predictions and annotations."""
    body = []
    for _, item in new:
        sent = {k: v for k, v in item.items() if k != "id"}  # Label Studio assigns its own
        sent["predictions"] = [{k: v for k, v in p.items() if k != "id"} for p in item.get("predictions") or []]
        sent["annotations"] = [{k: v for k, v in a.items() if k not in ("id", "parent_prediction")}
                               for a in item.get("annotations") or []]
        body.append(sent)
    conn.call(f"importing {len(body)} task(s) into project {target.ls_project}",
              conn.client.projects.import_tasks, id=target.ls_project, request=body,
              commit_to_project=True)
    wanted = {tid for tid, _ in new}
    found: dict[int, dict[str, Any]] = {}
    linked = {remote for remote, _ in project.labelstudio_links(target.id, "task").values()}
    for ls_task in conn.tasks(target.ls_project):
        marker = (ls_task.get("meta") or {}).get("preannotate") or {}
        tid = marker.get("task_id")
        if tid in wanted and tid not in found and ls_task["id"] not in linked:
            found[tid] = ls_task
    missing = wanted - found.keys()
    if missing:
        raise LabelStudioSyncError(
            f"Label Studio at {conn.url} accepted the import but {len(missing)} task(s) are not in "
            f"project {target.ls_project} (e.g. our task {min(missing)}); an edition that imports "
            "in the background may still be at it: push again in a moment")
    for tid, _ in new:
        _link_new(project, target, tid, found[tid], report)


def _link_new(project: ProjectStore, target: LinkTarget, tid: int, ls_task: dict[str, Any],
              report: SyncReport) -> None:
    predictions: list[Prediction] = project.predictions(tid)
    completions: list[Completion] = project.completions(tid)
    ls_predictions = sorted(ls_task.get("predictions") or [], key=lambda p: p["id"])
    ls_annotations = sorted(ls_task.get("annotations") or [], key=lambda a: a["id"])
    if len(ls_predictions) != len(predictions) or len(ls_annotations) != len(completions):
        report.errors.append(
            f"task {tid}: Label Studio task {ls_task['id']} has {len(ls_predictions)} prediction(s) "
            f"and {len(ls_annotations)} annotation(s), we sent {len(predictions)} and "
            f"{len(completions)}; the missing ones were refused there")
    project.save_labelstudio_links(target.id, "task", [(tid, int(ls_task["id"]), "")])
    project.save_labelstudio_links(target.id, "prediction", [
        (stored_id(p), int(ls_p["id"]), "") for p, ls_p in zip(predictions, ls_predictions, strict=False)])
    project.save_labelstudio_links(target.id, "completion", [
        (stored_id(c), int(ls_a["id"]), digest(c.results, c.skipped))
        for c, ls_a in zip(completions, ls_annotations, strict=False)])
    report.tasks_created += 1
    report.predictions_created += min(len(predictions), len(ls_predictions))
    report.completions_created += min(len(completions), len(ls_annotations))
