"""The labeling view in a real JupyterLab (real kernel, headless Chromium): screenshots of a text
task and a document task in the light and the dark theme at 1400 and 900 px, and the review
flow done with the keyboard only — open a task, accept the prediction without a rejected
region, fix one span's label by number key, go to the next task — checked in the project's
SQLite file from this process.

Screenshots go to artifacts/browser/labeling-*.png.
"""

from __future__ import annotations

from dataclasses import replace

import nbformat
import pypdfium2 as pdfium
import pytest
from browser_fixtures import (
    ARTIFACTS,
    open_lab,
    run_in_kernel,
    wait_kernel_idle,
    wait_notebook_ready,
)
from ocr_fixtures import digital_pdf

import preannotate_lab as pl
from preannotate_lab.documents import document_for
from preannotate_lab.widgets._labeling_edit import tokens_span

pytestmark = pytest.mark.browser

CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="PERSON" background="#8dd3c7"/>
    <Label value="ORG" background="#fdb462"/>
    <Label value="GPE" background="#6a51a3"/>
    <Label value="DATE" background="#fb8072"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""
TEXTS = [
    "Angela Merkel met Satya Nadella of Microsoft in Berlin on Tuesday to discuss a new data "
    "centre. Siemens and the city council joined the talks, which ran until late in the evening.",
    "Apple opened a store in Paris on 3 May 2024; Tim Cook cut the ribbon.",
    "The Acme Corp board met in Geneva.",
]


def _tid(name: str) -> str:
    return f"[data-testid='{name}']"


def _span(text: str, word: str, label: str, confidence: float | None, source: str) -> pl.Span:
    start = text.index(word)
    return pl.Span(start, start + len(word), label, word, confidence=confidence, source=source)


