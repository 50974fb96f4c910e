"""A notebook of LabelingView outputs, executed by a real kernel and saved, reopened in a real
JupyterLab with no kernel: each output shows its task (text with coloured spans, page
thumbnails with boxes) through the extension's renderer, not an empty widget placeholder.
"""

from __future__ import annotations

import copy
import json
import urllib.request

import nbformat
import pytest
from browser_fixtures import REPO, open_lab, shot, wait_kernel_idle, wait_notebook_ready
from nbclient import NotebookClient

pytestmark = pytest.mark.browser

MIME = "application/vnd.preannotate.task+json"
TESTS = REPO / "tests"
HOSTILE = 'Acme Corp <img src=x onerror="window.__pwned=1"> signed with Siemens.'

SETUP = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})  # the test suite's real documents with boxed predictions
from pathlib import Path
import preannotate_lab as pl
from preannotate_lab.model import Prediction, Span, Task
from visual_ner_fixtures import visual_project

project, ids = visual_project(Path("."))
text = {HOSTILE!r}
[ids["text"]] = project.add_tasks([Task({{"text": text}})])
spans = tuple(Span(text.index(w), text.index(w) + len(w), label, w)
              for w, label in [("Acme Corp", "TITLE"), ("Siemens", "TERM")])
_ = project.add_predictions([Prediction(task_id=ids["text"], model_version="v1", results=spans)])
"""


def _hex_rgb(color: str) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _luminance(rgb: str) -> float:
    """WCAG relative luminance of a CSS ``rgb(r, g, b)`` colour."""
    channels = [int(v) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def saved_notebook(jupyter_lab, tmp_path_factory) -> dict:
    """Execute the notebook in a real kernel, save it (unsigned, as a notebook from elsewhere
    is) into the served folder; return its saved task bundles by output order."""
    work = tmp_path_factory.mktemp("kernel-side")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)] + [
        nbformat.v4.new_code_cell(f'pl.LabelingView(project, ids["{name}"])')
        for name in ("scan", "pdf", "text")
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    bundles = [c.outputs[0]["data"] for c in nb.cells[1:]]
    for data in bundles:  # what the kernel saved: the widget and the static picture beside it
        assert "application/vnd.jupyter.widget-view+json" in data and MIME in data
    executed = copy.deepcopy(nb)
    # a kernel this server cannot start: the notebook opens with no kernel at all
    nb.metadata["kernelspec"] = {"name": "gone", "display_name": "Gone", "language": "gone"}
    nb.metadata["language_info"] = {"name": "gone"}  # else any Python kernel would do
    nbformat.write(nb, jupyter_lab.root / "saved_tasks.ipynb")
    return {"scan": bundles[0][MIME], "pdf": bundles[1][MIME], "text": bundles[2][MIME],
            "notebook": executed}


def _save_as_own(lab, nb, name: str) -> None:
    """Save ``nb`` through the server as JupyterLab saves a user's own notebook: its outputs
    marked trusted, so the server signs it and reopens it trusted."""
    own = copy.deepcopy(nb)
    # JupyterLab keeps no widget state in a saved notebook unless told to (nbclient does):
    # the widgets can only come from a kernel that still has their models
    own.metadata.pop("widgets", None)
    for cell in own.cells:
        if cell.cell_type == "code":
            cell.metadata["trusted"] = True
    body = json.dumps({"type": "notebook", "format": "json", "content": own}).encode()
    request = urllib.request.Request(lab.url(f"api/contents/{name}"), data=body, method="PUT",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status in (200, 201)


def _open_without_kernel(page, lab, path: str) -> None:
    open_lab(page, lab, f"lab/tree/{path}")
    # JupyterLab finds no such kernel and asks which to start: choose none
    assert wait_notebook_ready(page) == path
    page.locator(".jp-Dialog button", has_text="No Kernel").click(timeout=60_000)
    page.locator(".jp-Dialog").wait_for(state="detached")
    assert page.evaluate(
        "() => !window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel")


def _output_task(page, cell: int):
    """The task picture in the output of code cell ``cell``, scrolled into view first: the
    notebook renders only the cells near the viewport."""
    page.evaluate("i => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'start')",
                  cell)
    task = page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".jp-OutputArea .pa-task")
    task.wait_for(timeout=30_000)
    return task


def test_saved_outputs_show_tasks_with_spans_and_page_boxes_without_a_kernel(
        jupyter_lab, page, saved_notebook):
    _open_without_kernel(page, jupyter_lab, "saved_tasks.ipynb")
    colors = saved_notebook["scan"]["colors"]
    assert set(colors) == {"TITLE", "TERM"}
    for cell, name in ((1, "scan"), (2, "pdf")):
        saved, task = saved_notebook[name], _output_task(page, cell)
        if name == "scan":
            shot(page, "labext-05-saved-scan-no-kernel")
        figures = task.locator("figure.pa-task-page")
        assert figures.count() == len(saved["pages"]) == min(saved["n_pages"], 4)
        for p, page_data in enumerate(saved["pages"]):
            figure = figures.nth(p)
            img = figure.locator("img.pa-task-thumb")
            assert img.get_attribute("src") == "data:image/png;base64," + page_data["png"]
            assert img.evaluate("n => n.complete && n.naturalWidth") == page_data["width"]
            boxes = figure.locator(".pa-task-box")
            assert boxes.count() == len(page_data["boxes"])
            frame = img.bounding_box()
            scale = frame["width"] / page_data["width"]
            for b, box_data in enumerate(page_data["boxes"]):
                box = boxes.nth(b)
                assert box.get_attribute("data-label") == box_data["label"]
                assert box.evaluate("n => getComputedStyle(n).borderTopColor") == _hex_rgb(
                    colors[box_data["label"]])
                # drawn where the kernel put it, in the thumbnail's pixels (1 px of rounding)
                rect = box.bounding_box()
                assert abs(rect["x"] - frame["x"] - box_data["x"] * scale) <= 1.5
                assert abs(rect["y"] - frame["y"] - box_data["y"] * scale) <= 1.5
                assert abs(rect["width"] - box_data["w"] * scale) <= 1.5
        # page text below, with its spans
        assert task.locator("mark.pa-task-span").count() == len(saved["spans"])
        assert page.get_by_text("Error displaying widget").count() == 0
    assert "+ 13 more pages" in task.inner_text()
    assert sum(len(p["boxes"]) for p in saved_notebook["scan"]["pages"]) == 3
    shot(page, "labext-06-saved-pdf-no-kernel")

    text = _output_task(page, 3)
    assert text.locator("[data-testid='pa-task-text']").evaluate("n => n.textContent") == HOSTILE
    marks = text.locator("mark.pa-task-span")
    assert [marks.nth(k).text_content() for k in range(marks.count())] == ["Acme Corp", "Siemens"]
    assert marks.nth(0).evaluate("n => getComputedStyle(n).backgroundColor") == _hex_rgb(colors["TITLE"])
    assert marks.nth(1).evaluate("n => getComputedStyle(n).backgroundColor") == _hex_rgb(colors["TERM"])
    assert text.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shot(page, "labext-07-saved-text-no-kernel")
    # the dark theme: the header and text follow it; a label's text keeps its contrast
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme',"
                  " {theme: 'JupyterLab Dark'})")
    try:
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(500)  # the theme's stylesheet applies
        body_color = text.locator("[data-testid='pa-task-text']").evaluate(
            "n => getComputedStyle(n).color")
        assert _luminance(body_color) > 0.5, body_color  # light text on the dark page
        for k in range(marks.count()):
            fg, bg = marks.nth(k).evaluate(
                "n => [getComputedStyle(n).color, getComputedStyle(n).backgroundColor]")
            assert _contrast(fg, bg) >= 4.5, (fg, bg)
        shot(page, "labext-08-saved-text-dark")
        _output_task(page, 1)
        shot(page, "labext-09-saved-scan-dark")
    finally:
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme',"
                      " {theme: 'JupyterLab Light'})")
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")


def _assert_pictures(page, saved: dict) -> None:
    scan = _output_task(page, 1)
    boxes = sum(len(p["boxes"]) for p in saved["scan"]["pages"])
    assert scan.locator("figure.pa-task-page .pa-task-box").count() == boxes == 3
    assert scan.locator("img.pa-task-thumb").get_attribute("src").startswith("data:image/png;base64,")
    text = _output_task(page, 3)
    assert [m.text_content() for m in text.locator("mark.pa-task-span").all()] == [
        "Acme Corp", "Siemens"]
    assert page.get_by_text("Loading widget").count() == 0
    assert page.get_by_text("Error displaying widget").count() == 0


def test_own_trusted_notebook_shows_tasks_without_a_kernel(jupyter_lab, page, saved_notebook):
    """The user's own notebook is trusted, so JupyterLab picks the widget view: without a
    kernel the extension puts the task picture where the widget would be."""
    nb = copy.deepcopy(saved_notebook["notebook"])
    nb.metadata["kernelspec"] = {"name": "gone", "display_name": "Gone", "language": "gone"}
    nb.metadata["language_info"] = {"name": "gone"}
    _save_as_own(jupyter_lab, nb, "own_tasks.ipynb")
    _open_without_kernel(page, jupyter_lab, "own_tasks.ipynb")
    assert page.evaluate(
        "window.jupyterapp.shell.currentWidget.content.model.cells.get(1).trusted") is True
    _assert_pictures(page, saved_notebook)
    shot(page, "labext-10-own-notebook-no-kernel")


def test_own_notebook_with_a_new_kernel_shows_tasks_then_live_widgets(
        jupyter_lab, page, saved_notebook):
    """Reopened with a fresh kernel, the saved widgets' models are gone: task pictures; run
    again, the outputs are live widgets."""
    nb = copy.deepcopy(saved_notebook["notebook"])
    _save_as_own(jupyter_lab, nb, "own_tasks_kernel.ipynb")
    open_lab(page, jupyter_lab, "lab/tree/own_tasks_kernel.ipynb")
    wait_notebook_ready(page)
    wait_kernel_idle(page)
    _assert_pictures(page, saved_notebook)
    shot(page, "labext-11-own-notebook-new-kernel")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    live = page.locator(".jp-Notebook .jp-Cell").nth(3).locator("[data-testid='pl-lv']")
    page.evaluate("i => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'start')", 3)
    live.wait_for(timeout=120_000)
    assert page.locator(".jp-Notebook .jp-Cell").nth(3).locator(".pa-task").count() == 0
    shot(page, "labext-12-own-notebook-rerun-live")
