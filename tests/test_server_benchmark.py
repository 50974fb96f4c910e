"""The text pre-annotation benchmark runs and prints one valid JSON object with every key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEYS = {
    "raw_docs_per_s", "preannotate_docs_per_s", "throughput_ratio", "rss_mb_1k", "rss_mb_20k",
    "cold_load_s", "cached_deploy_s", "parallel_speedup", "incremental_speedup", "n_paragraphs",
    "corpus", "batch_size", "targets",
}


@pytest.mark.slow
def test_quick_benchmark_prints_one_json_object_with_all_keys():
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.text_preannotation", "--quick", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout
    result = json.loads(lines[0])
    assert KEYS <= set(result)
    assert result["n_paragraphs"] == 120 and "Wikipedia" in result["corpus"]
    assert result["raw_docs_per_s"] > 0 and result["preannotate_docs_per_s"] > 0
    assert set(result["targets"]) == {"throughput_ratio", "rss_growth_mb", "cached_deploy_share",
                                      "parallel_speedup", "incremental_speedup"}
    assert all(isinstance(t["pass"], bool) for t in result["targets"].values())
    # machine-independent facts: a re-run of unchanged tasks is far cheaper than the first run
    assert result["incremental_speedup"] > 5
    assert result["cached_deploy_s"] < result["cold_load_s"]
    cost = result["confidence_cost"]  # no confidence vs greedy vs beam, side by side
    assert set(cost["paragraphs"]["docs_per_s"]) == {"none", "greedy", "beam"}
    assert cost["cost_ratio_default"] > 0


def test_the_corpus_is_real_text_from_an_installed_package():
    from benchmarks.corpus import paragraphs

    texts, where = paragraphs(2000)
    assert len(texts) == 2000 and len(set(texts)) > 1900
    assert "gensim" in where
    assert all(200 <= len(t) <= 2000 for t in texts)
    assert not any("[[" in t or "{{" in t or "<ref" in t for t in texts)  # markup is gone
