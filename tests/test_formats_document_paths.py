"""Where a document task's file is: one answer (model.document_path) for every part, and
relative or missing paths in flat imports (CSV, JSONL, DataFrame) caught at import."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from formats_fixtures import new_project
from ocr_fixtures import SCANNED_PNG

from preannotate_lab.documents import DocumentError, document_for
from preannotate_lab.formats import import_path
from preannotate_lab.formats.importing import import_dataframe
from preannotate_lab.model import DOCUMENT_KEYS, Task, document_path
from preannotate_lab.server.jobs import document_hash

SCAN = SCANNED_PNG


@pytest.fixture
def project(tmp_path: Path):
    project = new_project(tmp_path)
    yield project
    project.close()


def test_document_path_order_and_non_paths():
    assert DOCUMENT_KEYS[:3] == ("document", "pdf", "image")
    assert document_path({"image": "/x.png"}) == "/x.png"
    assert document_path({"ocr": "/scan.png"}) == "/scan.png"
    assert document_path({"image": "/page.png", "pdf": "/x.pdf"}) == "/x.pdf"
    assert document_path({"document": "/a.pdf", "image": "/b.png"}) == "/a.pdf"
    # empty strings and non-strings (a list of page URLs) are skipped, not returned
    assert document_path({"document": " ", "image": ["/p1.png"], "pdf": "/c.pdf"}) == "/c.pdf"
    assert document_path({"text": "hello"}) is None
    assert document_path("not a mapping") is None  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["image", "pdf", "ocr"])
def test_label_studio_document_task_has_a_source_path_everywhere(project, tmp_path: Path, key: str):
    scan = shutil.copy(SCAN, tmp_path / "invoice-scan.png")
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"id": 7, "data": {key: str(scan)}}]), "utf-8")
    report = import_path(project, tasks)
    assert report.errors == []
    [task] = list(project.iter_tasks())
    assert task.kind == "document"
    assert task.source_path == str(scan)
    # the server identifies the file (so an unchanged document is skipped on a re-run)
    assert document_hash(task) is not None and document_hash(task).startswith("file:")
    # the grid shows the file name and its search finds the path
    total, rows = project.task_rows(0, 10, search="invoice")
    assert total == 1 and rows[0]["title"] == "invoice-scan.png"
    # and the document loader reads that same file
    assert document_for(task).text.strip()


def test_store_accepts_and_refuses_document_tasks_by_the_same_rule(project):
    [tid] = project.add_tasks([Task({"pdf": "/somewhere/report.pdf"}, kind="document")])
    assert project.get_task(tid).source_path == "/somewhere/report.pdf"
    with pytest.raises(ValueError, match="without a file path"):
        project.add_tasks([Task({"image": ["/p1.png"]}, kind="document")])


def test_document_for_refuses_a_url_by_name():
    task = Task({"image": "https://example.org/scan.png"}, id=3, kind="document")
    assert task.source_path == "https://example.org/scan.png"
    with pytest.raises(DocumentError, match=r"task 3: .*is a URL; download the file"):
        document_for(task)


def test_csv_relative_paths_resolve_against_the_csv_folder(project, tmp_path: Path, monkeypatch):
    folder = tmp_path / "batch"
    (folder / "scans").mkdir(parents=True)
    shutil.copy(SCAN, folder / "scans" / "scan.png")
    csv = folder / "docs.csv"
    csv.write_text("id,document\n1,scans/scan.png\n2,scans/missing.png\n", "utf-8")
    monkeypatch.chdir(tmp_path)  # not the CSV's folder: the path must not depend on the cwd
    report = import_path(project, csv)
    [task] = list(project.iter_tasks())
    assert task.source_path == str((folder / "scans" / "scan.png").resolve())
    [error] = report.errors
    assert error.position == "line 3"
    assert "scans/missing.png" in error.message and "no file" in error.message
    monkeypatch.chdir("/")
    assert document_for(task).text.strip()  # still found from another working folder


def test_jsonl_flat_records_resolve_and_check_paths(project, tmp_path: Path):
    shutil.copy(SCAN, tmp_path / "a.png")
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text('{"id": 1, "pdf": "a.png"}\n{"id": 2, "image": "gone.png"}\n', "utf-8")
    report = import_path(project, jsonl)
    [task] = list(project.iter_tasks())
    assert task.kind == "document" and task.source_path == str((tmp_path / "a.png").resolve())
    assert [e.position for e in report.errors] == ["line 2"]
    assert "gone.png" in report.errors[0].message


def test_dataframe_relative_paths_resolve_against_the_cwd(project, tmp_path: Path, monkeypatch):
    shutil.copy(SCAN, tmp_path / "scan.png")
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"id": [1, 2], "document": ["scan.png", "nope.png"]})
    report = import_dataframe(project, df)
    [task] = list(project.iter_tasks())
    assert task.source_path == str((tmp_path / "scan.png").resolve())
    assert [e.position for e in report.errors] == ["row 1"]
    assert "current folder" in report.errors[0].message
