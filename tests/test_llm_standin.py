"""The loopback OpenAI-compatible stand-in the tutorials start: the spaCy-backed answer."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from preannotate_lab import llm_standin
from preannotate_lab.model import Document
from preannotate_lab.resources import Hub


@pytest.fixture(scope="module")
def standin():
    server = llm_standin.start({"PERSON": "person", "GPE": "place"})
    yield server
    server.stop()


def test_answers_only_the_types_the_prompt_asks_for(standin):
    text = "Angela Merkel met Emmanuel Macron in Berlin."
    both = Hub().build("llm_ner", {"base_url": standin.base_url, "model": "standin-spacy",
                                   "labels": {"person": "a person", "place": "a city"}})
    (out,) = both.pipe([(Document(text), ())])
    assert [(s.text, s.label) for s in out] == [
        ("Angela Merkel", "person"), ("Emmanuel Macron", "person"), ("Berlin", "place")]
    people = Hub().build("llm_ner", {"base_url": standin.base_url, "model": "standin-spacy",
                                     "labels": {"person": "a person"}})
    (out,) = people.pipe([(Document(text), ())])
    assert {s.label for s in out} == {"person"}
    assert standin.requests[-1]["body"]["messages"][-1]["content"] == text


def test_lists_its_model_and_refuses_other_routes(standin):
    with urllib.request.urlopen(standin.base_url + "/models", timeout=10) as answer:
        assert json.loads(answer.read())["data"][0]["id"] == "standin-spacy"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(standin.base_url + "/completions", data=b"{}", timeout=10)
    assert caught.value.code == 404


def test_needs_a_label_map_or_an_answer():
    with pytest.raises(ValueError, match="label_map"):
        llm_standin.start()
