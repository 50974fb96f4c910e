"""ConfigBuilder adds hub resources of every kind so that a server deploys and runs them.

Real hub resources (spaCy NER, a keyword classifier, a relation rule resource), the builder's
request handlers as the browser calls them, a real SQLite project and the kernel's servers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from widgets_fixtures import (
    MODEL,
    frontend_request,
    make_project,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
)

import preannotate_lab as pl
from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.model import Choice, Relation, Span
from preannotate_lab.resources import hub
from preannotate_lab.widgets import ConfigBuilder

pytestmark = pytest.mark.usefixtures("recording")

TEXTS = [
    "Tim Cook works for Apple in California. Apple reported record profits and strong sales.",
    "Satya Nadella of Microsoft said it was a weak quarter with a loss.",
    "The weather in Paris was mild.",
]


@pytest.fixture(scope="module", autouse=True)
def resources():
    hub.add({"name": "tone_cb", "factory": "keyword_classifier", "config": {"keywords": {
        "good": ["great", "strong", "record"], "bad": ["weak", "loss", "fraud"]}}}, overwrite=True)
    hub.add({"name": "org_rel_cb", "factory": "relations", "config": {"relations": [
        {"label": "works_for", "allowed": "PERSON>ORG"},
        {"label": "based_in", "allowed": "ORG>GPE"}]}}, overwrite=True)
    yield
    for name in ("tone_cb", "org_rel_cb"):
        hub.remove(name)


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path / "resources.sqlite", TEXTS)
    yield project
    project.close()


@pytest.fixture
def server_names():
    """Names of servers a test deploys on the kernel's manager, deleted afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        pl.servers.delete(name)


def of(results, kind):
    return [r for r in results if isinstance(r, kind)]


def test_ner_classifier_and_relations_built_in_the_builder_deploy_and_predict(project, server_names):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON", "ORG", "GPE"])
    result_of(builder, "add_labels", resource="tone_cb")
    result_of(builder, "add_labels", resource="org_rel_cb")

    # the classifier is a <Choices model=...>, the relation values are relations, not NER labels
    assert [label["value"] for label in builder.labels] == ["PERSON", "ORG", "GPE"]
    assert builder.choices == [{"name": "tone_cb", "values": ["good", "bad"], "choice": "single",
                                "per_region": False, "model": "tone_cb"}]
    assert builder.relations == [
        {"value": "works_for", "allowed": ["PERSON>ORG"], "model": "org_rel_cb"},
        {"value": "based_in", "allowed": ["ORG>GPE"], "model": "org_rel_cb"}]
    assert all(p["severity"] != "error" for p in builder.problems)
    result_of(builder, "save")
    config = project.config
    assert config.resources == {MODEL: ["PERSON", "ORG", "GPE"], "tone_cb": ["good", "bad"],
                                "org_rel_cb": ["works_for", "based_in"]}
    # the same resources, named the same way as a fresh hub.config_for config
    fresh = hub.config_for([MODEL, "tone_cb", "org_rel_cb"], ["PERSON", "ORG", "GPE", "good", "bad",
                                                             "works_for", "based_in"])
    def roles(c):
        return {role: {name: set(values) for name, values in by.items()}
                for role, by in c.resources_by_role().items()}

    assert roles(config) == roles(fresh)

    server = pl.servers.deploy(project, name="builder-all-kinds")
    server_names.append(server.name)
    assert sorted(r["name"] for r in server.resources) == sorted([MODEL, "tone_cb", "org_rel_cb"])
    job = server.run(project, wait=True)
    assert job.progress["state"] == "done" and job.progress["errors"] == 0

    ids = project.task_ids()
    results = {tid: project.latest_prediction(tid).results for tid in ids}
    choices = {tid: [(c.labels, c.from_name) for c in of(r, Choice)] for tid, r in results.items()}
    assert choices == {ids[0]: [(("good",), "tone_cb")], ids[1]: [(("bad",), "tone_cb")], ids[2]: []}
    found = []
    for rs in results.values():
        spans = {s.id: s for s in of(rs, Span)}
        found += [(spans[r.from_id].text, r.label, spans[r.to_id].text) for r in of(rs, Relation)]
    assert ("Tim Cook", "works_for", "Apple") in found
    assert ("Satya Nadella", "works_for", "Microsoft") in found
    assert ("Apple", "based_in", "California") in found
    assert {label for _, label, _ in found} == {"works_for", "based_in"}


