"""The rule studio benchmark runs on a tiny project and prints one JSON object with every key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE_KEYS = {"tasks", "corpus", "import_s", "index_build_s", "indexed_tasks", "rules"}
RULE_KEYS = {"pattern", "cold_s", "warm_s", "scan_s", "ratio_vs_scan", "hits", "tasks_with_hits",
             "index_used", "candidates", "ms_per_1000_tasks", "regex_ms_per_1000_scanned", "warnings"}


def test_tiny_benchmark_prints_one_json_object_with_all_keys():
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.rule_studio", "--sizes", "300,600", "--repeat", "1", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout
    result = json.loads(lines[0])
    assert set(result) >= {"sizes", "targets", "loadavg"} and set(result["sizes"]) == {"300", "600"}
    first, second = result["sizes"]["300"], result["sizes"]["600"]
    assert SIZE_KEYS | {"import_with_index_s", "import_without_index_s", "import_overhead_ratio"} <= set(first)
    assert SIZE_KEYS <= set(second) and "import_overhead_ratio" not in second
    assert first["indexed_tasks"] == 300 and "Wikipedia" in first["corpus"]
    for size in (first, second):
        assert set(size["rules"]) == {"simple", "dictionary", "no_literal"}
        for kind, rule in size["rules"].items():
            assert RULE_KEYS <= set(rule), kind
            assert rule["cold_s"] > 0 and rule["scan_s"] > 0
        assert size["rules"]["simple"]["index_used"] and not size["rules"]["no_literal"]["index_used"]
        # the index skips tasks without the literal text; the pattern without one scans all
        assert size["rules"]["simple"]["candidates"] < size["tasks"] == size["rules"]["no_literal"]["candidates"]
    assert second["rules"]["no_literal"]["hits"] > first["rules"]["no_literal"]["hits"] > 0
    assert result["targets"] == {}  # targets are for 10,000 and 100,000 tasks