def _make_project(root) -> dict[str, int]:
    """Three text tasks with predictions (confidences and sources) and a 3-page PDF task with
    predicted boxes; returns their ids."""
    source = pdfium.PdfDocument(str(digital_pdf()))
    pdf = pdfium.PdfDocument.new()
    pdf.import_pages(source, [0, 1, 2])
    pdf_path = root / "spec-3-pages.pdf"
    pdf.save(str(pdf_path))
    project = pl.Project.create(root / "review.sqlite", pl.LabelingConfig.from_xml(CONFIG))
    ids = project.add_tasks([pl.Task(data={"text": t}) for t in TEXTS])
    [doc_id] = project.add_tasks([pl.Task({"document": str(pdf_path)}, kind="document")])
    a, b, c = TEXTS
    predictions = [
        pl.Prediction(ids[0], (
            _span(a, "Angela Merkel", "PERSON", 0.98, "en_core_web_sm"),
            _span(a, "Satya Nadella", "PERSON", 0.93, "en_core_web_sm"),
            _span(a, "Microsoft", "PERSON", 0.46, "en_core_web_sm"),  # wrong: fixed in review
            _span(a, "Berlin", "GPE", 0.97, "en_core_web_sm"),
            _span(a, "Tuesday", "DATE", 0.31, "en_core_web_sm"),  # rejected in review
            _span(a, "Siemens", "ORG", None, "companies"),
        ), "ner-1"),
        pl.Prediction(ids[1], (_span(b, "Apple", "ORG", 0.9, "ner"), _span(b, "Paris", "GPE", 0.8, "ner")), "ner-1"),
        pl.Prediction(ids[2], (_span(c, "Acme Corp", "ORG", 0.7, "ner"),), "ner-1"),
    ]
    document = document_for(project.get_task(doc_id), project=project)
    first = [i for i, t in enumerate(document.tokens) if t.box is not None and t.box.page == 0]
    labels = ("ORG", "PERSON", "DATE", "GPE")
    boxes = [tokens_span(document, first[k:k + 2], labels[(k // 6) % 4]) for k in range(0, min(len(first), 60), 6)]
    boxes = [replace(s, confidence=0.5 + (k % 5) / 10, source="layout-ner") for k, s in enumerate(boxes)]
    predictions.append(pl.Prediction(doc_id, tuple({s.id: s for s in boxes}.values()), "ner-1"))
    project.add_predictions(predictions)
    project.close()
    return {"text": ids[0], "second": ids[1], "doc": doc_id}


def _notebook(root, name: str, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / name)


def _open(page, jupyter_lab, name: str) -> None:
    open_lab(page, jupyter_lab, f"lab/tree/{name}")
    assert wait_notebook_ready(page) == name
    wait_kernel_idle(page)
    page.evaluate("window.jupyterapp.shell.collapseLeft()")  # the notebook gets the width
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def _theme(page, name: str) -> None:
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name)
    page.wait_for_function("(t) => document.body.dataset.jpThemeName === t", arg=name, timeout=30_000)
    page.wait_for_timeout(300)  # the theme's CSS variables apply on the next frame


def test_labeling_view_screenshots_in_both_themes_and_widths(jupyter_lab, page):
    ids = _make_project(jupyter_lab.root)
    _notebook(jupyter_lab.root, "labeling_shots.ipynb", [
        "import preannotate_lab as pl\nproject = pl.Project.open('review.sqlite')\n"
        f"text_view = pl.LabelingView(project, {ids['text']})\ndoc_view = pl.LabelingView(project, {ids['doc']})",
        "text_view",
        "doc_view",
    ])
    _open(page, jupyter_lab, "labeling_shots.ipynb")
    views = page.locator(_tid("pl-lv"))
    views.nth(1).locator(_tid("pl-lv-page-image")).wait_for(timeout=120_000)
    text_view, doc_view = views.nth(0), views.nth(1)
    text_view.locator(_tid("pl-lv-region")).first.wait_for()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = []
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            _theme(page, theme)
            for width in (1400, 900):
                page.set_viewport_size({"width": width, "height": 1000})
                page.wait_for_timeout(400)  # the panel re-lays out; the page view re-fits
                for kind, view in (("text", text_view), ("document", doc_view)):
                    view.scroll_into_view_if_needed()
                    if kind == "document":
                        page.wait_for_function(
                            "(el) => { const i = el.querySelector('[data-testid=pl-lv-page-image]');"
                            " return i && i.complete && i.naturalWidth > 0; }", arg=view.element_handle())
                    # the view fits its panel: nothing sticks out to the right
                    overflow = view.evaluate("(el) => el.scrollWidth - el.clientWidth")
                    assert overflow <= 1, f"{kind} view overflows by {overflow}px at {width}px ({theme})"
                    name = f"labeling-{kind}-{'dark' if 'Dark' in theme else 'light'}-{width}"
                    view.screenshot(path=str(ARTIFACTS / f"{name}.png"))
                    shots.append(name)
                # the title is one line, ellipsised, with the full title as a tooltip
                title = doc_view.locator(_tid("pl-lv-title"))
                assert title.evaluate("(el) => getComputedStyle(el).whiteSpace") == "nowrap"
                # text on label chips is readable in this theme too
                chip = text_view.locator(".pl-lv-chip").first
                assert chip.evaluate("(el) => getComputedStyle(el).color") in ("rgb(0, 0, 0)", "rgb(255, 255, 255)")
            # theme variables reach the view: its background follows the theme
            bg = text_view.evaluate("(el) => getComputedStyle(el).backgroundColor")
            assert (bg == "rgb(255, 255, 255)") == ("Light" in theme), (theme, bg)
    finally:
        _theme(page, "JupyterLab Light")
    assert len(shots) == 8
    regions = text_view.locator(_tid("pl-lv-region"))
    assert regions.count() == 6 and regions.locator(_tid("pl-lv-region-lock")).count() == 6
    errs = [m for m in page.console_messages if m.startswith("pageerror")]
    assert not errs, errs


def test_review_flow_with_the_keyboard_only(jupyter_lab, page):
    if not (jupyter_lab.root / "review.sqlite").exists():
        _make_project(jupyter_lab.root)
    with pl.Project.open(jupyter_lab.root / "review.sqlite") as project:
        task_id = project.task_ids()[0]
        before = len(project.completions(task_id))
    _notebook(jupyter_lab.root, "labeling_keys.ipynb", [
        f"import preannotate_lab as pl\nview = pl.LabelingView(pl.Project.open('review.sqlite'), {task_id})",
        "view",
    ])
    _open(page, jupyter_lab, "labeling_keys.ipynb")
    view = page.locator(_tid("pl-lv"))
    view.locator(_tid("pl-lv-region")).first.wait_for(timeout=120_000)
    assert view.get_attribute("data-shown").startswith("prediction:")
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    view.focus()  # the keyboard's way in: the view is a focusable region (Tab reaches it too)
    keys = page.keyboard

    def focused(text: str) -> None:
        """Wait until the region showing ``text`` has the focus (redraws follow kernel replies)."""
        view.locator(f"{_tid('pl-lv-region')}[aria-selected=true]", has_text=text).wait_for(timeout=10_000)

    # walk: accept Merkel and Nadella, pass Microsoft, reject "Tuesday"
    keys.press("ArrowDown")
    focused("Angela Merkel")
    keys.press("Enter")
    keys.press("Enter")
    focused("Microsoft")
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    focused("Tuesday")
    keys.press("Delete")
    view.locator(f"{_tid('pl-lv-region')}[data-mark=rejected]", has_text="Tuesday").wait_for()
    # accept the prediction as a completion, without the rejected region
    keys.press("Control+Enter")
    page.wait_for_function("(el) => (el.getAttribute('data-shown') || '').startsWith('completion:')",
                           arg=view.element_handle())
    completion_id = int(view.get_attribute("data-shown").split(":")[1])
    assert view.locator(_tid("pl-lv-region"), has_text="Tuesday").count() == 0
    assert view.locator(_tid("pl-lv-region-lock")).count() == 0  # a completion is editable
    # fix Microsoft: PERSON -> ORG (the second label of the config)
    keys.press("ArrowDown")
    focused("Angela Merkel")  # ↓ starts at the completion's first region
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    focused("Microsoft")
    keys.press("2")
    view.locator(f"{_tid('pl-lv-region')}[data-label=ORG]", has_text="Microsoft").wait_for()
    view.locator(_tid("pl-lv-dirty")).wait_for()
    focused("Microsoft")  # the fixed region keeps the focus
    # next task to review: saves first
    keys.press("Shift+N")
    page.wait_for_function(f"(el) => el.getAttribute('data-task-id') !== '{task_id}'", arg=view.element_handle())
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells, "a key reached JupyterLab"
    next_id = int(view.get_attribute("data-task-id"))

    with pl.Project.open(jupyter_lab.root / "review.sqlite") as project:
        completions = project.completions(task_id)
        assert len(completions) == before + 1
        stored = project.get_completion(completion_id)
        labels = {r.text: r.label for r in stored.results if isinstance(r, pl.Span)}
        assert labels == {"Angela Merkel": "PERSON", "Satya Nadella": "PERSON", "Microsoft": "ORG",
                          "Berlin": "GPE", "Siemens": "ORG"}
        # the next task to review is the next one without a completion
        assert next_id > task_id and not project.completions(next_id)
    assert run_in_kernel(page, "print(view.dirty)").strip() == "False"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    view.screenshot(path=str(ARTIFACTS / "labeling-review-next-task.png"))
    # "?" opens the keyboard help, Escape closes it
    keys.press("Shift+?")
    help_popover = view.locator(_tid("pl-lv-help"))
    help_popover.wait_for()
    assert "Ctrl+Enter" in help_popover.inner_text() and "1 = PERSON" in help_popover.inner_text()
    view.screenshot(path=str(ARTIFACTS / "labeling-help.png"))
    keys.press("Escape")
    help_popover.wait_for(state="hidden")
    errs = [m for m in page.console_messages if m.startswith("pageerror")]
    assert not errs, errs
