"""Adding and removing classification choices and relation definitions on an existing config."""

from __future__ import annotations

import pytest

from preannotate_lab import labeling as config_module
from preannotate_lab.labeling import (
    ConfigError,
    LabelingConfig,
    add_choices,
    add_relation,
    merge_controls,
    remove_choices,
    remove_relation,
)

USER_XML = """<!-- my config -->
<View style="display: flex">
  <Header value="Read carefully"/>
  <Labels name="ner" toName="doc">
    <Label value="PERSON" background="#ff0000"/>
    <Label value="ORG" background="#00ff00"/>
  </Labels>
  <Text name="doc" value="$text" granularity="word"/>
</View>
"""


@pytest.fixture
def config() -> LabelingConfig:
    return LabelingConfig.from_xml(USER_XML)


def test_choices_are_added_to_a_new_control_and_then_to_the_same_one(config):
    edited = add_choices(config, "sentiment", ["positive", "negative"], choice="multiple")
    edited = add_choices(edited, "sentiment", ["negative", "neutral"])  # negative is skipped
    [control] = edited.choices
    assert (control.name, control.to_name, control.choice) == ("sentiment", ("doc",), "multiple")
    assert control.choices == ("positive", "negative", "neutral")
    assert config.choices == []  # the original config is untouched (immutable)
    xml = edited.to_xml()
    assert xml.startswith("<!-- my config -->") and 'granularity="word"' in xml
    assert '<Header value="Read carefully"/>' in xml and 'style="display: flex"' in xml
    assert LabelingConfig.from_xml(xml) == edited  # round trip
    assert "    <Choice value=\"neutral\"/>\n" in xml  # indented like its siblings


def test_per_region_choices_and_the_target_object(config):
    edited = add_choices(config, "certainty", ["sure", "unsure"], per_region=True, to_name="doc")
    assert edited.choices[0].per_region and edited.choices[0].choice == "single"
    with pytest.raises(ConfigError, match="to_name 'text' is not an object of the config .*doc"):
        add_choices(config, "x", ["a"], to_name="text")


def test_bad_choices_name_the_input(config):
    with pytest.raises(ConfigError, match="must be a list of labels, not the string 'positive'"):
        add_choices(config, "sentiment", "positive")
    with pytest.raises(ConfigError, match="at least one choice"):
        add_choices(config, "sentiment", [])
    with pytest.raises(ConfigError, match="'PERSON' is already a label"):
        add_choices(config, "kind", ["PERSON"])
    with pytest.raises(ConfigError, match="choice must be one of"):
        add_choices(config, "kind", ["a"], choice="several")
    with pytest.raises(ConfigError, match="starts or ends with a space"):
        add_choices(config, "kind", [" a"])


def test_choices_are_removed_one_by_one_or_as_a_control(config):
    edited = add_choices(config, "sentiment", ["positive", "negative"])
    fewer = remove_choices(edited, "sentiment", ["negative"])
    assert fewer.choices[0].choices == ("positive",)
    assert remove_choices(edited, "sentiment").choices == []
    assert remove_choices(edited, "sentiment") == config  # back to the same config
    with pytest.raises(ConfigError, match="has no 'angry' .*positive, negative"):
        remove_choices(edited, "sentiment", ["angry"])
    with pytest.raises(ConfigError, match="no choices control named 'mood' .*'sentiment'"):
        remove_choices(edited, "mood")


def test_relations_are_added_first_in_the_view_and_removed(config):
    edited = add_relation(config, "works_for", "PERSON>ORG")
    edited = add_relation(edited, "knows", ["PERSON<>PERSON"])
    edited = add_relation(edited, "related")
    assert [(r.value, [str(p) for p in r.allowed]) for r in edited.relations] == [
        ("works_for", ["PERSON>ORG"]), ("knows", ["PERSON<>PERSON"]), ("related", [])]
    assert edited.relations[0].allows("PERSON", "ORG") and not edited.relations[0].allows("ORG", "PERSON")
    xml = edited.to_xml()
    assert xml.index("<Relations>") < xml.index("<Header")  # where Label Studio puts them
    assert LabelingConfig.from_xml(xml) == edited
    assert edited.validate() == [] or all(p.severity == "warning" for p in edited.validate())
    one = remove_relation(edited, "knows")
    assert [r.value for r in one.relations] == ["works_for", "related"]
    none = remove_relation(remove_relation(one, "works_for"), "related")
    assert none.relations == [] and "<Relations" not in none.to_xml()  # the empty group goes too
    assert none == config


