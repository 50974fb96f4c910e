"""Jobs: background runs, progress, cancel and resume, concurrent servers, bad documents."""

from __future__ import annotations

import threading

import pytest
from server_fixtures import (
    MODEL,
    NER_LABELS,
    config_for,
    entity_keys,
    make_project,
    many_texts,
    predictions_by_task,
)

from preannotate_lab.model import Task
from preannotate_lab.server import JobError, ServerManager


@pytest.fixture
def manager():
    m = ServerManager()
    yield m
    m.close()


def test_cancel_then_resume_predicts_every_task_once(manager, sample_texts, project_path):
    texts = many_texts(sample_texts, 120)
    project = make_project(project_path, texts)
    server = manager.deploy(config_for({MODEL: NER_LABELS}), name="ner")
    seen: list[dict] = []

    def cancel_after_first_chunk(progress: dict) -> None:
        seen.append(progress)
        if progress["predicted"] >= 10:
            job.cancel()

    job = server.run(project, chunk_size=10, batch_size=8, on_progress=cancel_after_first_chunk)
    job.wait(timeout=120)
    first = job.progress
    assert first["state"] == "cancelled"
    assert 10 <= first["predicted"] < len(texts)
    assert server.status == "idle"
    stored = sum(len(project.predictions(t)) for t in project.task_ids())
    assert stored == first["predicted"]  # what was reported done is stored, nothing more

    resumed = server.run(project, chunk_size=10, wait=True).progress
    assert resumed["state"] == "done"
    assert resumed["skipped"] == first["predicted"]
    assert resumed["predicted"] == len(texts) - first["predicted"]
    assert all(len(project.predictions(t)) == 1 for t in project.task_ids())
    assert [p["state"] for p in seen][0] == "running"


def test_run_returns_at_once_and_the_job_runs_in_the_background(manager, sample_texts, project_path):
    project = make_project(project_path, many_texts(sample_texts, 60))
    server = manager.deploy(config_for({MODEL: NER_LABELS}), name="bg")
    gate = threading.Event()
    job = server.run(project, chunk_size=5, on_progress=lambda p: gate.wait(10))
    assert job.state in ("queued", "running")  # run() did not wait for the 60 tasks
    assert server.status == "busy" and server.describe()["job"]["job"] == job.id
    gate.set()
    job.wait(timeout=120)
    assert job.progress["done"] == 60 and server.status == "idle"
    assert job.progress["rate"] > 0 and job.progress["elapsed"] > 0


def test_two_servers_run_at_once_on_two_projects(manager, nlp, sample_texts, tmp_path):
    texts_a = many_texts(sample_texts, 40)
    texts_b = list(reversed(many_texts(sample_texts, 30)))
    project_a = make_project(tmp_path / "a.sqlite", texts_a)
    project_b = make_project(tmp_path / "b.sqlite", texts_b)
    people = manager.deploy(config_for({MODEL: ["PERSON", "ORG"]}), name="people")
    places = manager.deploy(config_for({MODEL: ["GPE", "LOC", "DATE"]}), name="places")
    running_together = threading.Event()

    def watch(progress: dict) -> None:
        if people.status == "busy" and places.status == "busy":
            running_together.set()

    job_a = people.run(project_a, chunk_size=5, on_progress=watch)
    job_b = places.run(project_b, chunk_size=5, on_progress=watch)
    job_a.wait(timeout=300)
    job_b.wait(timeout=300)
    assert running_together.is_set()
    assert job_a.progress["predicted"] == 40 and job_b.progress["predicted"] == 30
    for project, texts, labels in ((project_a, texts_a, {"PERSON", "ORG"}),
                                   (project_b, texts_b, {"GPE", "LOC", "DATE"})):
        got = predictions_by_task(project)
        expected = [sorted(entity_keys(d, labels)) for d in nlp.pipe(texts)]
        assert [got[t] for t in project.task_ids()] == expected


def test_jobs_of_one_server_queue_behind_each_other(manager, sample_texts, tmp_path):
    project_a = make_project(tmp_path / "a.sqlite", many_texts(sample_texts, 30))
    project_b = make_project(tmp_path / "b.sqlite", sample_texts[:5])
    server = manager.deploy(config_for({MODEL: NER_LABELS}), name="one")
    first = server.run(project_a, chunk_size=5)
    second = server.run(project_b)
    assert second.state == "queued" or first.state == "done"
    second.wait(timeout=120)
    assert first.state == "done" and second.progress["predicted"] == 5


def test_a_bad_document_is_recorded_on_its_task_and_the_job_goes_on(manager, sample_texts,
                                                                     project_path, tmp_path):
    empty_pdf = tmp_path / "empty.pdf"
    empty_pdf.write_bytes(b"")
    project = make_project(project_path, sample_texts[:4])
    [bad] = project.add_tasks([Task({"document": str(empty_pdf)}, kind="document")])
    [missing] = project.add_tasks([Task({"document": str(tmp_path / "gone.png")}, kind="document")])
    job = manager.deploy(config_for({MODEL: NER_LABELS}), name="docs").run(project, wait=True)
    progress = job.progress
    assert progress["state"] == "done" and progress["errors"] == 2 and progress["predicted"] == 4
    assert project.get_task(bad).error and "cannot read the document" in project.get_task(bad).error
    assert "cannot read the document" in project.get_task(missing).error
    assert job.task_errors.keys() == {bad, missing}
    assert all(project.latest_prediction(t) is None for t in (bad, missing))


def test_a_failing_store_fails_the_job_with_a_clear_error(manager, sample_texts, project_path):
    project = make_project(project_path, sample_texts[:3])
    server = manager.deploy(config_for({MODEL: NER_LABELS}), name="closed")
    project.close()
    job = server.run(project)
    with pytest.raises(JobError, match="closed"):
        job.wait(timeout=60)
    assert job.state == "failed" and server.status == "error" and "failed" in server.status_reason


def test_a_scanned_page_is_ocred_and_its_spans_get_boxes(manager, project_path):
    from ocr_fixtures import SCANNED_PNG
    from server_fixtures import save_rules

    save_rules("image-terms", [{"name": "terms", "label": "TERM", "type": "dictionary",
                                "keywords": ["markers", "background", "coins"]}])
    project = make_project(project_path, [])
    [task_id] = project.add_tasks([Task({"document": str(SCANNED_PNG)}, kind="document")])
    server = manager.deploy(config_for({"image-terms": ["TERM"]}), name="visual")
    job = server.run(project, wait=True)
    assert job.progress["predicted"] == 1, job.task_errors
    prediction = project.latest_prediction(task_id)
    assert prediction.document_hash.startswith("file:")
    terms = [r for r in prediction.results if r.label == "TERM"]
    assert {r.text.lower() for r in terms} >= {"markers", "background", "coins"}
    assert all(r.boxes and all(b.width > 0 and b.height > 0 for b in r.boxes) for r in terms)
    # unchanged file: the re-run skips it without reading the page again
    again = server.run(project, wait=True).progress
    assert again["skipped"] == 1 and again["predicted"] == 0
