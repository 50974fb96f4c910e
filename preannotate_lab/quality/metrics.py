"""Span-level scoring of predictions against ground truth, task by task (no I/O).

Three questions, answered from the same per-task alignment:

* **Accuracy per label** (strict): a predicted span is a true positive when a ground-truth
  span has the same start, end and label. A partial overlap counts as one false positive (the
  predicted label) and one false negative (the ground-truth label). The lenient scores count a
  predicted span as right when it overlaps a ground-truth span of the same label (each
  ground-truth span matched at most once).
* **Confusion** between labels: ground-truth and predicted spans with the same offsets but
  different labels; spans without a partner at the same offsets go to the ``(none)`` row or
  column.
* **Annotation effort**: each predicted span is paired with at most one ground-truth span
  (same offsets first, then the largest overlap) and sorted into accepted unchanged, label
  fixed, boundary fixed, label and boundary fixed, or deleted; ground-truth spans left unpaired
  were added by hand. :data:`CLICK_COSTS` turns the counts into an estimate of clicks saved.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Span

NONE = "(none)"
"""The confusion matrix's row / column of spans without a partner at the same offsets."""

OUTCOMES = ("accepted", "label_fixed", "boundary_fixed", "label_and_boundary_fixed",
            "deleted", "added")
"""What happened to each span between the prediction and the ground truth (see module doc)."""

# The annotator's actions, counted as clicks, in Label Studio's span editor (a drag to select
# text counts as one click; a hotkey as one). Spans cannot be resized there: a boundary fix
# is delete + create.
CLICK_COSTS: dict[str, int] = {
    "create": 2,  # pick the label, drag over the text
    "delete": 2,  # select the span, press delete
    "relabel": 2,  # select the span, pick the other label
}
OUTCOME_CLICKS: dict[str, int] = {
    "accepted": 0,
    "label_fixed": CLICK_COSTS["relabel"],
    "boundary_fixed": CLICK_COSTS["delete"] + CLICK_COSTS["create"],
    "label_and_boundary_fixed": CLICK_COSTS["delete"] + CLICK_COSTS["create"],
    "deleted": CLICK_COSTS["delete"],
    "added": CLICK_COSTS["create"],
}
CLICK_ASSUMPTIONS = (
    "A person labels every ground-truth span by hand without pre-annotation: "
    f"{CLICK_COSTS['create']} clicks a span (pick the label, drag over the text). "
    "With pre-annotation: an accepted span costs 0; a wrong label "
    f"{CLICK_COSTS['relabel']} (select the span, pick the label); a wrong boundary "
    f"{CLICK_COSTS['delete'] + CLICK_COSTS['create']} (delete it and create it again: spans "
    f"cannot be resized); a span deleted {CLICK_COSTS['delete']}; a span added by hand "
    f"{CLICK_COSTS['create']}. Reading the task and submitting it cost the same both ways and "
    "are left out."
)

MATCHING = (
    "Strict: a predicted span is right when a ground-truth span has the same start, end and "
    "label; a partial overlap counts as one false positive (the predicted label) and one false "
    "negative (the ground-truth label). Lenient: a predicted span is right when it overlaps a "
    "ground-truth span of the same label, each ground-truth span matched once. Confusion: "
    "spans with the same offsets and different labels; '(none)' holds spans without a partner "
    "at the same offsets."
)
GROUND_TRUTH = (
    "Per task, the completion marked ground truth; a task whose completions carry no mark uses "
    "its latest completion. Skipped completions are never ground truth."
)


@dataclass
class Tally:
    """Counts summed over tasks; :func:`score_task` adds one task's to it."""

    strict: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    lenient: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, predicted)
    effort: Counter[str] = field(default_factory=Counter)
    effort_by_label: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # (confidence, right?) of every predicted span that carries a confidence
    confidences: list[tuple[float, bool]] = field(default_factory=list)
    tasks: int = 0


