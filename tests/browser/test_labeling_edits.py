"""Edit a completion's choice, assertion and relation in the labeling view inside a real
JupyterLab (real kernel, headless Chromium), then read the project's SQLite file from this
process. Also checks that the view's keys (a label hotkey "a", Delete, arrows) stay in the view:
JupyterLab must not insert a cell above when "a" labels a selection.
Screenshots go to artifacts/browser/edits-*.png.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from browser_fixtures import open_lab, run_in_kernel, shot, wait_kernel_idle, wait_notebook_ready

import preannotate_lab as pl

pytestmark = pytest.mark.browser

NOTEBOOK = "labeling_edits.ipynb"
TEXT = "Angela Merkel works for Siemens in Berlin. Her mother had no fever."
CONFIG = """<View>
  <Relations>
    <Relation value="works_for" allowed="PERSON>ORG"/>
    <Relation value="located_in" allowed="ORG>GPE"/>
    <Relation value="near" allowed="ORG<>GPE"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="PERSON" hotkey="a" background="#8dd3c7"/>
    <Label value="ORG" hotkey="o" background="#fdb462"/>
    <Label value="GPE" background="#bebada"/>
    <Label value="SYMPTOM" background="#fb8072"/>
    <Label value="absent" assertion="true" background="#cccccc"/>
    <Label value="family" assertion="true" background="#dddddd"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/><Choice value="negative"/>
  </Choices>
