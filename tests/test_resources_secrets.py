"""Secrets: no API key in a resource config, and the key never follows a redirect elsewhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from preannotate_lab.model import Document
from preannotate_lab.resources import Hub, ResourceError

KEY = "sk-redirect-secret-42"
LLM = {"base_url": "http://127.0.0.1:9/v1", "model": "m", "labels": {"PERSON": "a person"}}


def test_an_inline_api_key_is_refused_at_add_and_nothing_is_written(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    with pytest.raises(ResourceError, match=r"'api_key'.*plain text.*'api_key_env': 'MY_LLM_KEY'"):
        hub.add({"name": "llm", "factory": "llm_ner", "config": {**LLM, "api_key": KEY}})
    # any factory, even one whose keys would be refused as unknown: the message gives the fix
    with pytest.raises(ResourceError, match=r"'headers.Authorization'.*environment variable"):
        hub.add({"name": "rel", "factory": "relations",
                 "config": {"allowed": "A>B", "headers": {"Authorization": f"Bearer {KEY}"}}})
    with pytest.raises(ResourceError, match=r"'access_token'"):
        hub.build("llm_ner", {**LLM, "access_token": KEY})
    assert KEY not in "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    # a label may be called PASSWORD; the variable's name is fine
    hub.add({"name": "pii", "factory": "zero_shot_ner", "config": {"labels": {"PASSWORD": "a password"}}})
    hub.add({"name": "llm", "factory": "llm_ner", "config": {**LLM, "api_key_env": "MY_LLM_KEY"}})
    assert hub.spec("llm").config["api_key_env"] == "MY_LLM_KEY"


class Recorder(BaseHTTPRequestHandler):
    """Records every request's path and Authorization header; answers a chat completion."""

    seen: list[tuple[int, str, str | None]] = []
    redirect_to = ""

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        port = self.server.server_address[1]
        Recorder.seen.append((port, self.path, self.headers.get("Authorization")))
        if self.path.startswith("/v1/") and Recorder.redirect_to:
            self.send_response(302)
            self.send_header("Location", Recorder.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content = json.dumps([{"text": "Anna", "label": "PERSON"}])
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def do_GET(self) -> None:  # noqa: N802 - urllib turns a POST answered by 302 into a GET
        self._answer()


@pytest.fixture
def two_servers() -> Iterator[tuple[int, int]]:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Recorder) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.seen = []
    yield servers[0].server_address[1], servers[1].server_address[1]
    Recorder.redirect_to = ""
    for server in servers:
        server.shutdown()
        server.server_close()


def _ask(port: int) -> Any:
    resource = Hub().build("llm_ner", {**LLM, "base_url": f"http://127.0.0.1:{port}/v1",
                                       "api_key_env": "GATE_LLM_KEY", "timeout": 5.0})
    (out,) = resource.pipe([(Document("Anna is here."), ())])
    return out


def test_a_redirect_to_another_origin_does_not_carry_the_key(two_servers, monkeypatch) -> None:
    monkeypatch.setenv("GATE_LLM_KEY", KEY)
    first, second = two_servers
    Recorder.redirect_to = f"http://127.0.0.1:{second}/elsewhere/chat/completions"
    out = _ask(first)
    assert [s.text for s in out] == ["Anna"]  # the redirect was followed
    assert Recorder.seen == [(first, "/v1/chat/completions", f"Bearer {KEY}"),
                             (second, "/elsewhere/chat/completions", None)]


def test_a_redirect_within_the_origin_keeps_the_key(two_servers, monkeypatch) -> None:
    monkeypatch.setenv("GATE_LLM_KEY", KEY)
    first, _ = two_servers
    Recorder.redirect_to = f"http://127.0.0.1:{first}/moved/chat/completions"
    _ask(first)
    assert Recorder.seen[-1] == (first, "/moved/chat/completions", f"Bearer {KEY}")