def _key(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def score_task(tally: Tally, predicted: Iterable[Span], gold: Iterable[Span]) -> None:
    """Add one task's spans to ``tally`` (labels already mapped to the ground truth's names)."""
    pred, true = list(predicted), list(gold)
    tally.tasks += 1
    _strict(tally, pred, true)
    _lenient(tally, pred, true)
    _confusion(tally, pred, true)
    _effort(tally, pred, true)


def _strict(tally: Tally, pred: list[Span], true: list[Span]) -> None:
    kp, kt = Counter(map(_key, pred)), Counter(map(_key, true))
    for key in kp.keys() | kt.keys():
        tp = min(kp[key], kt[key])
        counts = tally.strict[key[2]]
        counts["tp"] += tp
        counts["fp"] += kp[key] - tp
        counts["fn"] += kt[key] - tp
    remaining = Counter(kt)
    for span in pred:
        if span.confidence is not None:
            right = remaining[_key(span)] > 0
            if right:
                remaining[_key(span)] -= 1
            tally.confidences.append((float(span.confidence), right))


def _lenient(tally: Tally, pred: list[Span], true: list[Span]) -> None:
    """Overlap with the same label; each ground-truth span pairs with one predicted span."""
    free = list(range(len(true)))
    for span in sorted(pred, key=lambda s: (s.start, s.end)):
        best, best_overlap = None, 0
        for i in free:
            other = true[i]
            size = _overlap(span, other)
            if other.label == span.label and size > best_overlap:
                best, best_overlap = i, size
        counts = tally.lenient[span.label]
        if best is None:
            counts["fp"] += 1
        else:
            free.remove(best)
            counts["tp"] += 1
    for i in free:
        tally.lenient[true[i].label]["fn"] += 1


def _confusion(tally: Tally, pred: list[Span], true: list[Span]) -> None:
    by_offsets_p: dict[tuple[int, int], list[str]] = defaultdict(list)
    by_offsets_t: dict[tuple[int, int], list[str]] = defaultdict(list)
    for span in pred:
        by_offsets_p[(span.start, span.end)].append(span.label)
    for span in true:
        by_offsets_t[(span.start, span.end)].append(span.label)
    for offsets in by_offsets_p.keys() | by_offsets_t.keys():
        p, t = sorted(by_offsets_p.get(offsets, [])), sorted(by_offsets_t.get(offsets, []))
        # equal labels pair first, then the rest in order, then the leftovers with (none)
        same = Counter(p) & Counter(t)
        for label, n in same.items():
            tally.confusion[(label, label)] += n
        rest_p = list((Counter(p) - same).elements())
        rest_t = list((Counter(t) - same).elements())
        for gold_label, pred_label in zip(rest_t, rest_p, strict=False):
            tally.confusion[(gold_label, pred_label)] += 1
        for gold_label in rest_t[len(rest_p):]:
            tally.confusion[(gold_label, NONE)] += 1
        for pred_label in rest_p[len(rest_t):]:
            tally.confusion[(NONE, pred_label)] += 1


def pair_spans(pred: list[Span], true: list[Span]) -> tuple[list[tuple[Span, Span]], list[Span], list[Span]]:
    """One-to-one pairs (predicted, ground truth): same offsets and label first, then same
    offsets, then the largest overlap. Returns (pairs, unpaired predicted, unpaired truth)."""
    free_p, free_t = list(range(len(pred))), list(range(len(true)))
    pairs: list[tuple[Span, Span]] = []

    def take(match: Any) -> None:
        for i in list(free_p):
            for j in free_t:
                if match(pred[i], true[j]):
                    pairs.append((pred[i], true[j]))
                    free_p.remove(i)
                    free_t.remove(j)
                    break

    take(lambda a, b: _key(a) == _key(b))
    take(lambda a, b: (a.start, a.end) == (b.start, b.end))
    overlaps = sorted(((_overlap(pred[i], true[j]), i, j) for i in free_p for j in free_t
                       if _overlap(pred[i], true[j]) > 0), key=lambda x: (-x[0], x[1], x[2]))
    for _, i, j in overlaps:
        if i in free_p and j in free_t:
            pairs.append((pred[i], true[j]))
            free_p.remove(i)
            free_t.remove(j)
    return pairs, [pred[i] for i in free_p], [true[j] for j in free_t]


def outcome(predicted: Span, gold: Span) -> str:
    """How the annotator changed a predicted span into its ground-truth partner."""
    same_offsets = (predicted.start, predicted.end) == (gold.start, gold.end)
    same_label = predicted.label == gold.label
    if same_offsets:
        return "accepted" if same_label else "label_fixed"
    return "boundary_fixed" if same_label else "label_and_boundary_fixed"


def _effort(tally: Tally, pred: list[Span], true: list[Span]) -> None:
    pairs, deleted, added = pair_spans(pred, true)
    for p, t in pairs:
        what = outcome(p, t)
        tally.effort[what] += 1
        tally.effort_by_label[t.label][what] += 1
    for span in deleted:
        tally.effort["deleted"] += 1
        tally.effort_by_label[span.label]["deleted"] += 1
    for span in added:
        tally.effort["added"] += 1
        tally.effort_by_label[span.label]["added"] += 1


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 (0.0 where undefined: nothing predicted or nothing to find)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def effort_summary(effort: Mapping[str, int]) -> dict[str, Any]:
    """Counts per outcome, and the clicks with and without pre-annotation (:data:`CLICK_COSTS`)."""
    counts = {name: int(effort.get(name, 0)) for name in OUTCOMES}
    gold_spans = sum(counts[k] for k in OUTCOMES if k != "deleted")
    without = CLICK_COSTS["create"] * gold_spans
    with_pre = sum(OUTCOME_CLICKS[k] * v for k, v in counts.items())
    return {
        **counts,
        "predicted_spans": sum(counts[k] for k in OUTCOMES if k != "added"),
        "ground_truth_spans": gold_spans,
        "clicks_without_preannotation": without,
        "clicks_with_preannotation": with_pre,
        "clicks_saved": without - with_pre,
        "share_saved": (without - with_pre) / without if without else 0.0,
    }


def calibration(points: list[tuple[float, bool]], bins: int = 10) -> list[dict[str, Any]]:
    """Predicted spans in ``bins`` equal confidence bins: how many, mean confidence, share right.

    A calibrated confidence has ``share_right`` close to ``mean_confidence`` in every bin.
    """
    groups: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for confidence, right in points:
        groups[min(bins - 1, max(0, int(confidence * bins)))].append((confidence, right))
    out = []
    for index in range(bins):
        group = groups.get(index, [])
        out.append({
            "low": index / bins, "high": (index + 1) / bins, "spans": len(group),
            "mean_confidence": sum(c for c, _ in group) / len(group) if group else None,
            "share_right": sum(r for _, r in group) / len(group) if group else None,
        })
    return out
