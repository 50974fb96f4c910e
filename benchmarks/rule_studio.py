"""How fast the rule studio's statistics come back on big projects of real text.

    python -m benchmarks.rule_studio --json                # 10,000 and 100,000 tasks
    python -m benchmarks.rule_studio --sizes 2000 --json   # a quick run

Tasks are the real paragraphs of gensim's test data (``benchmarks/corpus.py``: Wikipedia and
Lee corpus news), cycled with the task number appended ("... (No. 12345)") where a size needs
more tasks than there are paragraphs; nothing is generated. For each size, one JSON object
key per figure:

* ``import_s``: adding the tasks (the index's triggers only queue them);
  ``index_build_s``: the one-time build of the trigram index over every task's text;
* per rule (``simple``: a literal-ish regex; ``dictionary``: 40 place names; ``no_literal``: a
  regex without three literal characters, reported without a target): ``cold_s`` (the first
  statistics of a new session: texts not yet in memory), ``warm_s`` (median of the next runs),
  ``scan_s`` (what a user would write instead: read every text from the store, run the regex
  on each) and ``ratio_vs_scan`` (scan_s / cold_s), with hits and index candidates;
* at the first size, ``import_overhead_ratio``: adding the tasks with the index's triggers vs
  without them, side by side (alternating, best of 2 each).

Targets: the simple and the dictionary rule's statistics (cold) within 1 s at 10,000 tasks and
5 s at 100,000.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from preannotate_lab.model import Task
from preannotate_lab.resources import Hub
from preannotate_lab.resources.ruleset import Rule
from preannotate_lab.store import Project
from preannotate_lab.studio import RuleStudio

from .corpus import paragraphs

TARGETS_S = {10_000: 1.0, 100_000: 5.0}
PLACES = ["London", "Paris", "Berlin", "Sydney", "Canberra", "Melbourne", "New York", "Washington",
          "Moscow", "Tokyo", "Beijing", "Rome", "Madrid", "Vienna", "Athens", "Cairo", "Jerusalem",
          "Baghdad", "Kabul", "Islamabad", "New Delhi", "Jakarta", "Brisbane", "Perth", "Adelaide",
          "Hobart", "Darwin", "Auckland", "Toronto", "Chicago", "Boston", "Los Angeles",
          "San Francisco", "Amsterdam", "Brussels", "Geneva", "Stockholm", "Dublin", "Edinburgh",
          "Lisbon"]
RULES = {
    "simple": Rule.regex("amount", r"\$\d+(?:\.\d+)? (?:million|billion)", "AMOUNT"),
    "dictionary": Rule.dictionary("places", PLACES, "GPE"),
    "no_literal": Rule.regex("year", r"\b(?:1[89]|20)\d\d\b", "YEAR"),
}
_INDEX_TRIGGERS = ("task_text_index_insert", "task_text_index_delete", "task_text_index_update")


def texts_for(n: int) -> tuple[list[str], str]:
    base, where = paragraphs()
    if n <= len(base):
        return base[:n], f"{where}; the first {n:,}"
    texts = [f"{base[i % len(base)]} (No. {i})" for i in range(n)]
    return texts, (f"{where}; {len(base):,} paragraphs cycled to {n:,} tasks (each about "
                   f"{n / len(base):.0f} times), the task number appended to each")


def _add(project: Project, texts: list[str]) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), 20_000):
        project.add_tasks([Task({"text": t}) for t in texts[start:start + 20_000]])
    return time.perf_counter() - started


def _scan(project: Project, rule: Rule) -> tuple[float, int]:
    """The baseline: every text out of the store, the regex on each (no index, no cache)."""
    started = time.perf_counter()
    pattern = rule.compile()
    hits = 0
    for text in project.task_texts().values():
        hits += sum(1 for _ in pattern.finditer(text, timeout=1.0))
    return time.perf_counter() - started, hits


def measure(n: int, folder: Path, repeat: int, overhead: bool) -> dict[str, Any]:
    texts, where = texts_for(n)
    out: dict[str, Any] = {"tasks": n, "corpus": where}
    with Project.create(folder / f"p{n}.sqlite") as project:
        out["import_s"] = round(_add(project, texts), 3)
        indexed, seconds = project.ensure_text_index()
        out["index_build_s"], out["indexed_tasks"] = round(seconds, 3), indexed
    if overhead:  # alternating, best of 2 each: the first import of a run also warms caches
        with_s, without_s = [], []
        for rep in range(2):
            for triggers, times in ((False, without_s), (True, with_s)):
                with Project.create(folder / f"o{n}-{rep}-{int(triggers)}.sqlite") as other:
                    if not triggers:
                        with other.transaction() as conn:
                            for name in _INDEX_TRIGGERS:
                                conn.execute(f"DROP TRIGGER {name}")
                    times.append(_add(other, texts))
        out["import_with_index_s"] = round(min(with_s), 3)
        out["import_without_index_s"] = round(min(without_s), 3)
        out["import_overhead_ratio"] = round(min(with_s) / min(without_s), 3)
    hub = Hub(folder / "home")
    rules: dict[str, Any] = {}
    for kind, rule in RULES.items():
        # a new session per rule: nothing of the texts is in memory yet
        with Project.open(folder / f"p{n}.sqlite") as project:
            studio = RuleStudio(project, hub=hub)
            started = time.perf_counter()
            first = studio.stats(rule)
            cold = time.perf_counter() - started
            warm = []
            for _ in range(repeat):
                started = time.perf_counter()
                studio.stats(rule)
                warm.append(time.perf_counter() - started)
            scan_s, scan_hits = _scan(project, rule)
        if scan_hits != first.hits:
            raise RuntimeError(f"{kind}: the studio found {first.hits} hits, a plain scan {scan_hits}")
        rules[kind] = {
            "pattern": rule.pattern or f"{len(rule.keywords)} keywords",
            "cold_s": round(cold, 4), "warm_s": round(statistics.median(warm), 4),
            "scan_s": round(scan_s, 4), "ratio_vs_scan": round(scan_s / cold, 2),
            "hits": first.hits, "tasks_with_hits": first.tasks_with_hits,
            "index_used": first.index["used"], "candidates": first.index["candidates"],
            "ms_per_1000_tasks": first.timing["ms_per_1000_tasks"],
            "regex_ms_per_1000_scanned": first.timing["regex_ms_per_1000_scanned"],
            "warnings": first.warnings,
        }
    out["rules"] = rules
    return out


def run(sizes: list[int], repeat: int = 3) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": {}}
    with tempfile.TemporaryDirectory(prefix="rule-studio-bench-") as tmp:
        for i, n in enumerate(sizes):
            results["sizes"][str(n)] = measure(n, Path(tmp), repeat, overhead=i == 0)
    targets = {}
    for n, limit in TARGETS_S.items():
        size = results["sizes"].get(str(n))
        if size is None:
            continue
        for kind in ("simple", "dictionary"):
            value = size["rules"][kind]["cold_s"]
            targets[f"{kind}_{n}"] = {"value_s": value, "target_s": limit, "pass": value <= limit}
    results["targets"] = targets
    try:
        import os

        results["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated task counts")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per rule (median)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = run(sizes, args.repeat)
    if args.json:
        print(json.dumps(results))
    else:
        for n, size in results["sizes"].items():
            print(f"{n} tasks: import {size['import_s']} s, index build {size['index_build_s']} s")
            for kind, r in size["rules"].items():
                print(f"  {kind:<10} cold {r['cold_s']} s, warm {r['warm_s']} s, plain scan "
                      f"{r['scan_s']} s ({r['ratio_vs_scan']}x), {r['hits']} hits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