def test_bad_relations_name_the_input(config):
    with pytest.raises(ConfigError, match="not 'A>B' or 'A<>B': PERSON-ORG"):
        add_relation(config, "works_for", "PERSON-ORG")
    with pytest.raises(ConfigError, match="names labels the config does not have: 'GPE'"):
        add_relation(config, "lives_in", "PERSON>GPE")
    edited = add_relation(config, "works_for", "PERSON>ORG")
    with pytest.raises(ConfigError, match="already in the config; remove it first"):
        add_relation(edited, "works_for", "ORG>PERSON")
    with pytest.raises(ConfigError, match="no relation 'knows' in the config .*works_for"):
        remove_relation(edited, "knows")
    with pytest.raises(ConfigError, match="not a label"):
        add_relation(config, "", "PERSON>ORG")


def test_config_module_re_exports_the_functions():
    assert config_module.add_choices is add_choices and config_module.remove_relation is remove_relation
    assert {"add_choices", "add_relation", "remove_choices", "remove_relation"} <= set(config_module.__all__)


def test_choices_and_relations_name_the_resource_that_predicts_them(config):
    edited = add_choices(config, "sentiment", ["positive"], model="tone")
    edited = add_choices(edited, "sentiment", ["negative"], model="tone")  # same resource: joins
    assert edited.choices[0].model == "tone" and edited.choices[0].choices == ("positive", "negative")
    plain = add_choices(config, "mood", ["calm"])
    assert add_choices(plain, "mood", ["angry"], model="tone").choices[0].model == "tone"
    with pytest.raises(ConfigError, match="choices 'sentiment' is predicted by 'tone', not 'other'"):
        add_choices(edited, "sentiment", ["neutral"], model="other")
    with pytest.raises(ConfigError, match="resource of choices 'x'"):
        add_choices(config, "x", ["a"], model=" ")

    rel = add_relation(config, "works_for", "PERSON>ORG", model="org_rules")
    assert rel.relations[0].model == "org_rules"
    assert rel.resources_by_role()["relations"] == {"org_rules": ["works_for"]}
    assert LabelingConfig.from_xml(rel.to_xml()) == rel
    # rules from a resource may name labels still to come: kept, and validation warns
    with pytest.raises(ConfigError, match="does not have: 'GPE'"):
        add_relation(config, "lives_in", "PERSON>GPE", model="org_rules")
    kept = add_relation(config, "lives_in", "PERSON>GPE", model="org_rules", require_labels=False)
    assert [str(p) for p in kept.relations[0].allowed] == ["PERSON>GPE"]
    assert [p.code for p in kept.validate()] == ["relation_unknown_label"]


def test_merge_controls_adds_a_fragments_choices_and_relations_with_their_resources(config):
    fragment = LabelingConfig.from_labels(
        {}, choices={"sentiment": ["pos", "neg"]}, choice_models={"sentiment": "tone"},
        relations={"works_for": "PERSON>ORG", "knows": "PERSON<>PERSON"}, relation_model="rel_a")
    merged = merge_controls(config, fragment)
    assert merged.label_values == config.label_values  # labels are not merged
    assert merged.choices[0].to_name == ("doc",)  # points at this config's object
    assert merged.resources_by_role()["choices"] == {"tone": ["pos", "neg"]}
    assert merged.resources_by_role()["relations"] == {"rel_a": ["works_for", "knows"]}
    assert merge_controls(merged, fragment) == merged  # the same resource again: nothing new
    other = LabelingConfig.from_labels({}, relations={"works_for": "PERSON>ORG"}, relation_model="rel_b")
    with pytest.raises(ConfigError, match="'works_for' is already in the config"):
        merge_controls(merged, other)
    two = merge_controls(merged, LabelingConfig.from_labels(
        {}, relations={"cites": "ORG>ORG"}, relation_model="rel_b"))
    assert two.resources_by_role()["relations"] == {"rel_a": ["works_for", "knows"], "rel_b": ["cites"]}
