"""Training jobs run beside the kernel: cancel, pre-annotation at the same time, deploy the result."""

from __future__ import annotations

import time

import psutil
import pytest
from training_fixtures import MODEL, TRAINED_LABELS, completed_project

from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.model import Task, spans_of
from preannotate_lab.resources import Hub
from preannotate_lab.store import Project
from preannotate_lab.training import TrainingError, train_ner


def _wait_for_epoch(job, epoch: int = 1, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(job.history) < epoch:
        assert not job.finished, f"job ended early: {job.state} {job.error}"
        assert time.monotonic() < deadline, f"no epoch after {timeout} s: {job.progress}"
        time.sleep(0.05)


@pytest.fixture
def project(tmp_path, nlp, sample_texts):
    project, ids, gold = completed_project(tmp_path / "p.sqlite", nlp, sample_texts)
    yield project
    project.close()


def test_cancel_stops_the_process_and_saves_nothing(project, tmp_path):
    hub = Hub(tmp_path / "home")
    job = train_ner(project, n_iter=1000, name="endless", hub=hub)
    _wait_for_epoch(job)
    with pytest.raises(TrainingError, match="already writing"):
        train_ner(project, n_iter=1, name="endless", hub=hub)  # same folder, refused
    pid = job.pid
    started = time.monotonic()
    job.cancel()
    job.wait(timeout=30)
    assert job.state == "cancelled" and job.result is None
    assert time.monotonic() - started < 5  # stops between minibatches, not after the epochs
    assert len(job.history) < 1000
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (hub.home / "models").exists() or not any((hub.home / "models").iterdir())
    assert "en_endless" not in hub.names()


def test_preannotation_runs_while_a_model_trains(project, tmp_path, sample_texts):
    """A server pre-annotates another project while training runs; both finish."""
    import preannotate_lab as pl

    hub = Hub(tmp_path / "home")
    other = Project.create(tmp_path / "other.sqlite",
                           LabelingConfig.from_labels({MODEL: ["PERSON", "ORG", "GPE"]}))
    texts = [f"{t} (Report {i // len(sample_texts) + 1}.)" for i, t in enumerate(sample_texts * 4)]
    other.add_tasks([Task({"text": t}) for t in texts])
    training = train_ner(project, n_iter=60, name="busy", hub=hub)
    _wait_for_epoch(training)
    server = pl.servers.deploy(other, name="while-training")
    try:
        run = server.run(other, wait=False)
        assert not training.finished  # the two really overlap
        run.wait(timeout=120)
        training.wait(timeout=120)
    finally:
        pl.servers.delete("while-training")
    assert run.progress["done"] == len(texts) and run.progress["errors"] == 0
    assert all(other.latest_prediction(t) is not None for t in other.task_ids())
    assert training.state == "done" and len(training.history) == 60
    other.close()


def test_trained_model_pre_annotates_the_next_batch(project, tmp_path):
    """The loop: completions -> model in the hub -> a server deploys it -> new predictions."""
    from preannotate_lab.server import ServerManager

    hub = Hub(tmp_path / "home")
    job = train_ner(project, base_model=MODEL, n_iter=10, name="loop", hub=hub, wait=True)
    config = LabelingConfig.from_labels({job.resource_name: list(TRAINED_LABELS)})
    batch = Project.create(tmp_path / "batch.sqlite", config)
    batch.add_tasks([Task({"text": t}) for t in (
        "Jacinda Ardern visited Tokyo with officials from Microsoft.",
        "Angela Merkel spoke in Paris about the European Union.",
    )])
    manager = ServerManager(hub=hub)
    try:
        server = manager.deploy(batch, name="trained")
        assert set(server.labels) == set(TRAINED_LABELS)
        server.run(batch, wait=True)
    finally:
        manager.close()
    spans = [s for t in batch.task_ids() for s in spans_of(batch.latest_prediction(t).results)]
    assert {s.label for s in spans} <= set(TRAINED_LABELS)
    # a model fine-tuned on 16 short texts for 10 epochs: names it was shown come out right
    assert {(s.text, s.label) for s in spans} >= {
        ("Jacinda Ardern", "PERSON"), ("Angela Merkel", "PERSON"), ("Tokyo", "PLACE")}
    assert batch.latest_prediction(batch.task_ids()[0]).server == "trained"
    batch.close()


def test_a_killed_training_process_fails_the_job_with_the_reason(project, tmp_path):
    import os
    import signal

    hub = Hub(tmp_path / "home")
    job = train_ner(project, n_iter=1000, name="killed", hub=hub)
    _wait_for_epoch(job)
    with pytest.raises(TimeoutError, match="training 'killed' still running after 0.01 s"):
        job.wait(timeout=0.01)
    os.kill(job.pid, signal.SIGKILL)
    with pytest.raises(TrainingError, match="killed by signal 9 \\(out of memory\\?\\)"):
        job.wait(timeout=30)
    assert job.state == "failed" and "en_killed" not in hub.names()