def test_a_classifier_first_starts_a_draft_with_a_named_choices_control(project):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource="tone_cb", labels=["bad"])
    assert builder.labels == [] and builder.choices[0]["model"] == "tone_cb"
    assert builder.choices[0]["values"] == ["bad"]
    result_of(builder, "add_labels", resource="tone_cb")  # the rest joins the same control
    assert [c["values"] for c in builder.choices] == [["bad", "good"]]
    assert LabelingConfig.from_xml(builder.xml).resources == {"tone_cb": ["bad", "good"]}


def test_relation_rules_naming_missing_labels_warn_until_the_labels_come(project):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON", "ORG"])
    result_of(builder, "add_labels", resource="org_rel_cb", labels=["based_in"])
    assert [r["value"] for r in builder.relations] == ["based_in"]
    warnings = [p for p in builder.problems if p["code"] == "relation_unknown_label"]
    assert warnings and "GPE" in warnings[0]["message"] and warnings[0]["severity"] == "warning"
    result_of(builder, "add_labels", resource=MODEL, labels=["GPE"])
    assert not [p for p in builder.problems if p["code"] == "relation_unknown_label"]
    # adding the resource again adds only the relation that is new
    result_of(builder, "add_labels", resource="org_rel_cb")
    assert [r["value"] for r in builder.relations] == ["based_in", "works_for"]
    assert {r["model"] for r in builder.relations} == {"org_rel_cb"}


def test_hand_added_choices_and_relations_take_a_resource_of_the_right_kind(project):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON", "ORG"])
    result_of(builder, "add_choices", name="mood", values=["good", "bad"], model="tone_cb")
    result_of(builder, "add_relation", value="works_for", allowed="PERSON>ORG", model="org_rel_cb")
    config = LabelingConfig.from_xml(builder.xml)
    assert config.resources_by_role()["choices"] == {"tone_cb": ["good", "bad"]}
    assert config.resources_by_role()["relations"] == {"org_rel_cb": ["works_for"]}
    reply = frontend_request(builder, "add_choices", name="x", values=["a"], model=MODEL)
    assert "is a ner resource; this needs a classification resource" in reply["error"]
    reply = frontend_request(builder, "add_relation", value="r", model="tone_cb")
    assert "is a classification resource; this needs a relation resource" in reply["error"]
    reply = frontend_request(builder, "add_choices", name="mood", values=["meh"], model="org_rel_cb")
    assert "needs a classification resource" in reply["error"]
    assert builder.choices[0]["values"] == ["good", "bad"]  # a refused edit leaves the draft


def test_the_rendered_builder_adds_resources_and_shows_what_predicts_each_control(project, browser):
    pytest.importorskip("playwright.sync_api")
    from widgets_render import CHROMIUM, Rendered

    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON", "ORG", "GPE"])
    context = browser.new_context()
    page = context.new_page()
    try:
        rendered = Rendered(page, builder)
        for name in ("tone_cb", "org_rel_cb"):
            selector = f"[data-testid=pl-config-resource][data-resource={name}]"
            page.wait_for_selector(selector)
            page.locator(selector).locator("[data-testid=pl-config-add-all]").click()
        page.wait_for_selector("[data-testid=pl-config-relation][data-relation=based_in]")
        choices = page.locator("[data-testid=pl-config-choices][data-choices=tone_cb]")
        assert choices.locator("[data-testid=pl-config-choices-model]").inner_text() == "predicted by tone_cb"
        relation = page.locator("[data-testid=pl-config-relation][data-relation=works_for]")
        assert relation.locator("[data-testid=pl-config-relation-model]").inner_text() == "predicted by org_rel_cb"
        assert page.locator("[data-testid=pl-config-label][data-label=works_for]").count() == 0
        assert rendered.errors == []
    finally:
        context.close()
