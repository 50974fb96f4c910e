"""One gate for the files document tasks may name (preannotate_lab.paths.allowed_path).

Real files and real symlinks: a task file in an imported folder may name files under it; an
absolute path elsewhere (``/etc/passwd``), a ``../..`` escape and a symlink leaving the folder
are refused at import, per task, and again when a stored task is read (OCR, COCO export, the
labeling view). No message ever shows bytes of the refused file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ocr_fixtures import SCANNED_PNG
from server_fixtures import config_for, save_rules
from widgets_fixtures import frontend_request, recording  # noqa: F401 - the fixture

from preannotate_lab.documents import DocumentError, document_for
from preannotate_lab.formats import export_project, import_path
from preannotate_lab.model import Completion, Span, Task
from preannotate_lab.paths import DocumentPathError, allowed_path
from preannotate_lab.project import Project
from preannotate_lab.server import ServerManager

SECRET = "TOP-SECRET-CONTENT 4711"


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """An imported folder with a real scan, and outside it a secret text file and a real image."""
    batch = tmp_path / "batch"
    outside = tmp_path / "outside"
    (batch / "scans").mkdir(parents=True)
    outside.mkdir()
    shutil.copy(SCANNED_PNG, batch / "scans" / "good.png")
    (outside / "secret.png").write_text(SECRET + "\n", "utf-8")  # text named like an image
    shutil.copy(SCANNED_PNG, outside / "elsewhere.png")
    os.symlink(outside / "elsewhere.png", batch / "scans" / "link.png")
    os.symlink(outside / "secret.png", batch / "notes.txt")
    return {"batch": batch, "outside": outside, "project": tmp_path / "p.sqlite"}


def _tasks_json(batch: Path, images: list[str], first: int = 0) -> Path:
    path = batch / "tasks.json"
    path.write_text(json.dumps([{"id": i, "data": {"image": p}} for i, p in enumerate(images, first)]))
    return path


def test_allowed_path_follows_symlinks_and_dots(layout):
    batch, outside = layout["batch"], layout["outside"]
    assert allowed_path([batch], batch / "scans" / "good.png") == (batch / "scans" / "good.png").resolve()
    assert allowed_path([batch], "scans/good.png", base=batch).name == "good.png"
    for bad in ["/etc/passwd", batch / "scans" / "link.png", batch / ".." / "outside" / "secret.png",
                "../outside/elsewhere.png"]:
        with pytest.raises(DocumentPathError, match="outside the folders this project may read"):
            allowed_path([batch], bad, base=batch)
    with pytest.raises(DocumentPathError, match=r"symlink or '\.\.'"):
        allowed_path([batch], batch / "scans" / "link.png")
    with pytest.raises(DocumentPathError, match="allows no folder yet"):
        allowed_path([], outside / "elsewhere.png")


def test_import_refuses_each_path_outside_the_folder_and_keeps_the_rest(layout):
    batch, outside = layout["batch"], layout["outside"]
    tasks = _tasks_json(batch, [str(batch / "scans" / "good.png"), "/etc/passwd",
                                "../../outside/secret.png", str(batch / "scans" / "link.png"),
                                "scans/good.png"])
    with Project.create(layout["project"]) as project:
        report = import_path(project, tasks)
        assert report.n_tasks == 2  # the absolute and the relative path of the good scan
        assert [e.position for e in report.errors] == ["task #1", "task #2", "task #3"]
        for error in report.errors:
            assert "not imported" in error.message and "outside the folders" in error.message
            assert "allow_root(" in error.message and "--allow-root" in error.message
            assert SECRET not in error.message and "root:" not in error.message
        assert project.document_roots() == [str(batch.resolve())]
        assert [r["by"] for r in project.document_root_records()] == ["import"]
        # allowing the folder lets the same file import
        project.allow_root(outside)
        again = import_path(project, _tasks_json(batch, [str(outside / "elsewhere.png")], first=10))
        assert again.ok and again.n_tasks == 1
        with pytest.raises(ValueError, match="give an existing folder"):
            project.allow_root(outside / "elsewhere.png")


def test_a_folder_import_does_not_follow_symlinks_out_of_it(layout):
    batch = layout["batch"]
    (batch / "tasks.json").unlink(missing_ok=True)
    (batch / "readme.txt").write_text("a real note", "utf-8")
    with Project.create(layout["project"]) as project:
        report = import_path(project, batch)
        titles = sorted(t.title for t in project.iter_tasks())
        assert titles == ["good.png", "readme.txt"]
        refused = {e.position: e.message for e in report.errors}
        assert set(refused) == {"notes.txt", os.path.join("scans", "link.png")}
        assert all("outside the folders" in m and SECRET not in m for m in refused.values())
        assert not any(SECRET in (t.text or "") for t in project.iter_tasks())


@pytest.fixture
def smuggled(layout):
    """A project whose store holds tasks naming outside files (an old project, or a hand edit)."""
    project = Project.create(layout["project"])
    project.allow_root(layout["batch"])
    ids = project.add_tasks([Task({"document": str(layout["outside"] / "secret.png")}, kind="document"),
                             Task({"image": str(layout["batch"] / "scans" / "link.png")}, kind="document"),
                             Task({"document": str(layout["batch"] / "scans" / "good.png")}, kind="document")],
                            allow_files=False)
    yield project, ids
    project.close()


def test_reading_a_stored_task_asks_the_same_gate(smuggled):
    project, (secret, link, good) = smuggled
    for task_id in (secret, link):
        with pytest.raises(DocumentError, match=f"task {task_id}: its file .* is outside the folders") as info:
            document_for(project.get_task(task_id), project=project)
        assert SECRET not in str(info.value)
    assert "segmentation" in document_for(project.get_task(good), project=project).text


def test_a_job_records_the_refusal_on_the_task_and_never_reads_the_file(smuggled):
    project, (secret, link, good) = smuggled
    save_rules("gate-terms", [{"name": "t", "label": "TERM", "type": "dictionary", "keywords": ["coins"]}])
    manager = ServerManager()
    try:
        job = manager.deploy(config_for({"gate-terms": ["TERM"]}), name="gate").run(project, wait=True)
    finally:
        manager.close()
    assert job.progress["errors"] == 2 and job.progress["predicted"] == 1
    for task_id in (secret, link):
        error = project.get_task(task_id).error
        assert "outside the folders" in error and SECRET not in error
        assert project.latest_prediction(task_id) is None


def test_coco_export_skips_a_task_outside_the_folders(smuggled, tmp_path):
    project, (secret, _, good) = smuggled
    for task_id in (secret, good):
        project.add_completion(Completion(task_id=task_id, results=(Span(0, 4, "TERM", "Regi"),), created_by="me"),
                               keep_mismatched_text=True)
    report = export_project(project, "coco", tmp_path / "coco.json")
    assert report.n_tasks == 1
    [note] = [n for n in report.notes if f"task {secret}" in n]
    assert "outside the folders" in note and SECRET not in note


@pytest.mark.usefixtures("recording")
def test_the_labeling_view_refuses_the_task_too(smuggled):
    from preannotate_lab.widgets import LabelingView

    project, (secret, _, good) = smuggled
    view = LabelingView(project)
    reply = frontend_request(view, "load", task_id=secret)
    assert "outside the folders" in reply["error"] and SECRET not in reply["error"]
    assert "error" not in frontend_request(view, "load", task_id=good)
    assert "error" not in frontend_request(view, "page_image", page=0)


def test_cli_import_refuses_and_allow_root_admits(layout):
    batch, outside = layout["batch"], layout["outside"]
    tasks = _tasks_json(batch, [str(outside / "elsewhere.png"), str(batch / "scans" / "good.png")])
    cli = [sys.executable, "-m", "preannotate_lab.cli"]
    project = str(layout["project"])
    subprocess.run([*cli, "init", project], check=True, capture_output=True)
    first = subprocess.run([*cli, "import", project, str(tasks), "--json"], capture_output=True, text=True)
    assert first.returncode == 1
    assert json.loads(first.stdout)["imported"] == 1
    assert "task #0: not imported" in first.stderr and "--allow-root" in first.stderr
    second = subprocess.run([*cli, "import", project, str(tasks), "--allow-root", str(outside), "--json"],
                            capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["imported"] == 1  # the refused one; the other is a duplicate
    bad = subprocess.run([*cli, "import", project, str(tasks), "--allow-root", str(outside / "nope")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "--allow-root" in bad.stderr and "existing folder" in bad.stderr


def test_a_project_from_before_document_roots_keeps_reading_its_files(layout, tmp_path):
    """An older project has document tasks but no recorded roots: opening it records the
    folders its tasks already name (they were imported when any path was accepted), and
    nothing else."""
    import sqlite3

    scan = layout["batch"] / "scans" / "good.png"
    path = tmp_path / "old.sqlite"
    with Project.create(path) as project:
        [task_id] = project.add_tasks([Task({"document": str(scan)}, kind="document")])
    with sqlite3.connect(path) as conn:  # as a project written by an older version looks
        conn.execute("DELETE FROM meta WHERE key = 'document_roots'")
    with Project.open(path) as project:
        assert project.document_roots() == [str(scan.parent.resolve())]
        assert [r["by"] for r in project.document_root_records()] == ["earlier import"]
        document = document_for(project.get_task(task_id), project=project)
        assert document.text
    with sqlite3.connect(path) as conn:  # a project seen once is never seeded again
        conn.execute("UPDATE meta SET value = '[]' WHERE key = 'document_roots'")
    with Project.open(path) as project:
        assert project.document_roots() == []
