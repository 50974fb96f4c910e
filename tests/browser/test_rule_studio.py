"""The rule studio widget in a real JupyterLab (real kernel, headless Chromium): type a regex,
see the statistics the kernel computed, a catastrophic pattern stopped with the task that
caused it, switch to a dictionary, save it into a rule set and
deploy it; the rules library and the project's config are then read back in the kernel.
Screenshots go to artifacts/browser/rule-studio-*.png.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from browser_fixtures import open_lab, run_in_kernel, shot, wait_kernel_idle, wait_notebook_ready

pytestmark = pytest.mark.browser

NOTEBOOK = "rule_studio.ipynb"


def _tid(name: str) -> str:
    return f"[data-testid='{name}']"


def _write_notebook(root) -> None:
    setup = (
        "import json\n"
        "from importlib.resources import files\n"
        "import preannotate_lab as pl\n"
        "lines = (files('preannotate_lab') / 'data' / 'sample_tasks.jsonl').read_text('utf-8').splitlines()\n"
        "project = pl.Project.create('studio.sqlite')\n"
        "project.add_tasks([pl.Task(json.loads(line)['data']) for line in lines])\n"
        "project.add_tasks([pl.Task({'text': 'a' * 3000 + 'b'})])  # where (a+)+$ backtracks\n"
        "widget = pl.RuleStudioWidget(project)"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell("widget")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / NOTEBOOK)


def test_type_a_rule_see_its_statistics_save_and_deploy(jupyter_lab, page):
    _write_notebook(jupyter_lab.root)
    open_lab(page, jupyter_lab, f"lab/tree/{NOTEBOOK}")
    assert wait_notebook_ready(page) == NOTEBOOK
    wait_kernel_idle(page)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    studio = page.locator(_tid("pl-rs"))
    studio.wait_for(timeout=120_000)
    assert "21 text tasks" in studio.inner_text()

    studio.locator(_tid("pl-rs-label")).fill("AMOUNT")
    studio.locator(_tid("pl-rs-pattern")).fill(r"\$[\d.]+ (?:million|billion)")
    summary = studio.locator(_tid("pl-rs-summary"))
    page.wait_for_function("(el) => /hits? in/.test(el.textContent)", arg=summary.element_handle(),
                           timeout=60_000)
    expected = json.loads(run_in_kernel(page, (
        "import json\n"
        "s = widget.studio.stats(pl.Rule.regex('draft', r'\\$[\\d.]+ (?:million|billion)', 'AMOUNT'))\n"
        "print(json.dumps([s.hits, s.tasks_with_hits, [m['match'] for m in s.matches]]))")))
    hits, tasks, matched = expected
    assert hits == 4 and summary.inner_text().startswith(f"{hits} hits in {tasks} of 21 tasks")
    rows = studio.locator(_tid("pl-rs-match"))
    assert rows.count() == hits
    assert [rows.nth(i).locator(".pl-rs-hit").inner_text() for i in range(hits)] == matched
    shot(page, "rule-studio-regex", studio)

    # a catastrophic pattern: the kernel's timeout message on the status line, no hang
    studio.locator(_tid("pl-rs-pattern")).fill("(a+)+$")
    message = studio.locator(_tid("pl-message"))
    message.filter(has_text="timed out after 0.5 s on task").wait_for(timeout=60_000)
    assert "backtracks catastrophically" in message.inner_text()
    shot(page, "rule-studio-timeout", studio)

    # a dictionary, saved and deployed
    studio.locator(_tid("pl-rs-type")).select_option("dictionary")
    studio.locator(_tid("pl-rs-name")).fill("cities")
    studio.locator(_tid("pl-rs-label")).fill("CITY")
    studio.locator(_tid("pl-rs-keywords")).fill("London\nParis\nNew York\nTokyo\nBerlin")
    page.wait_for_function("(el) => /^6 hits in 6 of 21 tasks/.test(el.textContent)",
                           arg=summary.element_handle(), timeout=60_000)
    assert studio.locator(_tid("pl-rs-label-hits")).inner_text() == "CITY 6"
    studio.locator(_tid("pl-rs-ruleset")).fill("places")
    studio.locator(_tid("pl-rs-save")).click()
    message.filter(has_text="saved rule 'cities' in rule set 'places'").wait_for(timeout=30_000)
    studio.locator(_tid("pl-rs-deploy")).click()
    message.filter(has_text="deployed server").wait_for(timeout=120_000)
    shot(page, "rule-studio-deployed", studio)
    state = json.loads(run_in_kernel(page, (
        "import json\n"
        "print(json.dumps([[r.name for r in pl.hub.rules.get('places').rules], project.config.models,"
        " [s.name for s in pl.servers.deployed()]]))")))
    assert state[0] == ["cities"] and state[1] == {"places": ["CITY"]} and len(state[2]) == 1
    errors = [m for m in page.console_messages if m.startswith("pageerror")]
    assert not errors, errors
