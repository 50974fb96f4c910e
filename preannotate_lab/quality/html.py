"""The quality report as one self-contained HTML page: tables, and plots embedded as PNG data.

Labels, the project's path and every other string that came from tasks or configs are
HTML-escaped; the page loads nothing from anywhere (no script, no stylesheet, no image URL).
"""

from __future__ import annotations

import base64
from html import escape
from typing import TYPE_CHECKING, Any

from . import metrics
from .plots import figures, png

if TYPE_CHECKING:
    from .report import QualityReport

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.2em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
.note { color: #555; font-size: 13px; max-width: 60em; }
img { max-width: 100%; display: block; margin: 0.5em 0 1em; }
"""


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image(figure: Any, alt: str) -> str:
    data = base64.b64encode(png(figure)).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def render(report: QualityReport, *, fragment: bool = False) -> str:
    """The report as HTML: a whole page, or with ``fragment=True`` a ``<div>`` for a notebook."""
    columns = ["support", "predicted", "tp", "fp", "fn", "precision", "recall", "f1",
               "lenient_precision", "lenient_recall", "lenient_f1"]
    label_rows = [[label, *(scores[c] for c in columns)] for label, scores in report.labels.items()]
    label_rows.append(["micro avg", *(report.micro[c] for c in columns)])
    label_rows.append(["macro avg", "", "", "", "", "", report.macro["precision"],
                       report.macro["recall"], report.macro["f1"], "", "", ""])
    names = report.confusion["labels"]
    confusion = _table(["ground truth \\ predicted", *names],
                       [[g, *row] for g, row in zip(names, report.confusion["matrix"], strict=True)])
    e = report.effort
    effort_rows = [[name.replace("_", " "), e[name], metrics.OUTCOME_CLICKS[name]]
                   for name in metrics.OUTCOMES]
    clicks = _table(["", "clicks"], [
        ["without pre-annotation (estimate)", e["clicks_without_preannotation"]],
        ["with pre-annotation (estimate)", e["clicks_with_preannotation"]],
        ["saved", e["clicks_saved"]],
        ["share saved", f"{e['share_saved']:.1%}"],
    ])
    skipped = ", ".join(f"{len(ids)} {what.replace('_', ' ')}"
                        for what, ids in report.skipped.items()) or "none"
    mapping = ", ".join(f"{a} → {b or '(dropped)'}" for a, b in report.label_map.items())
    plots = figures(report)
    titles = {"f1": "F1 per label", "confusion": "Label confusion", "effort": "Annotation effort",
              "calibration": "Confidence calibration"}
    parts = [
        f"<h1>Pre-annotation quality: {escape(report.selection)}</h1>",
        f"<p class=note>Project <code>{escape(report.project)}</code>; {report.tasks} task(s) "
        f"scored; skipped: {escape(skipped)}."
        + (f" Predicted labels renamed: {escape(mapping)}." if mapping else "") + "</p>",
        "<h2>Per-label precision, recall and F1</h2>",
        _table(["label", *columns], label_rows),
        f"<p class=note>{escape(_matching())}</p>",
        _image(plots["f1"], titles["f1"]),
        "<h2>Label confusion</h2>",
        confusion,
        _image(plots["confusion"], titles["confusion"]),
        "<h2>Annotation effort</h2>",
        _table(["what happened to the span", "spans", "clicks each"], effort_rows),
        clicks,
        f"<p class=note>{escape(metrics.CLICK_ASSUMPTIONS)}</p>",
        _image(plots["effort"], titles["effort"]),
    ]
    if "calibration" in plots:
        bins = [[f"{b['low']:.1f}–{b['high']:.1f}", b["spans"], b["mean_confidence"],
                 b["share_right"]] for b in report.calibration if b["spans"]]
        parts += ["<h2>Confidence calibration</h2>",
                  _table(["confidence", "spans", "mean confidence", "share right"], bins),
                  _image(plots["calibration"], titles["calibration"])]
    for figure in plots.values():
        figure.clear()
    body = "\n".join(parts)
    if fragment:
        return f'<div class="preannotate-quality">{body}</div>'
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>Pre-annotation quality: {escape(report.selection)}</title>"
            f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n")


def _matching() -> str:
    return f"{metrics.MATCHING} Ground truth: {metrics.GROUND_TRUTH}"
