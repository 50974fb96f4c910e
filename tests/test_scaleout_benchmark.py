"""The scale-out benchmark runs on a real LocalCluster and prints one sane JSON object."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {
    "n_tasks", "corpus", "workers", "inline_s", "process_pool_s", "dask_s", "docs_per_s",
    "dask_speedup_vs_inline", "dask_overhead_vs_pool", "cold_load_s", "cold_start_s",
    "warm_start_s", "warm_start_share", "warm_start_scheduled_s", "inline_one_task_s",
    "dask_round_trip_s", "per_task_s", "per_batch_overhead_s",
    "writer_per_task_s", "scaling_model", "targets",
}


@pytest.mark.slow
def test_a_quick_scaleout_run_prints_one_json_object_with_every_key():
    out = subprocess.run([sys.executable, "-m", "benchmarks.scaleout", "--json", "--tasks", "40",
                          "--rounds", "1"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, check=True)
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout
    result = json.loads(lines[0])
    assert KEYS <= set(result)
    assert result["n_tasks"] == 40 and result["workers"] == 2 and "gensim" in result["corpus"]
    assert all(result[k] > 0 for k in ("inline_s", "process_pool_s", "dask_s", "cold_load_s",
                                       "warm_start_s", "per_task_s", "writer_per_task_s"))
    assert set(result["targets"]) == {"dask_speedup_vs_inline", "dask_overhead_vs_pool",
                                      "warm_start_share"}
    assert all(isinstance(t["pass"], bool) for t in result["targets"].values())
    # machine-independent facts: a warm start costs far less than loading the model, and the
    # model's throughput grows with workers until the one writer bounds it
    assert result["warm_start_s"] < result["cold_load_s"] < 600
    rates = list(result["scaling_model"]["tasks_per_s"].values())
    assert rates == sorted(rates) and rates[-1] > rates[0]
