"""A rule's matches against other spans: other rules, the models' predictions, the completions.

Two spans *agree* when offsets and label are equal; they *conflict* when they overlap (or
coincide) with different labels; they *overlap* when they share text and the label but not
both ends. Precision, recall and F1 count exact matches (offsets and label), as
:func:`preannotate_lab.agreement` does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..compare import _scores
from ..model import Result, Span
from .scan import Hit

Other = tuple[int, int, str, str]  # start, end, label, source
EXAMPLES = 5


def spans_from(results: Iterable[Result], default_source: str) -> list[Other]:
    """The NER spans of stored results as (start, end, label, source)."""
    return [(r.start, r.end, r.label, r.source or default_source)
            for r in results if isinstance(r, Span)]


def compare_with(hits: Mapping[int, list[Hit]], others: Mapping[int, list[Other]],
                 texts: Mapping[int, str], kind: str) -> list[dict[str, Any]]:
    """Per source of ``others``: how many of its spans agree, overlap or conflict with a hit."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task_id, task_hits in hits.items():
        for o_start, o_end, o_label, source in others.get(task_id, ()):
            counts[source]["spans"] += 1
            for start, end, label, rule in task_hits:
                if o_start >= end or start >= o_end:
                    continue
                same = (o_start, o_end) == (start, end)
                if label == o_label:
                    what = "agree" if same else "overlap"
                else:
                    what = "conflict"
                counts[source][what] += 1
                if what != "agree" and len(examples[source]) < EXAMPLES:
                    text = texts.get(task_id, "")
                    examples[source].append({
                        "task_id": task_id, "kind": what,
                        "rule": {"start": start, "end": end, "label": label, "rule": rule,
                                 "text": text[start:end]},
                        "other": {"start": o_start, "end": o_end, "label": o_label,
                                  "text": text[o_start:o_end]},
                    })
    return [{"source": source, "kind": kind, "spans": c["spans"], "agree": c["agree"], "overlap": c["overlap"],
             "conflict": c["conflict"], "examples": examples[source]}
            for source, c in sorted(counts.items())]


def score(hits: Mapping[int, list[Hit]], reference: Mapping[int, tuple[Result, ...]],
          tasks: Iterable[int], labels: Iterable[str], texts: Mapping[int, str]) -> dict[str, Any]:
    """Precision, recall and F1 of the hits against the reference spans of ``labels`` on ``tasks``."""
    labels = list(dict.fromkeys(labels))
    wanted = set(labels)
    per_label: dict[str, Counter[str]] = {label: Counter() for label in labels}
    false_positives: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    n = 0
    for task_id in tasks:
        n += 1
        predicted = Counter((s, e, lab) for s, e, lab, _rule in hits.get(task_id, ()))
        truth = Counter((r.start, r.end, r.label) for r in reference[task_id]
                        if isinstance(r, Span) and r.label in wanted)
        text = texts.get(task_id, "")
        for key in predicted | truth:
            tp = min(predicted[key], truth[key])
            fp, fn = predicted[key] - tp, truth[key] - tp
            per_label[key[2]].update({"tp": tp, "fp": fp, "fn": fn})
            example = {"task_id": task_id, "start": key[0], "end": key[1], "label": key[2],
                       "text": text[key[0]:key[1]]}
            if fp and len(false_positives) < EXAMPLES:
                false_positives.append(example)
            if fn and len(missed) < EXAMPLES:
                missed.append(example)
    total = sum(per_label.values(), Counter())
    return {"tasks": n,
            "reference": "each task's ground-truth completion, else its latest completion",
            "labels": {label: _scores(c["tp"], c["fp"], c["fn"]) for label, c in per_label.items()},
            "micro": _scores(total["tp"], total["fp"], total["fn"]),
            "false_positives": false_positives, "missed": missed}
