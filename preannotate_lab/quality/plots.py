"""The quality report's plots (matplotlib, drawn off-screen): F1 per label, label confusion,
annotation effort, and confidence calibration.

Every figure is made with the object API on its own ``Figure`` (no pyplot state), so drawing a
report in a notebook or a server thread never touches the user's current figure.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from . import metrics

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .report import QualityReport

_OUTCOME_COLORS = {
    "accepted": "#2e7d32", "label_fixed": "#f9a825", "boundary_fixed": "#ef6c00",
    "label_and_boundary_fixed": "#c62828", "deleted": "#6d4c41", "added": "#1565c0",
}
_OUTCOME_NAMES = {
    "accepted": "accepted unchanged", "label_fixed": "label fixed",
    "boundary_fixed": "boundary fixed", "label_and_boundary_fixed": "label + boundary fixed",
    "deleted": "deleted", "added": "added by hand",
}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def f1_figure(report: QualityReport) -> Figure:
    """Horizontal bars: strict and lenient F1 per label, with each label's support."""
    labels = sorted(report.labels, key=lambda x: (-report.labels[x]["support"], x))
    fig = _figure(7.5, 1.2 + 0.38 * max(1, len(labels)))
    ax = fig.add_subplot()
    rows = range(len(labels))
    strict = [report.labels[x]["f1"] for x in labels]
    lenient = [report.labels[x]["lenient_f1"] for x in labels]
    ax.barh([r + 0.2 for r in rows], lenient, height=0.4, color="#90caf9", label="lenient (overlap)")
    ax.barh([r - 0.2 for r in rows], strict, height=0.4, color="#1565c0", label="strict (exact span)")
    for r, value in zip(rows, strict, strict=True):
        ax.text(value + 0.01, r - 0.2, f"{value:.2f}", va="center", fontsize=8)
    ax.set_yticks(list(rows), [f"{_short(x)} ({report.labels[x]['support']})" for x in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.1)  # room for the value right of a full bar
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_xlabel("F1")
    ax.set_title(f"F1 per label (support in brackets); micro F1 {report.micro['f1']:.2f}",
                 fontsize=10)
    handles, names = ax.get_legend_handles_labels()  # in the bars' order: strict on top
    fig.legend(handles[::-1], names[::-1], loc="outside lower center", ncol=2, fontsize=8,
               frameon=False)
    return fig


def confusion_figure(report: QualityReport) -> Figure:
    """Heatmap of ground-truth label (rows) by predicted label (columns), same offsets only."""
    names = report.confusion["labels"]
    matrix = report.confusion["matrix"]
    size = max(4.0, 1.5 + 0.45 * len(names))
    fig = _figure(size + 1.0, size)
    ax = fig.add_subplot()
    # colour by share of the row, so a frequent label does not wash out the rare ones
    shares = [[v / (sum(row) or 1) for v in row] for row in matrix]
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, shrink=0.7, label="share of the ground-truth row")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                        color="white" if shares[i][j] > 0.5 else "black")
    ticks = [_short(x, 16) for x in names]
    ax.set_xticks(range(len(names)), ticks, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), ticks, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("ground truth")
    ax.set_title("Label confusion: spans with the same offsets (counts)", fontsize=10)
    return fig


def effort_figure(report: QualityReport) -> Figure:
    """Stacked bar of what happened to the spans, and clicks with and without pre-annotation."""
    fig = _figure(8.0, 3.2)
    left, right = fig.subplots(1, 2, width_ratios=[2.2, 1])
    start = 0
    for name in metrics.OUTCOMES:
        value = report.effort[name]
        left.barh([0], [value], left=[start], color=_OUTCOME_COLORS[name],
                  label=f"{_OUTCOME_NAMES[name]} ({value})")
        start += value
    left.set_yticks([])
    left.set_xlabel("spans")
    left.set_title("What the annotators did with the spans", fontsize=10)
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, fontsize=8, frameon=False)
    without = report.effort["clicks_without_preannotation"]
    with_pre = report.effort["clicks_with_preannotation"]
    right.bar([0, 1], [without, with_pre], color=["#9e9e9e", "#2e7d32" if with_pre <= without else "#c62828"])
    right.set_xticks([0, 1], ["by hand", "pre-annotated"], fontsize=8)
    right.set_ylabel("clicks (estimate)")
    right.margins(y=0.15)
    share = report.effort["share_saved"]
    right.set_title(f"~{share:.0%} of clicks saved" if share >= 0
                    else f"~{-share:.0%} more clicks than by hand", fontsize=10)
    for x, value in ((0, without), (1, with_pre)):
        right.text(x, value, str(value), ha="center", va="bottom", fontsize=8)
    return fig


def calibration_figure(report: QualityReport) -> Figure | None:
    """Share of predicted spans that are right per confidence bin, against the diagonal."""
    bins = [b for b in report.calibration if b["spans"]]
    if not bins:
        return None
    fig = _figure(4.8, 4.0)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#9e9e9e", linestyle="--", linewidth=1, label="calibrated")
    ax.plot([b["mean_confidence"] for b in bins], [b["share_right"] for b in bins],
            marker="o", color="#1565c0", label="predicted spans")
    for b in bins:  # the count above its point: below, a point at 0 would write over the axis
        ax.annotate(str(b["spans"]), (b["mean_confidence"], b["share_right"]), fontsize=7,
                    textcoords="offset points", xytext=(0, 6), ha="center")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(-0.02, 1.1)
    ax.set_xlabel("confidence (bin mean)")
    ax.set_ylabel("share exactly right")
    ax.set_title("Confidence calibration (spans per bin)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def figures(report: QualityReport) -> dict[str, Figure]:
    out = {"f1": f1_figure(report), "confusion": confusion_figure(report),
           "effort": effort_figure(report)}
    calibration = calibration_figure(report)
    if calibration is not None:
        out["calibration"] = calibration
    return out


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
