"""Long and locked documents: a page limit checked before any work, progress while OCR runs,
and the CLI's --password for encrypted PDFs. Real PDFs made from a real scanned page, real
tesseract."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from ocr_fixtures import ENCRYPTED_PDF, SCANNED_PNG, scanned_pages_pdf
from PIL import Image
from server_fixtures import config_for, save_rules

from preannotate_lab.model import Completion, Span, Task
from preannotate_lab.ocr import DocumentError, OcrOptions, PageCache, load_document
from preannotate_lab.project import Project
from preannotate_lab.server import ServerManager

CLI = [sys.executable, "-m", "preannotate_lab.cli"]


def test_a_document_over_max_pages_is_refused_before_any_page_is_read(tmp_path):
    pdf = scanned_pages_pdf(tmp_path / "five.pdf", 5)
    cache = tmp_path / "cache"
    assert OcrOptions().max_pages == 2000
    with pytest.raises(DocumentError, match=r"five\.pdf: has 5 pages, over the limit of 3 \(OcrOptions\.max_pages\)"):
        load_document(pdf, cache=PageCache(cache), max_pages=3, force_ocr=True)
    assert not cache.exists() or not any(cache.rglob("*.png"))  # nothing rendered
    tiff = tmp_path / "frames.tiff"
    frame = Image.open(SCANNED_PNG).convert("L")
    frame.save(tiff, save_all=True, append_images=[frame] * 3)
    with pytest.raises(DocumentError, match="has 4 pages, over the limit of 2"):
        load_document(tiff, cache=PageCache(cache), max_pages=2)
    with pytest.raises(ValueError, match="max_pages=0 must be at least 1"):
        OcrOptions(max_pages=0)


def test_load_document_reports_each_page(tmp_path):
    pdf = scanned_pages_pdf(tmp_path / "three.pdf", 3)
    seen: list[tuple[int, int]] = []
    doc = load_document(pdf, cache=PageCache(tmp_path / "cache"), on_page=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)] and len(doc.pages) == 3


def test_job_progress_moves_per_page_before_the_chunk_is_written(tmp_path):
    save_rules("long-terms", [{"name": "t", "label": "TERM", "type": "dictionary", "keywords": ["coins"]}])
    pdf = scanned_pages_pdf(tmp_path / "three.pdf", 3)
    with Project.create(tmp_path / "p.sqlite") as project:
        project.add_tasks([Task({"document": str(pdf)}, kind="document"),
                           Task({"document": str(SCANNED_PNG)}, kind="document")])
        seen: list[dict] = []
        manager = ServerManager()
        try:
            server = manager.deploy(config_for({"long-terms": ["TERM"]}), name="long")
            job = server.run(project, wait=True, on_progress=seen.append)
        finally:
            manager.close()
        assert job.progress["predicted"] == 2 and job.progress["read"] == 2
        pages = [(p["reading"]["task"], p["reading"]["page"], p["reading"]["pages"])
                 for p in seen if p.get("reading")]
        assert pages[:3] == [(1, 1, 3), (1, 2, 3), (1, 3, 3)] and (2, 1, 1) in pages
        # while the chunk (both tasks) was OCR'd nothing was written yet, but progress moved
        before_write = [p for p in seen if p["done"] == 0 and p["state"] == "running"]
        assert any(p["read"] == 1 for p in before_write)
        assert job.progress["reading"] is None


def test_cli_password_reads_an_encrypted_pdf_in_run_and_export(tmp_path):
    pdf = shutil.copy(ENCRYPTED_PDF, tmp_path / "locked.pdf")
    save_rules("locked-terms", [{"name": "any", "label": "WORD", "type": "regex", "pattern": r"\w{4,}"}])
    project = tmp_path / "p.sqlite"
    with Project.create(project) as p:
        [task_id] = p.add_tasks([Task({"document": str(pdf)}, kind="document")])
    common = [str(project), "--json"]
    locked = subprocess.run([*CLI, "run", *common, "--model", "locked-terms"], capture_output=True, text=True)
    assert locked.returncode == 1
    assert "encrypted" in json.loads(locked.stdout)["task_errors"][0]["error"]
    ok = subprocess.run([*CLI, "run", *common, "--password", "secret"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["predicted"] == 1
    with Project.open(project) as p:
        prediction = p.latest_prediction(task_id)
        assert prediction.results and "secret" not in json.dumps(prediction.provenance)
        p.add_completion(Completion(task_id=task_id, results=(prediction.results[0],), created_by="me"))
    out = tmp_path / "coco.json"
    no_pw = subprocess.run([*CLI, "export", *common, "--format", "coco", "--out", str(out)],
                           capture_output=True, text=True)
    assert json.loads(no_pw.stdout)["tasks"] == 0
    env_pw = subprocess.run([*CLI, "export", *common, "--format", "coco", "--out", str(out),
                             "--password-env", "PDF_PW"], capture_output=True, text=True,
                            env={**__import__("os").environ, "PDF_PW": "secret"})
    assert env_pw.returncode == 0, env_pw.stderr
    assert json.loads(env_pw.stdout)["tasks"] == 1, env_pw.stdout
    assert json.loads(out.read_text())["annotations"]
    assert isinstance(prediction.results[0], Span)
