"""Zero-shot NER prompts (static embeddings) and LLM prompts against a loopback
OpenAI-compatible chat-completions server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from preannotate_lab import llm_standin
from preannotate_lab.model import Document
from preannotate_lab.resources import Hub, ItemError, ResourceError
from preannotate_lab.resources.prompts_llm import LLMReplyError, parse_spans

KEY = "sk-test-secret-123"


def stand_in_model(body: dict[str, Any]) -> str:
    """Finds capitalized words as the "model"; stalls or answers garbage on cue."""
    text = body["messages"][-1]["content"]
    if "SLOW" in text:
        time.sleep(1.5)
    if "MALFORMED" in text:
        return "Sure! Here are the entities: PERSON Anna, maybe."
    words = [w.strip(".,") for w in text.split() if w[:1].isupper()]
    ents = [{"text": w, "label": "CITY" if w in {"Paris", "Berlin"} else "PERSON"}
            for w in words if w not in {"SLOW", "The", "Later"}]
    ents.append({"text": "Anna", "label": "ALIEN"})  # invented label: ignored
    return "```json\n" + json.dumps(ents) + "\n```"


@pytest.fixture(scope="module")
def standin() -> Iterator[llm_standin.StandIn]:
    """The loopback chat-completions server the tutorials use, with the model above."""
    server = llm_standin.start(answer=stand_in_model, model="local-model")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def endpoint(standin: llm_standin.StandIn) -> str:
    return standin.base_url


def llm_config(endpoint: str, **extra: Any) -> dict[str, Any]:
    return {"base_url": endpoint, "model": "local-model", "temperature": 0,
            "labels": {"PERSON": "a person's name", "CITY": "a city"},
            "api_key_env": "TEST_LLM_KEY", "timeout": 0.5, **extra}


def test_llm_spans_over_real_http(endpoint: str, standin: llm_standin.StandIn,
                                  monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", KEY)
    hub = Hub(tmp_path)
    hub.add({"name": "llm", "factory": "llm_ner", "config": llm_config(endpoint)})
    res = hub.load("llm")
    text = "Anna met Bob in Paris. Later Anna flew to Berlin."
    (out,) = res.pipe([(Document(text), ())])
    assert [(s.text, s.label, s.start) for s in out] == [
        ("Anna", "PERSON", 0), ("Bob", "PERSON", 9), ("Paris", "CITY", 16),
        ("Anna", "PERSON", 29), ("Berlin", "CITY", 42)]
    request = standin.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == f"Bearer {KEY}"
    assert request["body"]["model"] == "local-model" and request["body"]["temperature"] == 0
    # the key is in no file of the user's home and not in the fingerprinted provenance
    saved = "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    assert KEY not in saved and "TEST_LLM_KEY" in saved
    assert KEY not in json.dumps(res.fingerprint_parts()) and KEY not in str(hub.info("llm"))


def test_malformed_reply_and_timeout_are_item_errors(endpoint: str, monkeypatch) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", KEY)
    res = Hub().build("llm_ner", llm_config(endpoint, concurrency=2))
    texts = ["Anna is here.", "MALFORMED reply please.", "SLOW Bob is late.", "Berlin is big."]
    started = time.perf_counter()
    outs = list(res.pipe([(Document(t), ()) for t in texts]))
    assert time.perf_counter() - started < 5
    assert [s.text for s in outs[0]] == ["Anna"]
    assert isinstance(outs[1], ItemError) and "not JSON" in outs[1].message
    assert isinstance(outs[2], ItemError) and "within 0.5 s" in outs[2].message
    assert [(s.text, s.label) for s in outs[3]] == [("Berlin", "CITY")]


def test_llm_config_errors(endpoint: str, monkeypatch) -> None:
    monkeypatch.delenv("TEST_LLM_KEY", raising=False)
    hub = Hub()
    with pytest.raises(ResourceError, match="'TEST_LLM_KEY'.*not set"):
        hub.build("llm_ner", llm_config(endpoint))
    with pytest.raises(ResourceError, match="do not put an API key"):
        hub.build("llm_ner", {**llm_config(endpoint), "api_key": "x", "api_key_env": None})
    bad = hub.build("llm_ner", llm_config("http://127.0.0.1:9/v1", api_key_env=None))
    (out,) = bad.pipe([(Document("Anna"), ())])
    assert isinstance(out, ItemError) and "cannot reach" in out.message


def test_parse_spans_defensively() -> None:
    text = "Aspirin 81 mg; aspirin again."
    spans = parse_spans('Here: {"entities": [{"text": "aspirin", "label": "DRUG"}]} done', text,
                        ["DRUG"], "x")
    assert [(s.start, s.text) for s in spans] == [(15, "aspirin")]  # exact case wins
    spans = parse_spans('[{"text": "ASPIRIN", "label": "DRUG"}]', text, ["DRUG"], "x")
    assert [s.text for s in spans] == ["Aspirin", "aspirin"]
    with pytest.raises(LLMReplyError):
        parse_spans('{"answer": 42}', text, ["DRUG"], "x")


def test_zero_shot_ner_by_description(sample_texts: list[str]) -> None:
    hub = Hub()
    res = hub.build("zero_shot_ner", {"labels": {"FRUIT": "fruit such as apple, banana, orange"}},
                    name="zs")
    text = "She bought a banana and two oranges at the market near the station."
    spans = res(Document(text))
    # a phrase the description names wins outright; the bundled 64-dimension static model
    # puts "oranges" far from "orange", so it needs an example (see test_resources_zero_shot)
    assert [(s.text, s.label, s.source) for s in spans] == [("banana", "FRUIT", "zs")]
    assert all(0.5 <= s.confidence <= 1 for s in spans)
    strict = hub.build("zero_shot_ner", {"labels": {"FRUIT": "fruit"}, "threshold": 1.0})
    assert strict(Document(text)) == []
    ngrams = hub.build("zero_shot_ner", {"labels": {"FRUIT": "fruit such as apple, banana, orange"},
                                         "candidates": "ngrams"})
    assert [s.text for s in ngrams(Document(text))] == ["banana"]
    with pytest.raises(ResourceError, match="candidates must be one of"):
        hub.build("zero_shot_ner", {"labels": ["X"], "candidates": "words"})
