"""Cluster-resident servers on a real LocalCluster (2 worker processes, each under a Nanny)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from server_fixtures import MODEL, NER_LABELS, config_for, make_project, many_texts, save_rules

from preannotate_lab.model import Task
from preannotate_lab.server import ClusterBackend, InlineBackend, ServerError, ServerManager
from preannotate_lab.server.cluster_worker import host_info, run_chunk

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import LocalCluster

    save_rules("amounts", [{"name": "billions", "label": "AMOUNT", "type": "regex",
                            "pattern": r"\$\d+ (?:billion|million)"}])
    # a batch may outlive one worker's death; the second gives up on it (the default is 3,
    # which would make the poison-batch test wait for four worker restarts)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=":0", silence_logs=40) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    from distributed import Client

    with Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def texts(sample_texts):
    return many_texts(sample_texts, 80)


@pytest.fixture(scope="module")
def kernel(client, texts, tmp_path_factory):
    """The first kernel: a manager with a cluster server deployed from a project's config."""
    config = config_for({MODEL: NER_LABELS, "amounts": ["AMOUNT"]})
    project = make_project(tmp_path_factory.mktemp("first") / "p.sqlite", texts)
    project.set_config(config)
    manager = ServerManager()
    server = manager.deploy(project, name="shared-ner", cluster=client, by="alice")
    yield manager, server, project
    manager.close()


def _results(project, task_ids=None):
    return {t: sorted((r.start, r.end, r.label, r.source) for r in project.latest_prediction(t).results)
            for t in (task_ids or project.task_ids())}


def _direct_batches(client):
    return sum(info["direct_batches"] for info in client.run(host_info).values())


def test_a_cluster_server_predicts_what_the_inline_backend_predicts(kernel, client, texts,
                                                                     tmp_path):
    manager, server, project = kernel
    # the same config run in the kernel, inline
    local = ServerManager()
    try:
        inline = make_project(tmp_path / "inline.sqlite", texts)
        inline.set_config(project.config)
        local.deploy(inline, name="here", backend=InlineBackend()).run(wait=True)
    finally:
        local.close()
    # 80 tasks: in batches of 16 they are scheduled tasks; in batches of 64 they fit in one
    # batch per worker, a small job, which calls the two workers directly
    for batch_size, direct_calls in ((16, 0), (64, 2)):
        before = _direct_batches(client)
        job = server.run(chunk_size=16, batch_size=batch_size, force=True, wait=True)
        assert job.progress["predicted"] == len(texts) and job.progress["errors"] == 0
        assert _direct_batches(client) - before == direct_calls
        assert _results(project) == _results(inline)
    assert any(s[2] == "AMOUNT" for spans in _results(project).values() for s in spans)
    # the model lives on the workers, not in this kernel
    assert manager.cache.used_mb == 0 and len(manager.cache.describe()) == 0
    row = server.describe()
    assert row["location"] == "cluster" and row["workers"] == 2
    assert row["dashboard"].startswith("http") and row["deployed_by"] == "alice"
    assert project.latest_prediction(1).provenance["run_id"] == job.run_id


def test_no_resource_is_loaded_twice_on_a_worker_across_jobs(kernel, client, texts, tmp_path):
    manager, server, _ = kernel
    other = make_project(tmp_path / "other.sqlite", texts[:30])
    other.set_config(server.config)
    for _ in range(2):
        assert server.run(project=other, force=True, chunk_size=8, wait=True).progress["predicted"] == 30
    infos = client.run(host_info)
    assert len(infos) == 2
    stages = {f"{s.name}@{s.version}@{s.fingerprint}" for s in server.spec.stages}
    for info in infos.values():
        assert info["loads"] == dict.fromkeys(stages, 1), info  # loaded at deploy, kept since
        assert info["malloc_tuned"] is True  # the nanny's malloc trimming is undone (Linux)


_OTHER_KERNEL = textwrap.dedent("""
    import json, sys
    import preannotate_lab as pl
    pl.servers.connect(sys.argv[1])
    names = [s.name for s in pl.servers.deployed()]
    server = pl.servers.get("shared-ner")
    job = server.run(project=pl.Project(sys.argv[2]), chunk_size=8, wait=True)
    print(json.dumps({"names": names, "location": server.describe()["location"],
                      "predicted": job.progress["predicted"], "run_id": job.run_id}))
""")