</View>"""


def _tid(name: str) -> str:
    return f"[data-testid='{name}']"


def _write_notebook(root) -> None:
    setup = (
        "import preannotate_lab as pl\n"
        f"project = pl.Project.create('edits.sqlite', pl.LabelingConfig.from_xml({CONFIG!r}))\n"
        f"[task_id, other_id] = project.add_tasks([pl.Task(data={{'text': {TEXT!r}}}), "
        "pl.Task(data={'text': 'Another task.'})])\n"
        "view = pl.LabelingView(project, task_id)\n"
        "view.create_completion()"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell("view")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / NOTEBOOK)


def _select(page, view, word: str) -> None:
    """Select ``word`` of the task text with a real DOM range, as a mouse drag does."""
    view.locator(_tid("pl-lv-text")).evaluate("""(box, word) => {
      const seg = [...box.querySelectorAll('[data-testid=pl-lv-seg]')].find(s => s.textContent.includes(word));
      const node = seg.firstChild; const at = node.data.indexOf(word);
      const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + word.length);
      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      box.closest('[data-testid=pl-lv]').focus();
    }""", word)


def test_edit_choice_assertion_and_relation_in_jupyterlab(jupyter_lab, page):
    _write_notebook(jupyter_lab.root)
    open_lab(page, jupyter_lab, f"lab/tree/{NOTEBOOK}")
    assert wait_notebook_ready(page) == NOTEBOOK
    wait_kernel_idle(page)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    view = page.locator(_tid("pl-lv"))
    view.locator(_tid("pl-lv-text")).wait_for(timeout=120_000)
    page.wait_for_function("(el) => (el.getAttribute('data-shown') || '').startsWith('completion:')",
                           arg=view.element_handle())
    completion_id = int(view.get_attribute("data-shown").split(":")[1])
    cells_before = page.locator(".jp-Notebook .jp-Cell").count()

    # label with hotkeys: "a" would insert a cell above in JupyterLab if the view let it through
    _select(page, view, "Angela Merkel")
    page.keyboard.press("a")
    view.locator(_tid("pl-lv-span-tag"), has_text="PERSON").wait_for()
    _select(page, view, "Siemens")
    page.keyboard.press("o")
    view.locator(_tid("pl-lv-span-tag"), has_text="ORG").wait_for()
    view.locator(f"{_tid('pl-lv-label')}[data-label='GPE']").click()
    _select(page, view, "Berlin")
    view.locator(_tid("pl-lv-text")).dispatch_event("mouseup")
    view.locator(_tid("pl-lv-span-tag"), has_text="GPE").wait_for()
    view.locator(f"{_tid('pl-lv-label')}[data-label='SYMPTOM']").click()
    _select(page, view, "fever")
    view.locator(_tid("pl-lv-text")).dispatch_event("mouseup")
    view.locator(_tid("pl-lv-span-tag"), has_text="SYMPTOM").wait_for()
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells_before, "a key reached JupyterLab"

    # a task-level choice
    view.locator(f"{_tid('pl-lv-choice-option')}[data-choices='sentiment'][data-value='negative']").click()
    view.locator(f"{_tid('pl-lv-choice-option')}[data-value='negative'][aria-pressed='true']").wait_for()

    # the assertion of "fever": absent
    view.locator(_tid("pl-lv-span-tag"), has_text="SYMPTOM").click()
    view.locator(_tid("pl-lv-assertion-select")).select_option("absent")
    view.locator(_tid("pl-lv-assertion"), has_text="absent").wait_for()

    # relations: PERSON -> ORG offers only works_for (created at once); GPE -> ORG offers two
    view.locator(_tid("pl-lv-span-tag"), has_text="PERSON").click()
    assert view.locator(_tid("pl-lv-relation-label")).count() == 0  # no free text: config has <Relations>
    view.locator(_tid("pl-lv-relate")).click()
    view.locator(".pl-mark", has_text="Siemens").click()
    view.locator(_tid("pl-lv-arc")).first.wait_for(state="attached")
    view.locator(_tid("pl-lv-span-tag"), has_text="GPE").click()
    view.locator(_tid("pl-lv-relate")).click()
    view.locator(".pl-mark", has_text="Siemens").click()
    pick = view.locator(_tid("pl-lv-relation-pick"))
    pick.wait_for()
    assert pick.locator("option").all_text_contents() == ["located_in", "near (both ways)"]
    shot(page, "edits-01-relation-pick", focus=view)
    pick.select_option(label="located_in")
    view.locator(_tid("pl-lv-relation-create")).click()
    page.wait_for_function("(el) => el.querySelectorAll('[data-testid=pl-lv-arc]').length === 2",
                           arg=view.element_handle())
    # a relation the config does not allow is never offered: PERSON -> GPE
    view.locator(_tid("pl-lv-span-tag"), has_text="PERSON").click()
    view.locator(_tid("pl-lv-relate")).click()
    view.locator(".pl-mark", has_text="Berlin").click()
    view.locator(_tid("pl-message"), has_text="no relation of the config links PERSON and GPE").wait_for()
    shot(page, "edits-02-edited", focus=view)

    view.locator(_tid("pl-lv-save")).click()
    view.locator(_tid("pl-message"), has_text=f"completion {completion_id} saved").wait_for()
    shot(page, "edits-03-saved", focus=view)

    # -- the store, read from this process ---------------------------------------------------------
    with pl.Project.open(jupyter_lab.root / "edits.sqlite") as project:
        results = project.get_completion(completion_id).results
    spans = {r.text: r for r in results if isinstance(r, pl.Span)}
    assert {t: s.label for t, s in spans.items()} == {
        "Angela Merkel": "PERSON", "Siemens": "ORG", "Berlin": "GPE", "fever": "SYMPTOM"}
    assert spans["fever"].assertion == "absent" and spans["Siemens"].assertion is None
    choices = [(c.from_name, c.labels) for c in results if isinstance(c, pl.Choice)]
    assert choices == [("sentiment", ("negative",))]
    relations = {(r.label, r.from_id, r.to_id, r.direction) for r in results if isinstance(r, pl.Relation)}
    assert relations == {
        ("works_for", spans["Angela Merkel"].id, spans["Siemens"].id, "right"),
        ("located_in", spans["Siemens"].id, spans["Berlin"].id, "right"),  # the config's direction
    }

    # Delete in JupyterLab removes the selected span (not a notebook cell)
    view.locator(_tid("pl-lv-span-tag"), has_text="SYMPTOM").click()
    page.keyboard.press("Delete")
    page.wait_for_function(
        "(el) => ![...el.querySelectorAll('[data-testid=pl-lv-span-tag]')].some(t => t.textContent.startsWith('SYMPTOM'))",
        arg=view.element_handle())
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells_before
    kernel_results = json.loads(run_in_kernel(
        page, "import json; print(json.dumps(sorted(r['kind'] for r in view.results)))"))
    assert kernel_results == ["choice", "relation", "relation", "span", "span", "span"]
    # an error on the status line does not follow the user to the next task
    view.locator(_tid("pl-lv-span-tag"), has_text="PERSON").click()
    view.locator(_tid("pl-lv-relate")).click()
    view.locator(".pl-mark", has_text="Berlin").click()
    message = view.locator(_tid("pl-message"))
    message.filter(has_text="no relation of the config").wait_for()
    other_id = run_in_kernel(page, "print(other_id)").strip()
    run_in_kernel(page, "view.load(other_id)")
    page.wait_for_function(f"(el) => el.getAttribute('data-task-id') === '{other_id}'",
                           arg=view.element_handle())
    message.wait_for(state="hidden")
    assert view.locator(_tid("pl-lv-span-toolbar")).is_hidden()
    errs = [m for m in page.console_messages if m.startswith("pageerror")]
    assert not errs, errs
