"""Two tutorials run top to bottom in a real JupyterLab (headless Chromium), with no errors.

03 (clinical text: one server with rules, assertion, classification and relations, a
LabelingView) and 04 (Visual NER: OCR of a scanned PDF, a 17-page digital-born PDF, matplotlib
plots, a LabelingView on page images). Every code cell must have run, no output may be an
error, the plots must be images and the widgets must have rendered.
"""

from __future__ import annotations

import pytest
from browser_fixtures import open_lab, shot, wait_kernel_idle, wait_notebook_ready

pytestmark = pytest.mark.browser

ALL_RAN_JS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    let pending = 0;
    for (let i = 0; i < cells.length; i++) {
        const c = cells.get(i);
        if (c.type === 'code' && !c.executionCount) pending++;
    }
    return pending === 0;
}"""

ERRORS_JS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const out = [];
    for (let i = 0; i < cells.length; i++) {
        const c = cells.get(i);
        if (c.type !== 'code') continue;
        for (let j = 0; j < c.outputs.length; j++) {
            const o = c.outputs.get(j).toJSON();
            if (o.output_type === 'error') out.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
        }
    }
    return out;
}"""


@pytest.mark.parametrize("notebook, images", [
    ("03_clinical_text.ipynb", 0),
    ("04_visual_ner.ipynb", 2),
])
def test_tutorial_runs_without_errors(jupyter_lab, page, notebook, images):
    open_lab(page, jupyter_lab, f"lab/tree/{notebook}")
    assert wait_notebook_ready(page) == notebook
    wait_kernel_idle(page)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_RAN_JS, timeout=300_000)
    wait_kernel_idle(page, timeout=300_000)
    assert page.evaluate(ERRORS_JS) == []
    panel = page.locator(".jp-NotebookPanel:visible")
    # the LabelingView rendered as a live widget, with its text or page
    panel.locator("[data-testid='pl-lv']").first.wait_for(timeout=60_000)
    if images:
        png = "image/png"
        n_png = page.evaluate(f"""() => {{
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            let n = 0;
            for (let i = 0; i < cells.length; i++) {{
                const c = cells.get(i);
                if (c.type !== 'code') continue;
                for (let j = 0; j < c.outputs.length; j++)
                    if ('{png}' in (c.outputs.get(j).toJSON().data || {{}})) n++;
            }}
            return n;
        }}""")
        assert n_png >= images
    shot(page, f"tutorial-{notebook.removesuffix('.ipynb')}")
