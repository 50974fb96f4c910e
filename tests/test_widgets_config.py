"""ConfigBuilder without a browser: hub browsing, label edits, live XML and problems, save."""

from __future__ import annotations

import pytest
from widgets_fixtures import (
    MODEL,
    frontend_request,
    frontend_update,
    make_project,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.model import Completion, Span
from preannotate_lab.widgets import ConfigBuilder

pytestmark = pytest.mark.usefixtures("recording")


@pytest.fixture
def project(tmp_path, sample_texts):
    project = make_project(tmp_path / "config.sqlite", sample_texts[:3])
    yield project
    project.close()


def test_unknown_keyword_arguments_raise(project):
    with pytest.raises(TypeError):
        ConfigBuilder(project, colour="red")


def test_hub_resources_are_listed_with_labels_and_filtered_by_kind(project):
    builder = ConfigBuilder(project)
    names = {r["name"]: r for r in builder.resources}
    assert MODEL in names and "PERSON" in names[MODEL]["labels"] and names[MODEL]["kind"] == "ner"
    frontend_update(builder, kind_filter="assertion")
    assert builder.resources and all(r["kind"] == "assertion" for r in builder.resources)
    assert updates(builder, "resources")[-1] == builder.resources
    frontend_update(builder, kind_filter="")
    assert MODEL in {r["name"] for r in builder.resources}


def test_adding_labels_updates_xml_and_problems_live_and_save_stores_them(project):
    builder = ConfigBuilder(project)
    assert builder.xml == "" and builder.labels == [] and project.config is None
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON", "ORG"])
    assert [label["value"] for label in builder.labels] == ["PERSON", "ORG"]
    assert all(label["model"] == MODEL for label in builder.labels)
    assert f'model="{MODEL}"' in builder.xml and builder.dirty
    assert builder.problems == [] or all(p["severity"] != "error" for p in builder.problems)
    assert project.config is None  # nothing stored before save
    reply = frontend_request(builder, "add_labels", resource=MODEL, labels=["DRUG"])
    assert "does not predict ['DRUG']" in reply["error"]
    result_of(builder, "set_label", value="ORG", background="#123456", hotkey="o")
    org = next(label for label in builder.labels if label["value"] == "ORG")
    assert org["background"] == "#123456" and org["hotkey"] == "o"
    assert "must look like #1f77b4" in frontend_request(builder, "set_label", value="ORG",
                                                         background="red;x")["error"]
    assert "already used by 'ORG'" in frontend_request(builder, "set_label", value="PERSON",
                                                        hotkey="o")["error"]
    saved = result_of(builder, "save")
    assert saved["config_hash"] == project.config_hash and not builder.dirty
    assert project.config.label_values == ["PERSON", "ORG"]
    stored = next(d for d in project.config.labels if d.value == "ORG")
    assert stored.background == "#123456" and stored.hotkey == "o"


def test_add_all_labels_of_a_resource(project):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL)
    info = next(r for r in builder.resources if r["name"] == MODEL)
    assert [label["value"] for label in builder.labels] == info["labels"]


def test_removing_a_used_label_shows_the_problem_and_save_is_refused(project):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON", "ORG"])
    result_of(builder, "save")
    project.add_completion(Completion(task_id=1, results=[Span(0, 5, "ORG", "Apple")]))
    result_of(builder, "remove_labels", values=["ORG"])
    assert [label["value"] for label in builder.labels] == ["PERSON"]
    problems = updates(builder, "problems")[-1]
    assert any("ORG" in p["message"] and p["severity"] == "error" for p in problems)
    reply = frontend_request(builder, "save")
    assert "Not saved" in reply["error"] and "ORG" in reply["error"]
    assert builder.message_level == "error" and "ORG" in builder.message
    assert project.config.label_values == ["PERSON", "ORG"]  # nothing lost
    result_of(builder, "reset")
    assert [label["value"] for label in builder.labels] == ["PERSON", "ORG"] and not builder.dirty


def test_hand_edited_xml_is_parsed_safely_and_bad_xml_keeps_the_draft(project):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON"])
    before = builder.xml
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<View><Labels name="l" toName="t"><Label value="&b;"/></Labels><Text name="t" value="$text"/></View>')
    reply = frontend_request(builder, "set_xml", xml=bomb)
    assert "error" in reply and builder.xml == before
    result_of(builder, "set_xml", xml='<View><Labels name="label" toName="text"><Label value="A &amp; B"/>'
                                      '</Labels><Text name="text" value="$text"/></View>')
    assert [label["value"] for label in builder.labels] == ["A & B"] and "A &amp; B" in builder.xml


def test_label_values_with_markup_stay_escaped_in_the_xml(project):
    builder = ConfigBuilder(project)
    result_of(builder, "set_xml", xml='<View><Labels name="label" toName="text">'
                                      '<Label value="&lt;img src=x onerror=alert(1)&gt;"/>'
                                      '</Labels><Text name="text" value="$text"/></View>')
    assert builder.labels[0]["value"] == "<img src=x onerror=alert(1)>"
    assert "<img" not in builder.xml and "&lt;img" in builder.xml
