"""LabelingView edits without a browser: classification choices (task level and per span),
assertion status, relations limited to the config's allowed pairs, the status line on
opening another task. Every edit is checked in the store after save."""

from __future__ import annotations

import pytest
from widgets_fixtures import (
    frontend_request,
    make_project,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.model import Choice, Relation, Span
from preannotate_lab.widgets import LabelingView

pytestmark = pytest.mark.usefixtures("recording")

TEXT = "Angela Merkel works for Siemens in Berlin. She had no fever."
CLINIC = "The patient denies fever. Her mother had asthma."


def config() -> LabelingConfig:
    return LabelingConfig.from_xml("""
<View>
  <Relations>
    <Relation value="works_for" allowed="PERSON>ORG"/>
    <Relation value="located_in" allowed="ORG>GPE,PERSON>GPE"/>
    <Relation value="near" allowed="ORG<>GPE"/>
    <Relation value="symptom_of" allowed="SYMPTOM>PERSON"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="PERSON" hotkey="p" background="#8dd3c7"/>
    <Label value="ORG" hotkey="o" background="#fdb462"/>
    <Label value="GPE" background="#bebada"/>
    <Label value="SYMPTOM" background="#fb8072"/>
    <Label value="absent" assertion="true" background="#cccccc"/>
    <Label value="family" assertion="true" background="#dddddd"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="business"/><Choice value="politics"/><Choice value="health"/>
  </Choices>
  <Choices name="certainty" toName="text" choice="single" perRegion="true">
    <Choice value="sure"/><Choice value="unsure"/>
  </Choices>
</View>""")


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path / "edits.sqlite", [TEXT, CLINIC], config())
    yield project
    project.close()


def span_at(view: LabelingView, word: str, label: str) -> dict:
    start = TEXT.index(word)
    result_of(view, "add_span", start=start, end=start + len(word), label=label)
    return next(r for r in view.results if r["kind"] == "span" and r["start"] == start and r["label"] == label)


@pytest.fixture
def view(project):
    view = LabelingView(project, 1)
    result_of(view, "create_completion")  # an empty, editable completion
    return view


def test_the_config_reaches_the_view_as_choices_assertions_and_relations(view):
    assert view.choice_defs == [
        {"name": "sentiment", "choices": ["positive", "negative", "neutral"], "choice": "single", "per_region": False},
        {"name": "topics", "choices": ["business", "politics", "health"], "choice": "multiple", "per_region": False},
        {"name": "certainty", "choices": ["sure", "unsure"], "choice": "single", "per_region": True},
    ]
    assert view.assertion_values == ["absent", "family"]
    assert {d["value"]: d["allowed"] for d in view.relation_defs}["near"] == ["ORG<>GPE"]
    assert updates(view, "choice_defs")[-1] == view.choice_defs  # synced to the browser


def test_task_choices_toggle_single_and_multiple_and_are_saved(view, project):
    result_of(view, "toggle_choice", from_name="sentiment", value="positive")
    result_of(view, "toggle_choice", from_name="sentiment", value="negative")  # single: replaces
    result_of(view, "toggle_choice", from_name="topics", value="politics")
    result_of(view, "toggle_choice", from_name="topics", value="business")  # multiple: adds
    choices = {r["from_name"]: r["labels"] for r in view.results if r["kind"] == "choice"}
    assert choices == {"sentiment": ["negative"], "topics": ["business", "politics"]}
    assert view.dirty
    result_of(view, "toggle_choice", from_name="sentiment", value="negative")  # again: clears
    assert "sentiment" not in {r["from_name"] for r in view.results if r["kind"] == "choice"}
    result_of(view, "save")
    stored = project.get_completion(view.shown["id"]).results
    assert [(c.from_name, c.labels, c.span_id) for c in stored if isinstance(c, Choice)] == [
        ("topics", ("business", "politics"), None)]


def test_bad_choices_are_refused_naming_the_input_and_nothing_changes(view):
    before = list(view.results)
    assert "not choices of 'sentiment'" in frontend_request(
        view, "set_choices", from_name="sentiment", labels=["angry"])["error"]
    assert "take one value" in frontend_request(
        view, "set_choices", from_name="sentiment", labels=["positive", "negative"])["error"]
    assert "no <Choices name='mood'>" in frontend_request(
        view, "toggle_choice", from_name="mood", value="x")["error"]
    assert "per region: select a span" in frontend_request(
        view, "toggle_choice", from_name="certainty", value="sure")["error"]
    person = span_at(view, "Angela Merkel", "PERSON")
    assert "whole task, not a span" in frontend_request(
        view, "toggle_choice", from_name="sentiment", value="positive", span_id=person["id"])["error"]
    assert view.results[:-1] == before


def test_per_span_choices_follow_their_span(view, project):
    person = span_at(view, "Angela Merkel", "PERSON")
    result_of(view, "toggle_choice", from_name="certainty", value="unsure", span_id=person["id"])
    result_of(view, "toggle_choice", from_name="certainty", value="sure", span_id=person["id"])
    [choice] = [r for r in view.results if r["kind"] == "choice"]
    assert choice["span_id"] == person["id"] and choice["labels"] == ["sure"]
    result_of(view, "save")
    stored = project.get_completion(view.shown["id"]).results
    [span] = [r for r in stored if isinstance(r, Span)]
    [per_span] = [r for r in stored if isinstance(r, Choice)]
    assert per_span.span_id == span.id and per_span.labels == ("sure",)
    result_of(view, "remove", id=person["id"])  # the span's choice goes with it
    assert [r for r in view.results if r["kind"] == "choice"] == []


