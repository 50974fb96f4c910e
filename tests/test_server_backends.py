"""Process-pool and Dask backends predict exactly what the in-kernel backend predicts."""

from __future__ import annotations

import pytest
from server_fixtures import MODEL, NER_LABELS, config_for, make_project, many_texts, save_rules

from preannotate_lab.server import DaskBackend, InlineBackend, ProcessPoolBackend, ServerManager

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
        # each worker built the pipeline once and kept it (a per-process cache by pipeline hash)
        cached = client.run(_worker_cache)
        assert len(cached) == 2
        assert all(hashes == [server.pipeline_hash] for hashes in cached.values())


def _worker_cache():
    from preannotate_lab.server.pipeline import worker_cache_info

    return worker_cache_info()