def test_another_kernel_lists_runs_and_deletes_a_cluster_server(kernel, client, texts, tmp_path):
    from distributed import Client

    manager, server, project = kernel
    theirs = make_project(tmp_path / "theirs.sqlite", texts[:12])
    theirs.set_config(project.config)
    out = subprocess.run([sys.executable, "-c", _OTHER_KERNEL, client.scheduler.address,
                          str(theirs.path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert "shared-ner" in seen["names"] and seen["location"] == "cluster"
    assert seen["predicted"] == 12
    assert {theirs.latest_prediction(t).provenance["run_id"] for t in theirs.task_ids()} == \
        {seen["run_id"]}

    # a third kernel's view: another client and manager; with the right name it deletes it
    with Client(client.scheduler.address) as second:
        other = ServerManager()
        other.connect(second)
        assert [s.name for s in other.deployed()] == ["shared-ner"]
        with pytest.raises(ServerError, match="no server named 'shared'"):
            other.delete("shared")
        for where in ({"cluster": second}, {}):  # on the cluster, and in that kernel
            with pytest.raises(ServerError, match="already deployed on the cluster"):
                other.deploy(project, name="shared-ner", **where)
        other.delete("shared-ner")
        assert other.deployed() == []
        other.close()
    assert "shared-ner" not in manager
    assert server.status == "stopped"
    with pytest.raises(ServerError, match="was deleted"):
        server.run(wait=True)


def test_a_worker_killed_mid_job_leaves_exactly_one_prediction_per_task(client, texts, tmp_path):
    manager = ServerManager()
    project = make_project(tmp_path / "p.sqlite", many_texts(texts, 240))
    project.set_config(config_for({MODEL: NER_LABELS}))
    try:
        server = manager.deploy(project, name="killable", cluster=client)
        job = server.run(chunk_size=24, batch_size=8)
        deadline = time.monotonic() + 120
        while job.progress["predicted"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        busy = [w for w, keys in client.processing().items() if keys]
        assert busy and job.state == "running", job.progress
        pids = client.run(os.getpid, workers=busy[:1])
        os.kill(pids[busy[0]], signal.SIGKILL)  # the Nanny starts a fresh worker
        progress = job.wait(timeout=300).progress
    finally:
        manager.close()
    assert progress["state"] == "done" and progress["errors"] == 0, job.task_errors
    assert progress["predicted"] == 240
    for task_id in project.task_ids():
        assert [p.provenance["run_id"] for p in project.predictions(task_id)] == [job.run_id]
    client.wait_for_workers(2, timeout=120)
    assert busy[0] not in client.scheduler_info()["workers"]  # that worker is gone for good


def test_document_tasks_are_read_on_the_workers_with_the_same_results(client, tmp_path):
    from ocr_fixtures import SCANNED_PNG, digital_pdf

    save_rules("image-terms", [{"name": "terms", "label": "TERM", "type": "dictionary",
                                "keywords": ["markers", "background", "coins", "MIME"]}])
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    tasks = [Task({"document": str(SCANNED_PNG)}, kind="document"),
             Task({"document": str(digital_pdf())}, kind="document"),
             Task({"document": str(empty)}, kind="document"),
             Task({"text": "Coins on a MIME background."})]
    config = config_for({"image-terms": ["TERM"]})
    runs = {}
    for where in ("cluster", "kernel"):
        project = make_project(tmp_path / f"{where}.sqlite", [])
        ids = project.add_tasks(tasks)
        project.set_config(config)
        manager = ServerManager()
        try:
            manager.connect(client)  # the cluster is there in both runs: who reads documents?
            server = (manager.deploy(project, name="docs", cluster=client) if where == "cluster"
                      else manager.deploy(project, name="docs", backend=InlineBackend()))
            read_before = sum(i["documents_read"] for i in client.run(host_info).values())
            job = server.run(wait=True)
            read = sum(i["documents_read"] for i in client.run(host_info).values()) - read_before
            manager.delete("docs")
        finally:
            manager.close()
        assert job.progress["predicted"] == 3 and set(job.task_errors) == {ids[2]}
        assert "cannot read the document" in project.get_task(ids[2]).error
        runs[where] = ({t: sorted((r.start, r.end, r.label, tuple(r.boxes or ()))
                                  for r in project.latest_prediction(t).results)
                        for t in ids if t != ids[2]}, read)
    (on_cluster, read_there), (in_kernel, read_here) = runs["cluster"], runs["kernel"]
    assert on_cluster == in_kernel
    assert read_there == 3 and read_here == 0  # the cluster's workers read every document
    boxed = on_cluster[1]
    assert {r[2] for r in boxed} == {"TERM"} and all(r[3] for r in boxed)


def test_cluster_local_starts_a_cluster_this_kernel_owns_with_a_live_dashboard(tmp_path):
    import urllib.request

    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    project = make_project(tmp_path / "p.sqlite", [f"Hello World {i}" for i in range(20)])
    project.set_config(config_for({"words": ["WORD"]}))
    manager = ServerManager()
    try:
        server = manager.deploy(project, cluster="local")
        assert manager.connect("local") is server.connection  # started once
        assert server.name.startswith("cluster-server-")
        assert server.run(wait=True).progress["predicted"] == 20
        row = server.describe()
        assert row["location"] == "cluster" and row["workers"] >= 1
        with urllib.request.urlopen(row["dashboard"], timeout=60) as page:
            assert page.status == 200 and b"Dask" in page.read()
        owned = server.connection.owned_cluster
    finally:
        manager.close()
    assert owned.status.name == "closed"


CRASH = "CRASH-ME"


def _crash_on_marker(spec, items, batch_size):
    """What a worker runs in the poison test: a batch holding the marker kills its process, as
    the out-of-memory killer would; other batches run the real chunk task."""
    if any(isinstance(text, str) and CRASH in text for _, text in items):
        os._exit(1)
    return run_chunk(spec, items, batch_size)


class _CrashingCluster(ClusterBackend):
    worker_function = staticmethod(_crash_on_marker)


def test_a_batch_that_kills_every_worker_it_runs_on_fails_and_the_job_goes_on(client, tmp_path):
    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    texts = [f"Hello World {i}" for i in range(12)]
    texts[4] = f"Hello {CRASH} World"  # task 5: batches of 3 -> tasks 4, 5, 6 share its fate
    project = make_project(tmp_path / "p.sqlite", texts)
    project.set_config(config_for({"words": ["WORD"]}))
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="poison", cluster=client)
        job = server.run(backend=_CrashingCluster(server.connection), chunk_size=6, batch_size=3)
        progress = job.wait(timeout=300).progress
        assert progress["state"] == "done"
        assert {4, 5, 6} <= set(job.task_errors)
        assert all("KilledWorker" in e for e in job.task_errors.values())
        assert progress["predicted"] + progress["errors"] == 12
        client.wait_for_workers(2, timeout=120)
        # a run on the real chunk task predicts what failed (the marker is only text to it)
        again = server.run(wait=True).progress
        assert again["predicted"] == len(job.task_errors)
        assert again["skipped"] == progress["predicted"]
        manager.delete("poison")
    finally:
        manager.close()
    assert all(len(project.predictions(t)) == 1 for t in project.task_ids())


def _crash_once(spec, items, batch_size):
    """A batch holding ``CRASH-ONCE:<flag file>`` kills its worker the first time it runs."""
    for _, text in items:
        if isinstance(text, str) and text.startswith("CRASH-ONCE:"):
            flag = Path(text.split(":", 1)[1])
            if not flag.exists():
                flag.touch()
                os._exit(1)
    return run_chunk(spec, items, batch_size)


def _fail_on_marker(spec, items, batch_size):
    if any(isinstance(text, str) and "FAIL-ME" in text for _, text in items):
        raise ValueError("the pipeline cannot take this batch")
    return run_chunk(spec, items, batch_size)


class _CrashingOnceCluster(ClusterBackend):
    worker_function = staticmethod(_crash_once)


class _FailingCluster(ClusterBackend):
    worker_function = staticmethod(_fail_on_marker)


def test_a_small_job_whose_worker_dies_in_the_direct_call_is_scheduled_and_stored_once(
        client, tmp_path):
    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    flag = tmp_path / "crashed"
    texts = ["Hello World", f"CRASH-ONCE:{flag}", "Good Morning", "Dear Reader"]
    project = make_project(tmp_path / "p.sqlite", texts)
    project.set_config(config_for({"words": ["WORD"]}))
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="dies-once", cluster=client)
        backend = _CrashingOnceCluster(server.connection)
        progress = server.run(backend=backend, batch_size=2, wait=True).progress
        # two batches called directly: one worker died in its call, the scheduler ran its batch
        assert flag.exists() and backend.direct_failed == 1
        assert progress["state"] == "done" and progress["errors"] == 0
        assert progress["predicted"] == 4
        assert all(len(project.predictions(t)) == 1 for t in project.task_ids())
        client.wait_for_workers(2, timeout=120)

        # the pipeline's own failure in a direct call fails the job, as a scheduled one does
        project.add_tasks([Task({"text": "FAIL-ME please"})])
        failing = _FailingCluster(server.connection)
        job = server.run(backend=failing, wait=False)
        with pytest.raises(Exception, match="cannot take this batch"):
            job.wait(timeout=120)
        assert job.state == "failed" and failing.direct_failed == 0
        manager.delete("dies-once")
    finally:
        manager.close()


def test_a_worker_the_scheduler_removes_leaves_the_direct_list_at_once(client, tmp_path):
    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex",
                          "pattern": r"[A-Z][a-z]+"}])
    project = make_project(tmp_path / "p.sqlite", ["Hello World", "Good Morning"])
    project.set_config(config_for({"words": ["WORD"]}))
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="watched", cluster=client)
        connection = server.connection
        client.wait_for_workers(2, timeout=120)
        connection.workers()
        assert sorted(connection.known_workers()) == sorted(client.scheduler_info()["workers"])
        victim = connection.known_workers()[0]
        os.kill(client.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)
        # the scheduler's removal event drops it (a call to its address would wait out
        # Dask's 30 s connect timeout); no round trip to the scheduler is needed for that
        deadline = time.monotonic() + 60
        while victim in connection.known_workers() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert victim not in connection.known_workers()
        backend = ClusterBackend(connection)
        before = _direct_batches(client)
        progress = server.run(backend=backend, force=True, wait=True).progress
        assert progress["predicted"] == 2 and backend.direct_failed == 0
        assert _direct_batches(client) - before == 1  # the worker that stayed took the batch
        client.wait_for_workers(2, timeout=120)
        connection.workers()  # a round trip lists the new worker again
        assert len(connection.known_workers()) == 2
        manager.delete("watched")
    finally:
        manager.close()
