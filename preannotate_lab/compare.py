"""Compare two result sets (prediction versions, a prediction and a completion) and score agreement.

``diff_results(a, b)`` says what changed from ``a`` to ``b``: spans added, removed and relabelled
(same offsets, another label or assertion), choices changed, relations added or removed.
``agreement(project, task_ids)`` scores one side against another per label (exact span match).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import Choice, Completion, Prediction, Relation, Result, Span

if TYPE_CHECKING:
    from .store import Project as ProjectStore

Results = Iterable[Result] | Prediction | Completion | None


@dataclass(frozen=True)
class ResultDiff:
    """What changed from ``a`` to ``b``."""

    added: list[Span] = field(default_factory=list)
    removed: list[Span] = field(default_factory=list)
    relabelled: list[tuple[Span, Span]] = field(default_factory=list)  # (in a, in b)
    unchanged: list[Span] = field(default_factory=list)
    changed_choices: list[tuple[Choice | None, Choice | None]] = field(default_factory=list)
    added_relations: list[Relation] = field(default_factory=list)
    removed_relations: list[Relation] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.relabelled or self.changed_choices
                    or self.added_relations or self.removed_relations)

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added), "removed": len(self.removed),
            "relabelled": len(self.relabelled), "unchanged": len(self.unchanged),
            "changed_choices": len(self.changed_choices),
            "added_relations": len(self.added_relations),
            "removed_relations": len(self.removed_relations),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data for UIs: spans as {start, end, text, label(s)}."""
        def span(s: Span) -> dict[str, Any]:
            return {"start": s.start, "end": s.end, "text": s.text, "label": s.label,
                    "assertion": s.assertion}

        def choice(c: Choice | None) -> list[str] | None:
            return list(c.labels) if c is not None else None

        return {
            "summary": self.summary(),
            "added": [span(s) for s in self.added],
            "removed": [span(s) for s in self.removed],
            "relabelled": [{"before": span(x), "after": span(y)} for x, y in self.relabelled],
            "changed_choices": [{"before": choice(x), "after": choice(y)}
                                for x, y in self.changed_choices],
            "added_relations": len(self.added_relations),
            "removed_relations": len(self.removed_relations),
        }


def _results(value: Results, what: str) -> list[Result]:
    if value is None:
        return []
    if isinstance(value, (Prediction, Completion)):
        return list(value.results)
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what} must be results, a Prediction or a Completion, not a string")
    return list(value)


def _span_key(span: Span) -> tuple[int, int, str, str | None]:
    return (span.start, span.end, span.label, span.assertion)


def diff_results(a: Results, b: Results) -> ResultDiff:
    """What changed from ``a`` to ``b`` (each: results, a Prediction or a Completion)."""
    ra, rb = _results(a, "a"), _results(b, "b")
    spans_a = [r for r in ra if isinstance(r, Span)]
    spans_b = [r for r in rb if isinstance(r, Span)]
    left = Counter(_span_key(s) for s in spans_a)
    unchanged, added_pool = [], []
    for span in spans_b:
        key = _span_key(span)
        if left[key] > 0:
            left[key] -= 1
            unchanged.append(span)
        else:
            added_pool.append(span)
    removed_pool = []
    consumed = Counter(_span_key(s) for s in unchanged)
    for span in spans_a:
        key = _span_key(span)
        if consumed[key] > 0:
            consumed[key] -= 1
        else:
            removed_pool.append(span)
    # same offsets, another label or assertion: a relabel, not a remove plus an add
    by_offsets: dict[tuple[int, int], list[Span]] = defaultdict(list)
    for span in removed_pool:
        by_offsets[(span.start, span.end)].append(span)
    relabelled, added = [], []
    for span in added_pool:
        candidates = by_offsets.get((span.start, span.end))
        if candidates:
            relabelled.append((candidates.pop(0), span))
        else:
            added.append(span)
    removed = [s for group in by_offsets.values() for s in group]
    removed.sort(key=lambda s: (s.start, s.end))
    return ResultDiff(
        added=added, removed=removed, relabelled=relabelled, unchanged=unchanged,
        changed_choices=_choice_changes(ra, rb),
        added_relations=_relation_diff(rb, ra), removed_relations=_relation_diff(ra, rb),
    )


