"""The prebuilt ``preannotate-lab`` extension, loaded by a real JupyterLab in Chromium."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from browser_fixtures import (
    NOTEBOOKS,
    REPO,
    open_lab,
    run_in_kernel,
    shot,
    wait_kernel_idle,
    wait_notebook_ready,
)

pytestmark = pytest.mark.browser

MIME = "application/vnd.preannotate.task+json"
# The emoji before the spans checks code-point offsets (Python's), not UTF-16 units.
HOSTILE = (
    '\U0001f4f0 Acme Corp <img src=x onerror="window.__pwned=1"> hired Jane Doe '
    "<script>window.__pwned=2</script> in Paris."
)


def _hostile_bundle(task_id: int) -> dict:
    org, person = HOSTILE.index("Acme Corp"), HOSTILE.index("Jane Doe")
    return {
        MIME: {
            "id": task_id,
            "title": "hostile <b>title</b>",
            "kind": "text",
            "text": HOSTILE,
            "spans": [
                {"start": org, "end": org + 9, "label": "ORG"},
                {"start": person, "end": person + 8, "label": "PERSON<i>"},
                {"start": 5, "end": 4000, "label": "OUT-OF-RANGE"},
            ],
            # a colour that is not a hex colour is not used; a "PNG" that is not base64 text
            # (here: markup closing the attribute) never becomes an image
            "colors": {"ORG": "red;background-image:url(https://example.invalid/x)"},
            "n_pages": 1,
            "pages": [{"index": 0, "width": 100, "height": 50,
                       "png": 'AAAA" onerror="window.__pwned=3',
                       "boxes": [{"x": 1, "y": 1, "w": 10, "h": 5, "label": "<b>ORG</b>"}]}],
        },
        "text/plain": f"<Task {task_id}>",
    }


def _notebook_with_output(bundle: dict) -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": "# output saved by someone else: this notebook is not trusted",
                "outputs": [{"output_type": "display_data", "data": bundle, "metadata": {}}],
            }
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_labextension_is_installed_and_enabled():
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True, text=True, check=True,
    )
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if "preannotate-lab " in ln]
    assert lines, (
        "the preannotate-lab extension is not installed: run `make setup-dev` "
        "(scripts/build_js.sh builds it; setup.sh links it into the venv)\n"
        + out.stdout + out.stderr
    )
    assert "enabled" in lines[0] and "OK" in lines[0], lines[0]


def test_launcher_card_opens_the_quickstart(jupyter_lab, page):
    open_lab(page, jupyter_lab)
    page.wait_for_function(
        "() => window.jupyterapp.commands.hasCommand('preannotate:open-quickstart')"
    )
    assert page.evaluate("window.jupyterapp.isPluginActivated('preannotate-lab:plugin')")
    card = page.locator(".jp-LauncherCard[title*='quickstart'], .jp-LauncherCard:has-text('Pre-annotate')")
    card.first.wait_for()
    shot(page, "labext-01-launcher")
    card.first.click()
    title = wait_notebook_ready(page)
    assert title == "01_quickstart.ipynb"
    # Cells render lazily (windowed notebook): count them in the model, not the DOM.
    n_cells = page.evaluate("window.jupyterapp.shell.currentWidget.content.model.cells.length")
    assert n_cells == len(json.loads((jupyter_lab.root / title).read_text())["cells"]) > 3
    shot(page, "labext-02-quickstart-opened")


def test_command_creates_a_starter_notebook_without_quickstart(jupyter_lab, page):
    quickstart = jupyter_lab.root / "01_quickstart.ipynb"
    hidden = jupyter_lab.root / "01_quickstart.ipynb.hidden"
    quickstart.rename(hidden)
    try:
        open_lab(page, jupyter_lab)
        page.wait_for_function(
            "() => window.jupyterapp.commands.hasCommand('preannotate:open-quickstart')"
        )
        path = page.evaluate(
            "window.jupyterapp.commands.execute('preannotate:open-quickstart')"
        )
        assert path.endswith(".ipynb") and path != "01_quickstart.ipynb"
        assert wait_notebook_ready(page) == path
        sources = page.evaluate(
            "Array.from(window.jupyterapp.shell.currentWidget.content.model.cells,"
            " c => c.sharedModel.getSource())"
        )
        # the starter that tests/test_starter_notebook.py executes, cell for cell
        starter = json.loads((REPO / "labextension" / "src" / "starter_notebook.json").read_text())
        assert sources == ["".join(c["source"]) for c in starter["cells"]]
        assert "pl.Project.open(PATH)" in sources[1] and sources[-1] == "pl.Lab(project)"
        editor = page.locator(".jp-NotebookPanel .jp-Cell .jp-InputArea-editor")
        editor.locator("text=pl.Project.create").first.wait_for()  # and the user sees it
        saved = json.loads((jupyter_lab.root / path).read_text())
        assert "import preannotate_lab as pl" in "".join(saved["cells"][1]["source"])
        (jupyter_lab.root / path).unlink()
    finally:
        hidden.rename(quickstart)


def test_task_renderer_keeps_hostile_html_inert_in_saved_output(jupyter_lab, page):
    (jupyter_lab.root / "hostile_output.ipynb").write_text(
        json.dumps(_notebook_with_output(_hostile_bundle(7)))
    )
    open_lab(page, jupyter_lab, "lab/tree/hostile_output.ipynb")
    body = page.locator(".pa-task [data-testid='pa-task-text']")
    body.wait_for(timeout=60_000)
    # The markup is there as characters, not as elements.
    assert page.locator(".pa-task img, .pa-task script, .pa-task b, .pa-task i").count() == 0
    text = body.evaluate("n => n.textContent")
    assert text == HOSTILE
    assert page.locator(".pa-task .pa-task-header").inner_text() == "Task 7 · hostile <b>title</b> · text"
    marks = page.locator(".pa-task mark.pa-task-span")
    assert marks.count() == 2  # the out-of-range span is dropped, not rendered
    assert marks.nth(0).evaluate("n => n.textContent") == "Acme Corp"
    assert marks.nth(1).evaluate("n => n.textContent") == "Jane Doe"
    assert marks.nth(1).get_attribute("data-label") == "PERSON<i>"
    org_style = marks.nth(0).get_attribute("style") or ""
    assert "url(" not in org_style and "red" not in org_style, org_style
    assert page.locator(".pa-task .pa-task-box").count() == 0  # no image, so no boxes on it
    assert page.locator(".pa-task .pa-task-page-missing").inner_text() == "no image"
    page.wait_for_timeout(300)  # give an onerror handler, if one existed, time to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shot(page, "labext-03-hostile-saved-output")


def test_task_renderer_renders_kernel_output_as_text(jupyter_lab, page):
    code = f"from IPython.display import display\ndisplay({_hostile_bundle(8)!r}, raw=True)"
    nb = _notebook_with_output({})
    nb["cells"][0].update(source=code, outputs=[], execution_count=None)
    (jupyter_lab.root / "hostile_live.ipynb").write_text(json.dumps(nb))
    open_lab(page, jupyter_lab, "lab/tree/hostile_live.ipynb")
    wait_kernel_idle(page)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    body = page.locator(".jp-OutputArea .pa-task [data-testid='pa-task-text']")
    body.wait_for(timeout=60_000)
    assert body.evaluate("n => n.textContent") == HOSTILE
    assert page.locator(".pa-task img, .pa-task script").count() == 0
    assert run_in_kernel(page, "print(1 + 1)").strip() == "2"  # the kernel ran it, still alive
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    shot(page, "labext-04-hostile-kernel-output")


def test_tutorial_card_copies_the_shipped_notebook_when_the_server_has_none(jupyter_lab, page):
    name = "05_prompts.ipynb"
    served = jupyter_lab.root / name
    hidden = jupyter_lab.root / f"{name}.hidden"
    served.rename(hidden)
    try:
        open_lab(page, jupyter_lab)
        page.evaluate("window.jupyterapp.commands.execute('launcher:create')")
        section = page.locator(".jp-Launcher-section", has_text="preannotate_lab tutorials")
        cards = section.locator(".jp-LauncherCard")
        cards.first.wait_for()
        assert cards.all_inner_texts() == [
            "01 Quickstart", "02 Rules and dictionaries", "03 Clinical text", "04 Visual NER",
            "05 Prompts and LLMs", "06 Servers and Dask", "07 Training",
            "08 Label Studio and quality"]
        shot(page, "labext-03-tutorial-cards", focus=section)
        section.locator(".jp-LauncherCard", has_text="05 Prompts").click()
        assert wait_notebook_ready(page, timeout=90_000) == name
        # copied from the package (here: the checkout's notebooks/), byte for byte
        assert served.read_bytes() == (NOTEBOOKS / name).read_bytes()
        # a second click opens the user's copy, never overwrites it
        served.write_text(served.read_text().replace("Prompts: zero-shot", "My prompts"))
        page.evaluate("window.jupyterapp.commands.execute('preannotate:open-tutorial',"
                      " {name: '05_prompts'})")
        assert "My prompts" in served.read_text()
    finally:
        served.unlink(missing_ok=True)
        hidden.rename(served)
