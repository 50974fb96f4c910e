"""What a rule does to a project: the statistics the rule studio shows (:class:`RuleStats`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..model import Result
from ..resources.ruleset import Rule
from . import against
from .corpus import TextCorpus
from .literals import rule_query
from .scan import compiled, in_context, scan

SLOW_MS_PER_1000 = 100.0  # above this the rule alone takes over 1 s per 10,000 tasks
MIN_TIMED_TASKS = 50  # fewer scanned tasks time the interpreter's warm-up, not the pattern
MAX_COMPARED_TASKS = 5_000  # tasks with hits whose predictions and other rules are compared


@dataclass
class RuleStats:
    """The statistics of one rule (or several) over a project or a sample of it.

    ``scope``: how many text tasks were considered (``sample`` is the sample size, None for the
    whole project); ``index``: whether the trigram index narrowed the tasks, with its query;
    ``timing``: seconds and milliseconds per 1,000 tasks; ``against``: agreement, overlap and
    conflict with other rules and with the models' latest predictions; ``quality``: precision,
    recall and F1 against the completions (None without any); ``complete``: False when the time
    budget ran out first (the figures then cover the tasks scanned).
    """

    rules: list[dict[str, Any]]
    scope: dict[str, Any]
    index: dict[str, Any]
    hits: int
    tasks_with_hits: int
    hits_per_label: dict[str, int]
    hits_per_rule: dict[str, int]
    matches: list[dict[str, Any]]
    top_matches: list[tuple[str, int]]
    against: list[dict[str, Any]]
    quality: dict[str, Any] | None
    timing: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    complete: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (what the widget receives)."""
        out = asdict(self)
        out["top_matches"] = [list(pair) for pair in self.top_matches]
        return out

    def __repr__(self) -> str:
        labels = ", ".join(f"{k} {v}" for k, v in self.hits_per_label.items()) or "none"
        sample = "" if self.scope["sample"] is None else f" (sample of {self.scope['sample']})"
        return (f"<RuleStats {self.hits} hits in {self.tasks_with_hits} of {self.scope['tasks']} "
                f"tasks{sample}; labels: {labels}; {self.timing['ms_per_1000_tasks']:.1f} ms per "
                f"1,000 tasks>")


@dataclass
class Options:
    sample: int | None = None
    seed: int = 0
    examples: int = 20
    context: int = 40
    timeout: float = 0.5
    budget: float | None = 30.0