def test_assertion_status_is_set_changed_and_cleared(view, project):
    fever = span_at(view, "fever", "SYMPTOM")
    result_of(view, "set_assertion", id=fever["id"], assertion="absent")
    assert next(r for r in view.results if r["id"] == fever["id"])["assertion"] == "absent"
    result_of(view, "save")
    [stored] = [r for r in project.get_completion(view.shown["id"]).results if isinstance(r, Span)]
    assert stored.assertion == "absent" and stored.id == fever["id"]  # same span, new status
    reply = frontend_request(view, "set_assertion", id=fever["id"], assertion="negated")
    assert "assertion 'negated' is not in the project's config" in reply["error"]
    result_of(view, "set_assertion", id=fever["id"], assertion=None)
    assert next(r for r in view.results if r["id"] == fever["id"])["assertion"] is None
    assert "no result with id 'nope'" in frontend_request(
        view, "set_assertion", id="nope", assertion="absent")["error"]


def test_relation_options_follow_the_allowed_pairs_and_their_direction(view):
    person = span_at(view, "Angela Merkel", "PERSON")
    org = span_at(view, "Siemens", "ORG")
    gpe = span_at(view, "Berlin", "GPE")
    options = result_of(view, "relation_options", from_id=person["id"], to_id=org["id"])
    assert not options["free"]
    assert [(o["value"], o["direction"]) for o in options["options"]] == [("works_for", "right")]
    # clicked the other way round: the config says PERSON>ORG, so the relation is turned around
    [back] = result_of(view, "relation_options", from_id=org["id"], to_id=person["id"])["options"]
    assert (back["value"], back["from_id"], back["to_id"]) == ("works_for", person["id"], org["id"])
    both = result_of(view, "relation_options", from_id=gpe["id"], to_id=org["id"])["options"]
    assert {(o["value"], o["direction"]) for o in both} == {("near", "bi"), ("located_in", "right")}
    located = next(o for o in both if o["value"] == "located_in")
    assert (located["from_id"], located["to_id"]) == (org["id"], gpe["id"])
    # symptom_of needs a SYMPTOM span: never offered between these
    assert all(o["value"] != "symptom_of" for o in both + options["options"])


def test_relations_outside_the_config_are_refused_and_allowed_ones_are_saved(view, project):
    person = span_at(view, "Angela Merkel", "PERSON")
    org = span_at(view, "Siemens", "ORG")
    reply = frontend_request(view, "add_relation", from_id=person["id"], to_id=org["id"], label="near")
    assert "'near' from 'PERSON' to 'ORG' is not allowed" in reply["error"] and "works_for" in reply["error"]
    reply = frontend_request(view, "add_relation", from_id=org["id"], to_id=person["id"], label="works_for")
    assert "not allowed" in reply["error"]  # wrong direction
    reply = frontend_request(view, "add_relation", from_id=person["id"], to_id=org["id"], label="free text")
    assert "not allowed" in reply["error"]
    result_of(view, "add_relation", from_id=person["id"], to_id=org["id"], label="works_for")
    result_of(view, "save")
    [relation] = [r for r in project.get_completion(view.shown["id"]).results if isinstance(r, Relation)]
    assert (relation.label, relation.from_id, relation.to_id, relation.direction) == (
        "works_for", person["id"], org["id"], "right")


def test_free_text_relations_when_the_config_has_no_relations(tmp_path):
    project = make_project(tmp_path / "free.sqlite", [TEXT],
                           LabelingConfig.from_labels({None: ["PERSON", "ORG"]}))
    view = LabelingView(project, 1)
    result_of(view, "create_completion")
    person, org = span_at(view, "Angela Merkel", "PERSON"), span_at(view, "Siemens", "ORG")
    assert result_of(view, "relation_options", from_id=person["id"], to_id=org["id"]) == {
        "free": True, "options": [], "from_label": "PERSON", "to_label": "ORG"}
    result_of(view, "add_relation", from_id=person["id"], to_id=org["id"], label="anything")
    assert [r["label"] for r in view.results if r["kind"] == "relation"] == ["anything"]
    project.close()


def test_predictions_stay_read_only_for_the_new_edits(project):
    from preannotate_lab.model import Prediction

    project.add_predictions([Prediction(2, (Span(16, 21, "SYMPTOM", "fever"),), "hand-1")])
    view = LabelingView(project, 2)
    assert view.shown["kind"] == "prediction"
    span_id = view.results[0]["id"]
    for kind, params in (("toggle_choice", {"from_name": "sentiment", "value": "positive"}),
                         ("set_assertion", {"id": span_id, "assertion": "absent"}),
                         ("set_choices", {"from_name": "topics", "labels": ["health"]})):
        assert "read-only" in frontend_request(view, kind, **params)["error"], kind


def test_the_status_line_resets_when_another_task_opens(view):
    reply = frontend_request(view, "toggle_choice", from_name="mood", value="x")
    view.notify(f"toggle_choice: {reply['error']}", "error")  # as the browser shows a failure
    assert view.message and view.message_level == "error"
    result_of(view, "load", task_id=2)
    assert view.message == "" and view.message_level == "info"
    assert updates(view, "message")[-1] == ""
