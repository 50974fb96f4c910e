"""Process-pool and Dask backends predict exactly what the in-kernel backend predicts."""

from __future__ import annotations

import os
import signal

import pytest
from server_fixtures import MODEL, NER_LABELS, config_for, make_project, many_texts, save_rules

from preannotate_lab.model import Task
from preannotate_lab.server import DaskBackend, InlineBackend, ProcessPoolBackend, ServerManager
from preannotate_lab.server.pipeline import run_texts

pytestmark = pytest.mark.slow


def _all_results(project):
    return {t: sorted((r.start, r.end, r.label, r.source) for r in project.latest_prediction(t).results)
            for t in project.task_ids()}


@pytest.fixture(scope="module")
def texts(sample_texts):
    return many_texts(sample_texts, 60)


@pytest.fixture(scope="module")
def setup(texts, tmp_path_factory):
    save_rules("amounts", [{"name": "billions", "label": "AMOUNT", "type": "regex",
                            "pattern": r"\$\d+ (?:billion|million)"}])
    manager = ServerManager()
    server = manager.deploy(config_for({MODEL: NER_LABELS, "amounts": ["AMOUNT"]}), name="both")
    inline = make_project(tmp_path_factory.mktemp("inline") / "p.sqlite", texts)
    server.run(inline, backend=InlineBackend(), chunk_size=8, wait=True)
    yield manager, server, _all_results(inline)
    manager.close()


def test_process_pool_backend_matches_inline(setup, texts, tmp_path):
    manager, server, expected = setup
    project = make_project(tmp_path / "p.sqlite", texts)
    backend = ProcessPoolBackend(workers=2)
    try:
        job = server.run(project, backend=backend, chunk_size=8, wait=True)
        assert job.progress["predicted"] == len(texts)
        assert _all_results(project) == expected
        # workers keep their pipelines: a second job re-uses the warm processes
        again = make_project(tmp_path / "q.sqlite", texts[:10])
        server.run(again, backend=backend, chunk_size=5, wait=True)
        assert _all_results(again) == {t: expected[t] for t in again.task_ids()}
    finally:
        backend.close()
    assert any(label == "AMOUNT" for spans in expected.values() for *_, label, _ in spans)


def test_dask_backend_on_a_local_cluster_matches_inline(setup, texts, tmp_path):
    from distributed import Client, LocalCluster

    manager, server, expected = setup
    project = make_project(tmp_path / "p.sqlite", texts)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        backend = DaskBackend(client)
        job = server.run(project, backend=backend, chunk_size=8, wait=True)
        assert job.progress["predicted"] == len(texts)
        assert _all_results(project) == expected
        # each worker loaded each resource once and kept it (a per-process cache by resource)
        cached = client.run(_worker_cache)
        assert len(cached) == 2
        stages = sorted(f"{s.name}@{s.fingerprint}" for s in server.spec.stages)
        assert all(sorted(keys) == stages for keys in cached.values())


def _worker_cache():
    from preannotate_lab.server.pipeline import worker_cache_info

    return worker_cache_info()


# -- workers that die ---------------------------------------------------------------------------
CRASH = "CRASH-ME"


def _crash_on_marker(spec, items, batch_size):
    """What a worker runs in the crash test: a batch holding the marker kills its process, as
    the out-of-memory killer would; other batches run the real pipeline."""
    if any(CRASH in text for _, text in items):
        os._exit(1)
    return run_texts(spec, items, batch_size)


class _CrashingPool(ProcessPoolBackend):
    worker_function = staticmethod(_crash_on_marker)


@pytest.fixture
def word_server():
    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    manager = ServerManager()
    yield manager.deploy(config_for({"words": ["WORD"]}), name="words")
    manager.close()


def _word_project(path, texts):
    from preannotate_lab.store import Project

    project = Project.create(path)
    project.add_tasks([Task({"text": t}) for t in texts])
    return project


def test_a_pool_whose_workers_were_killed_is_replaced_for_the_next_jobs(word_server, tmp_path):
    project = _word_project(tmp_path / "p.sqlite", [f"Hello World {i}" for i in range(20)])
    backend = ProcessPoolBackend(workers=2)
    try:
        word_server.run(project, [1, 2], backend=backend, wait=True)
        for pid in list(backend._executor._processes):  # e.g. the out-of-memory killer
            os.kill(pid, signal.SIGKILL)
        for _ in range(2):
            job = word_server.run(project, backend=backend, force=True, chunk_size=5)
            progress = job.wait(timeout=120).progress
            assert progress["state"] == "done" and progress["errors"] == 0, job.task_errors
            assert progress["predicted"] == 20
    finally:
        backend.close()
    assert all(len(project.predictions(t)) in (2, 3) for t in project.task_ids())


def test_a_batch_that_kills_its_worker_again_fails_alone_and_the_pool_recovers(word_server,
                                                                                tmp_path):
    texts = [f"Hello World {i}" for i in range(12)]
    texts[4] = f"Hello {CRASH} World"  # task 5: batches of 3 -> tasks 4, 5, 6 share its fate
    project = _word_project(tmp_path / "p.sqlite", texts)
    backend = _CrashingPool(workers=2)
    try:
        job = word_server.run(project, backend=backend, chunk_size=6, batch_size=3)
        progress = job.wait(timeout=180).progress
        assert progress["state"] == "done"
        assert set(job.task_errors) == {4, 5, 6}
        assert all("BrokenProcessPool" in e for e in job.task_errors.values())
        assert progress["predicted"] == 9 and progress["errors"] == 3
        assert "worker" in project.get_task(5).error
        # the next run of the same backend gets fresh workers and predicts the rest
        again = word_server.run(project, [4, 6], backend=backend, wait=True).progress
        assert again["predicted"] == 2 and again["errors"] == 0
    finally:
        backend.close()
    assert [t for t in project.task_ids() if project.latest_prediction(t) is None] == [5]