def compute(corpus: TextCorpus, rules: list[Rule], others: Mapping[str, list[Rule]],
            predictions: Any, reference: Mapping[int, tuple[Result, ...]] | None,
            options: Options) -> RuleStats:
    """Run ``rules`` over the corpus and compare them with ``others`` (source -> rules), the
    latest predictions (``predictions(task_ids) -> {task id: results}``) and ``reference``."""
    started = time.perf_counter()
    corpus.refresh()
    scope = corpus.sample(options.sample, options.seed)
    queries = [rule_query(rule) for rule in rules]
    query = None if any(q is None for q in queries) else " OR ".join(f"({q})" for q in queries)
    candidates = corpus.candidates(query, scope)
    texts = corpus.texts(candidates)
    patterns = compiled(rules)
    found = scan(patterns, texts, candidates, timeout=options.timeout, budget=options.budget)
    hits = found.hits
    # tasks whose result is known: scanned, or left out by the index (they cannot match)
    if found.stopped:
        skipped = set(candidates[len(found.scanned):])
        covered = [i for i in scope if i not in skipped]
    else:
        covered = scope
    per_label: Counter[str] = Counter()
    per_rule: Counter[str] = Counter()
    strings: Counter[str] = Counter()
    matches: list[dict[str, Any]] = []
    for task_id, task_hits in hits.items():
        text = texts[task_id]
        for hit in task_hits:
            per_label[hit[2]] += 1
            per_rule[hit[3]] += 1
            strings[text[hit[0]:hit[1]]] += 1
            if len(matches) < options.examples:
                matches.append(in_context(task_id, text, hit, options.context))
    compared = list(hits)[:MAX_COMPARED_TASKS]
    compared_hits = {i: hits[i] for i in compared}
    results = _against(compared_hits, others, predictions, texts, options)
    quality = None
    if reference:
        labels = [rule.label for rule in rules]
        judged = [i for i in covered if i in reference]
        if judged:
            missing = [i for i in judged if i not in texts]
            ref_texts = {**texts, **corpus.texts(missing)} if missing else texts
            quality = against.score(hits, reference, judged, labels, ref_texts)
    elapsed = time.perf_counter() - started
    n_scope = max(len(covered), 1)
    regex_per_1000 = found.regex_s / max(len(found.scanned), 1) * 1000 * 1000
    stats = RuleStats(
        rules=[rule.to_dict() for rule in rules],
        scope={"tasks": len(covered), "project_tasks": len(corpus.ids), "sample": options.sample
               if options.sample is not None and options.sample < len(corpus.ids) else None,
               "seed": options.seed},
        index={"used": query is not None, "query": query, "candidates": len(candidates),
               "scanned": len(found.scanned)},
        hits=sum(per_label.values()), tasks_with_hits=len(hits),
        hits_per_label=dict(per_label.most_common()), hits_per_rule=dict(per_rule.most_common()),
        matches=matches, top_matches=strings.most_common(10), against=results, quality=quality,
        timing={"seconds": round(elapsed, 4),
                "ms_per_1000_tasks": round(elapsed / n_scope * 1000 * 1000, 3),
                "regex_ms_per_1000_scanned": round(regex_per_1000, 3),
                "index_build_s": round(corpus.index_build_s, 4),
                "indexed_tasks": corpus.indexed_tasks},
        complete=not found.stopped,
    )
    stats.warnings = _warnings(stats, found.stopped, options, len(hits) > len(compared))
    return stats


def _against(hits: dict[int, list[Any]], others: Mapping[str, list[Rule]], predictions: Any,
             texts: Mapping[int, str], options: Options) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ids = list(hits)
    for source, rules in others.items():
        try:
            other = scan(compiled(rules), texts, ids, timeout=options.timeout)
        except Exception as exc:  # another rule set's slow pattern is its problem, not this one's
            out.append({"source": source, "kind": "rules", "error": str(exc)})
            continue
        spans = {i: [(s, e, lab, f"{source}/{rule}") for s, e, lab, rule in h]
                 for i, h in other.hits.items()}
        out.extend(against.compare_with(hits, spans, texts, "rule"))
    if predictions is not None and ids:
        stored = predictions(ids)
        spans = {i: against.spans_from(results, "prediction") for i, results in stored.items()}
        out.extend(against.compare_with(hits, spans, texts, "prediction"))
    return out


def _warnings(stats: RuleStats, stopped: bool, options: Options, capped: bool) -> list[str]:
    out = []
    per_1000 = stats.timing["regex_ms_per_1000_scanned"]
    if per_1000 > SLOW_MS_PER_1000 and stats.index["scanned"] >= MIN_TIMED_TASKS:
        total = per_1000 * stats.scope["project_tasks"] / 1000 / 1000
        hint = ("" if stats.index["used"] else
                "; it has no literal text of 3+ characters, so the index cannot skip any task")
        out.append(f"slow pattern: {per_1000:.0f} ms per 1,000 tasks it runs on (about "
                   f"{total:.1f} s over this project's {stats.scope['project_tasks']:,} tasks)"
                   f"{hint}")
    if stopped:
        out.append(f"stopped after {options.budget:g} s: the figures cover {stats.index['scanned']:,} "
                   f"of {stats.index['candidates']:,} tasks the pattern may match; use a sample")
    if capped:
        out.append(f"overlaps and conflicts are counted on the first {MAX_COMPARED_TASKS:,} tasks "
                   "with hits")
    for item in stats.against:
        if "error" in item:
            out.append(f"rules {item['source']!r} were not compared: {item['error']}")
    return out