def _choice_changes(ra: list[Result], rb: list[Result]) -> list[tuple[Choice | None, Choice | None]]:
    def by_target(results: list[Result]) -> dict[tuple[str | None, str | None], Choice]:
        return {(c.from_name, c.span_id): c for c in results if isinstance(c, Choice)}

    ca, cb = by_target(ra), by_target(rb)
    changes = []
    for key in sorted(set(ca) | set(cb), key=lambda k: (str(k[0]), str(k[1]))):
        x, y = ca.get(key), cb.get(key)
        if x is None or y is None or set(x.labels) != set(y.labels):
            changes.append((x, y))
    return changes


def _relation_diff(ra: list[Result], rb: list[Result]) -> list[Relation]:
    """Relations of ``ra`` missing from ``rb``, matched by their end spans' offsets and labels."""
    def keyed(results: list[Result]) -> dict[tuple[Any, ...], Relation]:
        spans = {s.id: (s.start, s.end, s.label) for s in results if isinstance(s, Span)}
        return {
            (spans.get(r.from_id, r.from_id), spans.get(r.to_id, r.to_id), r.label, r.direction): r
            for r in results if isinstance(r, Relation)
        }

    ka, kb = keyed(ra), keyed(rb)
    return [rel for key, rel in ka.items() if key not in kb]


# -- agreement -------------------------------------------------------------------------------
Selector = str | Callable[[Any, int], Any]


def _select(project: ProjectStore, task_id: int, side: Selector) -> list[Result] | None:
    if callable(side):
        chosen = side(project, task_id)
        return None if chosen is None else _results(chosen, "selector result")
    if side == "latest_prediction":
        prediction = project.latest_prediction(task_id)
        return None if prediction is None else list(prediction.results)
    if side in ("ground_truth", "latest_completion"):
        completions = project.completions(task_id)
        if side == "ground_truth":
            completions = [c for c in completions if c.ground_truth]
        return list(completions[-1].results) if completions else None
    if isinstance(side, str) and side.startswith("prediction_version:"):
        version = int(side.split(":", 1)[1])
        found = [p for p in project.predictions(task_id) if p.version == version]
        return list(found[0].results) if found else None
    raise ValueError(
        f"unknown side {side!r}; use 'latest_prediction', 'ground_truth', 'latest_completion', "
        "'prediction_version:N' or a function (project, task_id) -> results"
    )


def _scores(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn, "support": tp + fn}


def agreement(project: ProjectStore, task_ids: Iterable[int] | None = None, *,
              a: Selector = "latest_prediction", b: Selector = "ground_truth") -> dict[str, Any]:
    """Per-label precision, recall and F1 of side ``a`` measured against side ``b``.

    Spans match when offsets and label are equal. Tasks lacking either side are not scored;
    their ids are listed under ``"skipped"``. Returns ``{"labels": {label: scores},
    "micro": scores, "tasks": n, "skipped": [ids]}``.
    """
    ids = project.task_ids() if task_ids is None else list(task_ids)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    scored, skipped = 0, []
    for task_id in ids:
        left, right = _select(project, task_id, a), _select(project, task_id, b)
        if left is None or right is None:
            skipped.append(task_id)
            continue
        scored += 1
        ka = Counter((s.start, s.end, s.label) for s in left if isinstance(s, Span))
        kb = Counter((s.start, s.end, s.label) for s in right if isinstance(s, Span))
        for key in set(ka) | set(kb):
            tp = min(ka[key], kb[key])
            label = key[2]
            counts[label]["tp"] += tp
            counts[label]["fp"] += ka[key] - tp
            counts[label]["fn"] += kb[key] - tp
    labels = {label: _scores(c["tp"], c["fp"], c["fn"]) for label, c in sorted(counts.items())}
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    return {"labels": labels, "micro": _scores(total["tp"], total["fp"], total["fn"]),
            "tasks": scored, "skipped": skipped, "a": a if isinstance(a, str) else "custom",
            "b": b if isinstance(b, str) else "custom"}
