"""The quality report: one prediction version (or one server's predictions) against ground truth.

    report = pl.quality_report(project)                 # latest prediction of every task
    report = project.report(version=1)                  # or server="ner", label_map={...}
    report.table()                                      # per-label precision / recall / F1
    report.to_html("quality.html")                      # tables and plots in one file

How spans are matched and how effort is counted: :mod:`.metrics`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PreannotateError
from ..model import Completion, Prediction, Span
from . import metrics

if TYPE_CHECKING:
    import pandas
    from matplotlib.figure import Figure

    from ..store import Project as ProjectStore

MATCHING = metrics.MATCHING
GROUND_TRUTH = metrics.GROUND_TRUTH


class QualityError(PreannotateError, ValueError):
    """A quality report cannot be made (an unknown version, nothing to score)."""


@dataclass
class QualityReport:
    """Scores of one selection of predictions against the ground-truth completions."""

    project: str
    selection: str
    tasks: int
    labels: dict[str, dict[str, Any]]
    micro: dict[str, Any]
    macro: dict[str, float]
    confusion: dict[str, Any]  # {"labels": [...], "matrix": rows = ground truth, cols = predicted}
    effort: dict[str, Any]
    effort_by_label: dict[str, dict[str, int]]
    calibration: list[dict[str, Any]]
    skipped: dict[str, list[int]] = field(default_factory=dict)
    label_map: dict[str, str] = field(default_factory=dict)

    # -- tables --------------------------------------------------------------------------------
    def table(self) -> pandas.DataFrame:
        """One row per label (and ``micro avg``): support, predicted, tp, fp, fn, strict and
        lenient precision / recall / F1."""
        import pandas as pd

        rows = [{"label": label, **scores} for label, scores in self.labels.items()]
        rows.append({"label": "micro avg", **self.micro})
        return pd.DataFrame(rows).set_index("label")

    def confusion_frame(self) -> pandas.DataFrame:
        """Ground-truth labels (rows) by predicted labels (columns), same offsets only."""
        import pandas as pd

        names = self.confusion["labels"]
        frame = pd.DataFrame(self.confusion["matrix"], index=names, columns=names)
        frame.index.name, frame.columns.name = "ground truth", "predicted"
        return frame

    def effort_frame(self) -> pandas.DataFrame:
        """Spans per outcome (accepted, fixed, deleted, added), overall and per label."""
        import pandas as pd

        rows = {label: {k: counts.get(k, 0) for k in metrics.OUTCOMES}
                for label, counts in self.effort_by_label.items()}
        rows["all labels"] = {k: self.effort[k] for k in metrics.OUTCOMES}
        return pd.DataFrame.from_dict(rows, orient="index")

    # -- export --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-able): every figure of the report and how it was counted."""
        return {
            "project": self.project,
            "selection": self.selection,
            "tasks": self.tasks,
            "skipped": self.skipped,
            "label_map": self.label_map,
            "labels": self.labels,
            "micro": self.micro,
            "macro": self.macro,
            "confusion": self.confusion,
            "effort": self.effort,
            "effort_by_label": self.effort_by_label,
            "calibration": self.calibration,
            "assumptions": {"matching": MATCHING, "ground_truth": GROUND_TRUTH,
                            "clicks": metrics.CLICK_ASSUMPTIONS,
                            "click_costs": dict(metrics.CLICK_COSTS)},
        }

    def to_json(self, path: str | Path | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            Path(path).write_text(text + "\n", "utf-8")
        return text

    def figures(self) -> dict[str, Figure]:
        """The plots: ``f1`` (per-label bars), ``confusion`` (heatmap), ``effort`` (breakdown),
        and ``calibration`` when predicted spans carry confidences."""
        from .plots import figures

        return figures(self)

    def to_html(self, path: str | Path | None = None) -> str:
        """One self-contained HTML page (plots embedded as PNG); written to ``path`` if given."""
        from .html import render

        text = render(self)
        if path is not None:
            Path(path).write_text(text, "utf-8")
        return text

    def _repr_html_(self) -> str:
        from .html import render

        return render(self, fragment=True)

    def summary(self) -> str:
        """A few lines for a terminal."""
        e = self.effort
        return (f"{self.tasks} task(s), {self.selection}: micro F1 {self.micro['f1']:.3f} "
                f"(P {self.micro['precision']:.3f}, R {self.micro['recall']:.3f}); "
                f"{e['accepted']} span(s) accepted, {e['label_fixed'] + e['boundary_fixed'] + e['label_and_boundary_fixed']} "
                f"fixed, {e['deleted']} deleted, {e['added']} added; "
                f"~{e['clicks_saved']} clicks saved ({e['share_saved']:.0%})")


# -- building --------------------------------------------------------------------------------
def ground_truth(completions: list[Completion]) -> Completion | None:
    """The completion a task is scored against (see :data:`GROUND_TRUTH`)."""
    usable = [c for c in completions if not c.skipped]
    marked = [c for c in usable if c.ground_truth]
    if marked:
        return marked[-1]
    return usable[-1] if usable else None


def select_prediction(predictions: list[Prediction], *, version: int | None,
                      server: str | None) -> Prediction | None:
    """The prediction of one task to score: version ``version``, else the latest (of ``server``)."""
    chosen = [p for p in predictions if server is None or p.server == server]
    if version is not None:
        chosen = [p for p in chosen if p.version == version]
    return chosen[-1] if chosen else None


def quality_report(project: ProjectStore, task_ids: list[int] | None = None, *,
                   version: int | None = None, server: str | None = None,
                   label_map: dict[str, str] | None = None) -> QualityReport:
    """Score predictions against ground-truth completions over ``task_ids`` (default: all).

    ``version``: score each task's prediction of that version number (default: its latest);
    ``server``: only predictions that server wrote. ``label_map`` renames predicted labels to
    the ground truth's names first (``{"PERSON": "person"}``); a label mapped to ``""`` is
    dropped. Tasks lacking a ground truth or the selected prediction are listed in ``skipped``.
    """
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or version < 1):
        raise QualityError(f"version must be a whole number of at least 1, not {version!r}")
    mapping = dict(label_map or {})
    tally = metrics.Tally()
    skipped: dict[str, list[int]] = {"no_ground_truth": [], "no_prediction": []}
    for task_id in project.task_ids() if task_ids is None else list(task_ids):
        gold = ground_truth(project.completions(task_id))
        if gold is None:
            skipped["no_ground_truth"].append(task_id)
            continue
        prediction = select_prediction(project.predictions(task_id), version=version, server=server)
        if prediction is None:
            skipped["no_prediction"].append(task_id)
            continue
        predicted = [_mapped(s, mapping) for s in prediction.results if isinstance(s, Span)]
        metrics.score_task(tally, [s for s in predicted if s is not None],
                           [s for s in gold.results if isinstance(s, Span)])
    if not tally.tasks:
        which = _selection(version, server)
        raise QualityError(
            f"no task of {project.path.name} has both a ground truth and the {which}: "
            f"{len(skipped['no_ground_truth'])} without a completion, "
            f"{len(skipped['no_prediction'])} without that prediction")
    return build(tally, project=str(project.path), selection=_selection(version, server),
                 skipped=skipped, label_map=mapping)


