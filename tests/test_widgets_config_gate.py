"""ConfigBuilder's validate/save run the one config gate: live limit, predictability, languages."""

from __future__ import annotations

import pytest
from server_fixtures import save_rules
from widgets_fixtures import (
    MODEL,
    frontend_request,
    make_project,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
)

import preannotate_lab as pl
from preannotate_lab.widgets import ConfigBuilder

pytestmark = pytest.mark.usefixtures("recording")


@pytest.fixture
def project(tmp_path, sample_texts):
    project = make_project(tmp_path / "builder.sqlite", sample_texts[:2])
    yield project
    project.close()


@pytest.fixture
def limit():
    before = pl.servers.max_models_per_server
    yield pl.servers
    pl.servers.max_models_per_server = before


def codes(builder: ConfigBuilder) -> list[str]:
    return [p["code"] for p in builder.problems if p["severity"] == "error"]


def test_the_builder_follows_the_live_model_limit(project, limit):
    save_rules("widget_gate_ids", [{"name": "id", "type": "regex", "pattern": r"ID-\d+", "label": "ID"}])
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON"])
    result_of(builder, "add_labels", resource="widget_gate_ids")
    assert codes(builder) == []
    limit.max_models_per_server = 1
    problems = result_of(builder, "validate")
    assert [p["code"] for p in problems] == ["too_many_models"]
    assert "one server holds at most 1" in problems[0]["message"]
    reply = frontend_request(builder, "save")
    assert "at most 1" in reply["error"] and project.config is None
    limit.max_models_per_server = 2
    assert result_of(builder, "save")["config_hash"] == project.config_hash


def test_the_builder_marks_a_label_its_model_cannot_predict(project):
    builder = ConfigBuilder(project)
    xml = (f'<View><Labels name="label" toName="text"><Label value="DRUG" model="{MODEL}"/>'
           '<Label value="DOSE"/></Labels><Text name="text" value="$text"/></View>')
    result_of(builder, "set_xml", xml=xml)
    [problem] = [p for p in builder.problems if p["severity"] == "error"]
    assert problem["code"] == "unpredicted_label" and problem["labels"] == ["DRUG"]
    assert "Drop model= to annotate it by hand" in problem["message"]
    assert "error" in frontend_request(builder, "save") and project.config is None


def test_the_builder_refuses_english_and_german_in_one_config(project, german):
    builder = ConfigBuilder(project)
    result_of(builder, "add_labels", resource=MODEL, labels=["PERSON"])
    result_of(builder, "add_labels", resource=german, labels=["PER"])
    assert codes(builder) == ["incompatible_models"]
    assert "is for language 'en'" in builder.problems[0]["message"]
    assert "error" in frontend_request(builder, "save") and project.config is None
