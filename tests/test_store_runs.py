"""A run predicts each task once, whatever writes its chunks twice; a cut-short run resumes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from server_fixtures import config_for, make_project, save_rules

from preannotate_lab.model import Prediction, Span
from preannotate_lab.server import ServerError, ServerManager
from preannotate_lab.store import InvalidRecordError

ROOT = Path(__file__).resolve().parent.parent


def _prediction(task_id: int, run_id: str | None, label: str = "X") -> Prediction:
    provenance = {"run_id": run_id} if run_id else {}
    return Prediction(task_id=task_id, results=(Span(0, 3, label, "abc"),), model_version="m@1",
                      pipeline_hash="p", document_hash=f"d{task_id}", provenance=provenance)


def test_a_chunk_written_twice_in_one_run_stores_each_task_once(tmp_path):
    project = make_project(tmp_path / "p.sqlite", ["abc one", "abc two", "abc three"])
    first = project.add_predictions([_prediction(t, "run-a") for t in (1, 2)])
    again = project.add_predictions([_prediction(t, "run-a") for t in (1, 2, 3)]
                                    + [_prediction(3, "run-a")])
    assert [p.task_id for p in first] == [1, 2]
    assert [p.task_id for p in again] == [3]  # 1 and 2 were stored; 3 once, not twice
    assert [len(project.predictions(t)) for t in (1, 2, 3)] == [1, 1, 1]
    assert project.run_task_ids("run-a") == {1, 2, 3}


def test_other_runs_and_predictions_without_a_run_are_stored_as_before(tmp_path):
    project = make_project(tmp_path / "p.sqlite", ["abc one"])
    project.add_predictions([_prediction(1, "run-a"), _prediction(1, "run-b"),
                             _prediction(1, None), _prediction(1, None)])
    assert [p.provenance.get("run_id") for p in project.predictions(1)] == \
        ["run-a", "run-b", None, None]


def test_run_records_are_kept_in_the_project(tmp_path):
    project = make_project(tmp_path / "p.sqlite", ["abc one"])
    project.record_run("r1", state="running", task_ids=[1], created_at="2026-01-01")
    project.record_run("r2", state="done", created_at="2026-01-02")
    project.record_run("r1", state="cancelled")
    assert project.get_run("r1") == {"run_id": "r1", "state": "cancelled", "task_ids": [1],
                                     "created_at": "2026-01-01"}
    assert [r["run_id"] for r in project.runs()] == ["r1", "r2"]
    assert [r["run_id"] for r in project.runs(state="done")] == ["r2"]
    assert project.get_run("nope") is None
    with pytest.raises(InvalidRecordError):
        project.record_run("bad:id", state="x")


@pytest.fixture
def word_config():
    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    return config_for({"words": ["WORD"]})


# A kernel that dies mid-job: it runs a forced job and exits hard once the first chunk is stored.
_DYING_KERNEL = textwrap.dedent("""
    import os, sys
    import preannotate_lab as pl
    project = pl.Project(sys.argv[1])
    server = pl.servers.deploy(project, name="words")
    def die(progress):
        if progress["predicted"] >= 10:
            print(server.jobs[0].run_id, flush=True)
            os._exit(9)
    server.run(force=True, chunk_size=10, batch_size=5, on_progress=die, wait=True)
""")


def test_a_job_cut_short_by_a_kernel_restart_resumes_from_the_store(word_config, tmp_path):
    texts = [f"Hello World number {i}" for i in range(60)]
    project = make_project(tmp_path / "p.sqlite", texts)
    project.set_config(word_config)
    project.add_predictions([_prediction(t, None) for t in project.task_ids()])  # older versions
    died = subprocess.run([sys.executable, "-c", _DYING_KERNEL, str(project.path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert died.returncode == 9, died.stderr
    run_id = died.stdout.strip()
    record = project.get_run(run_id)
    assert record["state"] == "running" and record["force"] is True
    before = project.run_task_ids(run_id)
    assert 10 <= len(before) < 60

    manager = ServerManager()  # the restarted kernel
    try:
        server = manager.deploy(project, name="words-again")
        job = server.resume(wait=True)  # the latest unfinished run of this pipeline
        assert job.run_id == run_id
        assert job.progress["predicted"] == 60 - len(before)
        assert job.progress["skipped"] == len(before)
        with pytest.raises(ServerError, match="no unfinished run"):
            server.resume()
    finally:
        manager.close()
    assert project.get_run(run_id)["state"] == "done"
    assert project.run_task_ids(run_id) == set(project.task_ids())
    # forced: every task has its older prediction and exactly one of this run
    for task_id in project.task_ids():
        runs = [p.provenance.get("run_id") for p in project.predictions(task_id)]
        assert runs.count(run_id) == 1 and len(runs) == 2, (task_id, runs)
    assert json.dumps(project.get_run(run_id))  # the record stays plain JSON
