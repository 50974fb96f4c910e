"""benchmarks/task_grid.py prints one JSON object; a small run meets the grid's budgets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_grid_benchmark_measures_first_render_bytes_and_page_time():
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.task_grid", "--tasks", "2000", "--rounds", "2", "--paint-rounds", "2",
         "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout
    result = json.loads(lines[0])
    assert result["tasks"] == 2000
    # the state (with the ES module) plus one page of 50 rows, never the whole project
    assert result["first_render_bytes"] == result["first_render_state_bytes"] + result["first_page_bytes"]
    assert 5_000 < result["first_page_bytes"] < 40_000
    assert result["first_render_ok"] and result["first_render_bytes"] <= 200_000
    assert result["page_ms"] > 0 and set(result["page_ms_by_query"]) >= {"first", "last", "search"}
    # the labeling view's first paint, timed in Chromium by the view's own marks
    if result.get("labeling_first_paint_skipped"):
        pytest.skip(result["labeling_first_paint_skipped"])
    assert result["labeling_first_paint_pages"] == 72 and result["labeling_first_paint_tokens"] > 100
    assert len(result["labeling_first_paint_samples_ms"]) == 2
    assert 0 < result["labeling_first_paint_ms"] < 30_000
    assert result["labeling_first_paint_ok"] == (result["labeling_first_paint_ms"] <= 300)
    parts = [result[f"labeling_first_paint_{p}_ms"] for p in ("request", "decode", "draw")]
    assert all(p >= 0 for p in parts) and sum(parts) <= result["labeling_first_paint_ms"] + 1


def test_bad_arguments_are_refused():
    out = subprocess.run([sys.executable, "-m", "benchmarks.task_grid", "--tasks", "5"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "--tasks must be at least 100" in out.stderr
