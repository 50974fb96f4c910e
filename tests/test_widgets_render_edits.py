"""The labeling view's new controls rendered in headless Chromium against the real widget
(see widgets_render.py): choice toggles, assertion select, relation picker limited to the
config, label hotkeys, Delete, Escape and page keys on a two-page document, the help text."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_widgets_edits import TEXT, config
from widgets_fixtures import make_project, ner_config
from widgets_render import CHROMIUM, Rendered

from preannotate_lab.model import Choice, Relation, Span, Task
from preannotate_lab.widgets import LabelingView

pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed", allow_module_level=True)




@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def select_text(page, word: str) -> None:
    """Select ``word`` in the task text with a real DOM range (as a mouse drag would)."""
    page.evaluate("""(word) => {
      const seg = [...document.querySelectorAll('[data-testid=pl-lv-seg]')].find(s => s.textContent.includes(word));
      const node = seg.firstChild; const at = node.data.indexOf(word);
      const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + word.length);
      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      document.querySelector('[data-testid=pl-lv]').focus();
    }""", word)


def test_choices_assertion_relations_and_keys_in_the_view(page, tmp_path):
    project = make_project(tmp_path / "render-edits.sqlite", [TEXT], config())
    view = LabelingView(project, 1)
    view.create_completion()
    rendered = Rendered(page, view)
    tid = "[data-testid={}]".format
    # help text lists the config's hotkeys
    help_text = page.locator(tid("pl-lv-help")).text_content()
    assert "p = PERSON" in help_text and "o = ORG" in help_text and "PageDown" in help_text
    # task-level choices: single replaces, multiple toggles
    page.click(f"{tid('pl-lv-choice-option')}[data-choices=sentiment][data-value=positive]")
    page.click(f"{tid('pl-lv-choice-option')}[data-choices=sentiment][data-value=negative]")
    page.click(f"{tid('pl-lv-choice-option')}[data-choices=topics][data-value=business]")
    page.wait_for_selector(f"{tid('pl-lv-choice-option')}[data-value=business][aria-pressed=true]")
    assert page.get_attribute(f"{tid('pl-lv-choice-option')}[data-value=positive]", "aria-pressed") == "false"
    assert page.get_attribute(f"{tid('pl-lv-choice-option')}[data-value=negative]", "aria-pressed") == "true"
    # hotkeys label the selection: p -> PERSON, o -> ORG; GPE through the palette
    select_text(page, "Angela Merkel")
    page.keyboard.press("p")
    page.wait_for_selector(f"{tid('pl-lv-span-tag')}:text('PERSON')")
    select_text(page, "Siemens")
    page.keyboard.press("o")
    page.wait_for_selector(f"{tid('pl-lv-span-tag')}:text('ORG')")
    page.click(f"{tid('pl-lv-label')}[data-label=GPE]")
    select_text(page, "Berlin")
    page.dispatch_event(tid("pl-lv-text"), "mouseup")
    page.wait_for_selector(f"{tid('pl-lv-span-tag')}:text('GPE')")
    # assertion and a per-span choice on the selected PERSON span
    page.click(f"{tid('pl-lv-span-tag')}:text('PERSON')")
    # an assertion label of the palette acts on the selected span: set, then clear
    page.click(f"{tid('pl-lv-label')}[data-label=absent]")
    page.wait_for_selector(f"{tid('pl-lv-assertion')}:text('absent')")
    page.click(f"{tid('pl-lv-label')}[data-label=absent]")
    page.wait_for_selector(tid("pl-lv-assertion"), state="detached")
    assert all(r["kind"] != "span" or r["label"] != "absent" for r in view.results)  # no span labelled
    page.select_option(tid("pl-lv-assertion-select"), "family")
    page.wait_for_selector(f"{tid('pl-lv-assertion')}:text('family')")
    page.click(f"{tid('pl-lv-span-toolbar')} {tid('pl-lv-choice-option')}[data-value=unsure]")
    page.wait_for_selector(f"{tid('pl-lv-span-toolbar')} {tid('pl-lv-choice-option')}[data-value=unsure][aria-pressed=true]")
    assert page.locator(f"{tid('pl-lv-span-toolbar')} {tid('pl-lv-relation-label')}").count() == 0  # config has <Relations>
    # PERSON -> ORG: only works_for fits, created directly
    page.click(tid("pl-lv-relate"))
    page.locator(f"{tid('pl-lv-seg')}.pl-mark", has_text="Siemens").click()
    page.wait_for_selector(tid("pl-lv-arc"), state="attached")
    # GPE -> ORG: located_in (turned around) and near (both ways) fit: the user picks
    page.click(f"{tid('pl-lv-span-tag')}:text('GPE')")
    page.click(tid("pl-lv-relate"))
    page.locator(f"{tid('pl-lv-seg')}.pl-mark", has_text="Siemens").click()
    pick = page.locator(tid("pl-lv-relation-pick"))
    pick.wait_for()
    assert pick.locator("option").all_text_contents() == ["located_in", "near (both ways)"]
    pick.select_option(label="near (both ways)")
    page.click(tid("pl-lv-relation-create"))
    page.wait_for_function("document.querySelectorAll('[data-testid=pl-lv-arc]').length === 2")
    page.click(tid("pl-lv-save"))
    page.wait_for_function("document.querySelector('[data-testid=pl-lv-save]').disabled")
    stored = project.completions(1)[0].results
    spans = {r.text: r for r in stored if isinstance(r, Span)}
    assert spans["Angela Merkel"].assertion == "family" and spans["Siemens"].label == "ORG"
    choices = {(c.from_name, c.labels, c.span_id) for c in stored if isinstance(c, Choice)}
    assert choices == {("sentiment", ("negative",), None), ("topics", ("business",), None),
                       ("certainty", ("unsure",), spans["Angela Merkel"].id)}
    relations = {(r.label, r.from_id, r.to_id, r.direction) for r in stored if isinstance(r, Relation)}
    assert relations == {("works_for", spans["Angela Merkel"].id, spans["Siemens"].id, "right"),
                         ("near", spans["Berlin"].id, spans["Siemens"].id, "bi")}
    # Delete removes the selected span (and its relation); Escape drops a selection
    page.click(f"{tid('pl-lv-span-tag')}:text('GPE')")
    page.keyboard.press("Escape")
    assert page.locator(tid("pl-lv-span-toolbar")).is_hidden()
    page.click(f"{tid('pl-lv-span-tag')}:text('GPE')")
    page.keyboard.press("Delete")
    page.wait_for_function("![...document.querySelectorAll('[data-testid=pl-lv-span-tag]')].some(t => t.textContent.startsWith('GPE'))")
    assert not any(r["kind"] == "relation" and r["label"] == "near" for r in view.results)
    assert rendered.errors == []
    project.close()


def test_page_keys_move_through_a_document(page, tmp_path):
    from PIL import Image, ImageDraw

    pages = []
    for number in (1, 2, 3):
        image = Image.new("RGB", (850, 1100), "white")
        ImageDraw.Draw(image).text((100, 100), f"Page {number} of the memo", fill="black")
        pages.append(image)
    pdf = tmp_path / "three-pages.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=100)
    project = make_project(tmp_path / "pages.sqlite", [], ner_config(["PERSON"]))
    [task_id] = project.add_tasks([Task({"document": str(pdf)}, kind="document")])
    view = LabelingView(project, task_id)
    rendered = Rendered(page, view)
    info = page.locator("[data-testid=pl-lv-page-info]")
    info.wait_for()
    page.focus("[data-testid=pl-lv]")
    for key, expected in (("PageDown", 2), ("ArrowRight", 3), ("PageDown", 3), ("ArrowLeft", 2),
                          ("PageUp", 1), ("End", 3), ("Home", 1)):
        page.keyboard.press(key)
        page.wait_for_function(f"document.querySelector('[data-testid=pl-lv-page-info]').textContent === 'page {expected} of 3'")
        assert view.page == expected - 1, key
    assert rendered.errors == []
    project.close()


def test_config_builder_adds_and_removes_choices_and_relations(page, tmp_path):
    from preannotate_lab.widgets import ConfigBuilder

    project = make_project(tmp_path / "builder.sqlite", [TEXT], ner_config(["PERSON", "ORG"]))
    builder = ConfigBuilder(project)
    rendered = Rendered(page, builder)
    tid = "[data-testid={}]".format
    page.fill(tid("pl-config-choices-name"), "sentiment")
    page.fill(tid("pl-config-choices-values"), "positive, negative, neutral")
    page.select_option(tid("pl-config-choices-mode"), "multiple")
    page.click(tid("pl-config-choices-add"))
    page.wait_for_selector(f"{tid('pl-config-choices')}[data-choices=sentiment] {tid('pl-config-choice')}[data-value=neutral]")
    assert page.input_value(tid("pl-config-choices-values")) == ""  # cleared after adding
    page.click(f"{tid('pl-config-choice')}[data-value=negative] {tid('pl-config-choice-remove')}")
    page.wait_for_selector(f"{tid('pl-config-choice')}[data-value=negative]", state="detached")
    page.fill(tid("pl-config-relation-value"), "works_for")
    page.fill(tid("pl-config-relation-allowed"), "PERSON>ORG")
    page.click(tid("pl-config-relation-add"))
    page.wait_for_selector(f"{tid('pl-config-relation')}[data-relation=works_for]")
    page.fill(tid("pl-config-relation-value"), "treats")
    page.fill(tid("pl-config-relation-allowed"), "DRUG>PERSON")
    page.click(tid("pl-config-relation-add"))
    page.wait_for_selector(f"{tid('pl-message')}:text('DRUG')")
    assert page.input_value(tid("pl-config-relation-value")) == "treats"  # kept to fix it
    ARTIFACTS = Path(__file__).parent.parent / "artifacts" / "widgets"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "config-builder-choices-relations.png"), full_page=True)
    page.click(tid("pl-config-save"))
    page.wait_for_selector(f"{tid('pl-message')}:text('saved config')")
    assert [c.choices for c in project.config.choices] == [("positive", "neutral")]
    assert project.config.choices[0].choice == "multiple"
    assert [(r.value, [str(p) for p in r.allowed]) for r in project.config.relations] == [("works_for", ["PERSON>ORG"])]
    assert rendered.errors == []
    project.close()
