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


def test_a_job_cancelled_while_queued_ends_at_once_and_never_runs(manager, sample_texts, tmp_path):
    project_a = make_project(tmp_path / "a.sqlite", many_texts(sample_texts, 20))
    project_b = make_project(tmp_path / "b.sqlite", sample_texts[:5])
    server = manager.deploy(config_for({MODEL: NER_LABELS}), name="gated")
    gate = threading.Event()
    first = server.run(project_a, chunk_size=5, on_progress=lambda p: gate.wait(30))
    seen: list[dict] = []
    second = server.run(project_b, on_progress=seen.append)
    assert second.state == "queued"  # the server's one job thread is held by the first job
    second.cancel()
    assert second.wait(timeout=1) is second
    assert second.finished and second.elapsed == 0.0
    assert [p["state"] for p in seen] == ["cancelled"]
    gate.set()
    first.wait(timeout=120)
    assert first.state == "done" and second.state == "cancelled"
    assert second.progress["done"] == 0 and predictions_by_task(project_b) == {}


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


# -- open files, content identity, totals, concurrent runs ------------------------------------
@pytest.fixture
def word_server(manager):
    from server_fixtures import save_rules

    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    return manager.deploy(config_for({"words": ["WORD"]}), name="words")


def _word_project(path, n):
    from preannotate_lab.store import Project

    project = Project.create(path)
    project.add_tasks([Task({"text": f"Hello World {i}"}) for i in range(n)])
    return project


def test_fifty_jobs_leave_open_files_flat(word_server, project_path):
    import psutil

    project = _word_project(project_path, 20)
    me = psutil.Process()
    for i in range(3):  # warm up: the server thread, SQLite's reusable descriptor
        word_server.run(project, wait=True, force=i % 2 == 0)
    before = me.num_fds()
    for i in range(50):
        word_server.run(project, wait=True, force=i % 2 == 0, chunk_size=5)
    assert me.num_fds() <= before + 3, (before, me.num_fds())  # was ~3 more per job
    # the main thread's, and the released ones kept for the next job's threads
    from preannotate_lab.store.db import IDLE_CONNECTIONS

    assert project._db.open_connections <= 1 + IDLE_CONNECTIONS
    project.close()


def test_progress_total_counts_distinct_existing_tasks(word_server, project_path):
    project = _word_project(project_path, 3)
    job = word_server.run(project, [1, 1, 2, 999], wait=True)
    assert job.progress["total"] == 2 and job.progress["done"] == 2


def test_two_runs_of_one_pipeline_at_once_store_each_task_once(manager, project_path):
    from server_fixtures import save_rules

    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    project = _word_project(project_path, 2000)
    a = manager.deploy(config_for({"words": ["WORD"]}), name="a")
    b = manager.deploy(config_for({"words": ["WORD"]}), name="b")
    assert a.pipeline_hash == b.pipeline_hash
    job_a, job_b = a.run(project, chunk_size=50), b.run(project, chunk_size=50)
    pa, pb = job_a.wait(timeout=300).progress, job_b.wait(timeout=300).progress
    assert project.count_predictions() == 2000
    assert pa["predicted"] + pb["predicted"] == 2000
    assert pa["done"] == pb["done"] == 2000  # what one skipped the other stored
    assert pa["skipped"] + pb["skipped"] == 2000


def test_other_ocr_options_read_documents_again_and_are_recorded(word_server, project_path):
    from ocr_fixtures import SCANNED_PNG

    from preannotate_lab.store import Project

    project = Project.create(project_path)
    ids = project.add_tasks([Task({"image": str(SCANNED_PNG)}, kind="document"),
                             Task({"document": str(SCANNED_PNG)}, kind="document")])
    first = word_server.run(project, wait=True).progress
    assert first["predicted"] == 2, first
    assert word_server.run(project, wait=True).progress["skipped"] == 2
    # how many processes and how long to wait do not change what is read
    same = word_server.run(project, wait=True, ocr_options={"workers": 1, "page_timeout": 99})
    assert same.progress["skipped"] == 2
    psm6 = {"psm": 6, "thresholding": "otsu"}
    assert word_server.pending_task_ids(project, ocr_options=psm6) == ids
    assert word_server.pending_task_ids(project) == []
    other = word_server.run(project, wait=True, ocr_options=psm6).progress
    assert other["predicted"] == 2 and other["skipped"] == 0
    latest = project.latest_prediction(ids[0])
    assert latest.provenance["ocr"]["psm"] == 6
    assert latest.provenance["ocr"]["thresholding"] == "otsu"
    assert "workers" not in latest.provenance["ocr"] and "password" not in latest.provenance["ocr"]
    assert project.predictions(ids[0])[0].provenance["ocr"]["psm"] == 3
    assert word_server.pending_task_ids(project, ocr_options=psm6) == []
    with pytest.raises(ValueError, match="dpi"):
        word_server.run(project, ocr_options={"dpi": 5})


def test_a_task_whose_content_cannot_be_read_is_never_taken_as_done(word_server, project_path,
                                                                    tmp_path):
    from preannotate_lab.model import Prediction
    from preannotate_lab.store import Project

    project = Project.create(project_path)
    [task] = project.add_tasks([Task({"document": str(tmp_path / "gone.png")}, kind="document")])
    # e.g. an imported prediction: same pipeline, no document hash
    project.add_predictions([Prediction(task, (), "import-1", pipeline_hash=word_server.pipeline_hash)])
    assert word_server.pending_task_ids(project) == [task]
    assert word_server.stale_task_ids(project) == [task]
    job = word_server.run(project, wait=True)
    assert job.progress["skipped"] == 0 and job.progress["errors"] == 1