def _mapped(span: Span, mapping: dict[str, str]) -> Span | None:
    if span.label not in mapping:
        return span
    label = mapping[span.label]
    if not label:
        return None
    return replace(span, label=label)


def _selection(version: int | None, server: str | None) -> str:
    what = f"prediction version {version}" if version is not None else "latest prediction"
    return f"{what} of server {server!r}" if server is not None else what


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in scores.items()}


def build(tally: metrics.Tally, *, project: str, selection: str,
          skipped: dict[str, list[int]] | None = None,
          label_map: dict[str, str] | None = None) -> QualityReport:
    """A report from counts (the part of :func:`quality_report` that reads no project)."""
    names = sorted(set(tally.strict) | set(tally.lenient))
    labels: dict[str, dict[str, Any]] = {}
    for label in names:
        s: Mapping[str, int] = tally.strict.get(label, {})
        le: Mapping[str, int] = tally.lenient.get(label, {})
        tp, fp, fn = s.get("tp", 0), s.get("fp", 0), s.get("fn", 0)
        lenient = metrics.prf(le.get("tp", 0), le.get("fp", 0), le.get("fn", 0))
        labels[label] = {"support": tp + fn, "predicted": tp + fp, "tp": tp, "fp": fp, "fn": fn,
                         **_rounded(metrics.prf(tp, fp, fn)),
                         **{f"lenient_{k}": v for k, v in _rounded(lenient).items()}}
    totals = {k: sum(v[k] for v in labels.values()) for k in ("tp", "fp", "fn")}
    lt = {k: sum(tally.lenient[x].get(k, 0) for x in tally.lenient) for k in ("tp", "fp", "fn")}
    micro = {"support": totals["tp"] + totals["fn"], "predicted": totals["tp"] + totals["fp"],
             **totals, **_rounded(metrics.prf(totals["tp"], totals["fp"], totals["fn"])),
             **{f"lenient_{k}": v for k, v in
                _rounded(metrics.prf(lt["tp"], lt["fp"], lt["fn"])).items()}}
    scored = [v for v in labels.values() if v["support"]]
    macro = _rounded({k: sum(v[k] for v in scored) / len(scored) if scored else 0.0
                      for k in ("precision", "recall", "f1")})
    seen = {g for g, _ in tally.confusion} | {p for _, p in tally.confusion}
    axis = sorted(seen - {metrics.NONE}) + [metrics.NONE]
    matrix = [[tally.confusion.get((g, p), 0) for p in axis] for g in axis]
    effort = metrics.effort_summary(tally.effort)
    return QualityReport(
        project=project, selection=selection, tasks=tally.tasks, labels=labels, micro=micro,
        macro=macro, confusion={"labels": axis, "matrix": matrix},
        effort={**effort, "share_saved": round(effort["share_saved"], 4)},
        effort_by_label={k: dict(v) for k, v in sorted(tally.effort_by_label.items())},
        calibration=metrics.calibration(tally.confidences),
        skipped=skipped or {}, label_map=dict(label_map or {}),
    )
