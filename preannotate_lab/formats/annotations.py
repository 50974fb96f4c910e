"""Which results of a task an export uses: its ground truth, its latest completion, or a prediction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..model import Completion, Prediction, Result, Span

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

SOURCES = ("completions", "predictions")


def pick_completion(completions: Sequence[Completion]) -> Completion | None:
    """The ground-truth completion, else the one changed last (None when there is none).

    A skipped completion (the annotator skipped the task) is never chosen: it holds no
    annotation, and written as one it would teach that the text has no entities.
    """
    completions = [c for c in completions if not c.skipped]
    if not completions:
        return None
    for c in completions:
        if c.ground_truth:
            return c
    return max(completions, key=lambda c: (c.updated_at or c.created_at, c.id or 0))


def pick_results(project: ProjectStore, task_id: int, source: str = "completions") -> tuple[Result, ...] | None:
    """The results an export writes for a task, or None when it has nothing from ``source``."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    if source == "completions":
        chosen = pick_completion(project.completions(task_id))
        return None if chosen is None else tuple(chosen.results)
    latest: Prediction | None = project.latest_prediction(task_id)
    return None if latest is None else latest.results


def non_overlapping(spans: Sequence[Span]) -> tuple[list[Span], list[Span]]:
    """(kept, dropped): spans in text order, a span overlapping a kept one is dropped.

    Longer spans win a tie at the same start, like spaCy's ``filter_spans``.
    """
    kept: list[Span] = []
    dropped: list[Span] = []
    end = -1
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if span.start < end or span.end <= span.start:
            dropped.append(span)
        else:
            kept.append(span)
            end = span.end
    return kept, dropped
