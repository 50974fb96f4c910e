"""Zero-shot NER prompts (static embeddings) and LLM prompts against a loopback
OpenAI-compatible chat-completions server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from preannotate_lab.model import Document
from preannotate_lab.resources import Hub, ItemError, ResourceError
from preannotate_lab.resources.prompts_llm import LLMReplyError, parse_spans

KEY = "sk-test-secret-123"


class ChatCompletions(BaseHTTPRequestHandler):
    """Speaks the chat-completions wire format; finds capitalized words as a stand-in model."""

    seen: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatCompletions.seen.append({"path": self.path, "body": body,
                                     "auth": self.headers.get("Authorization")})
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        text = body["messages"][-1]["content"]
        if "SLOW" in text:
            time.sleep(1.5)
        if "MALFORMED" in text:
            content = "Sure! Here are the entities: PERSON Anna, maybe."
        else:
            words = [w.strip(".,") for w in text.split() if w[:1].isupper()]
            ents = [{"text": w, "label": "CITY" if w in {"Paris", "Berlin"} else "PERSON"}
                    for w in words if w not in {"SLOW", "The", "Later"}]
            ents.append({"text": "Anna", "label": "ALIEN"})  # invented label: ignored
            content = "```json\n" + json.dumps(ents) + "\n```"
        reply = {"id": "x", "object": "chat.completion", "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": content}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:  # the client gave up waiting (the timeout test)
            pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def llm_config(endpoint: str, **extra: Any) -> dict[str, Any]:
    return {"base_url": endpoint, "model": "local-model", "temperature": 0,
            "labels": {"PERSON": "a person's name", "CITY": "a city"},
            "api_key_env": "TEST_LLM_KEY", "timeout": 0.5, **extra}


def test_llm_spans_over_real_http(endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", KEY)
    hub = Hub(tmp_path)
    hub.add({"name": "llm", "factory": "llm_ner", "config": llm_config(endpoint)})
    res = hub.load("llm")
    text = "Anna met Bob in Paris. Later Anna flew to Berlin."
    (out,) = res.pipe([(Document(text), ())])
    assert [(s.text, s.label, s.start) for s in out] == [
        ("Anna", "PERSON", 0), ("Bob", "PERSON", 9), ("Paris", "CITY", 16),
        ("Anna", "PERSON", 29), ("Berlin", "CITY", 42)]
    request = ChatCompletions.seen[-1]
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
