"""The request/response dispatcher every widget uses (widgets/_rpc.py)."""

from __future__ import annotations

import pytest
from widgets_fixtures import (
    comm_of,
    frontend_message,
    frontend_request,
    recording,  # noqa: F401 - the fixture, used through pytestmark
)

from preannotate_lab.widgets._rpc import Reply, RpcWidget, request

pytestmark = pytest.mark.usefixtures("recording")


class Echo(RpcWidget):
    """A minimal widget with one handler of each outcome."""

    _esm = "export default { render() {} };"

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    @request("echo")
    def echo(self, value: int, twice: bool = False) -> dict[str, int]:
        return {"value": value * (2 if twice else 1)}

    @request("bytes")
    def raw(self, size: int) -> Reply:
        return Reply({"size": size}, [bytes(range(size))])

    @request("broken")
    def broken(self) -> None:
        return len(None)  # type: ignore[arg-type] - a bug inside the handler

    @request("missing")
    def missing(self) -> None:
        raise KeyError("no task with id 9 in this project")

    @request("note")
    def note(self, text: str) -> None:
        self.notes.append(text)


def test_results_errors_and_buffers_are_answered_by_uuid():
    widget = Echo()
    reply = frontend_request(widget, "echo", value=21, twice=True)
    assert reply["result"] == {"value": 42} and reply["buffers"] == [] and "error" not in reply
    reply = frontend_request(widget, "bytes", size=5)
    assert reply["result"] == {"size": 5} and reply["buffers"] == [b"\x00\x01\x02\x03\x04"]


def test_bad_arguments_unknown_types_and_handler_failures_are_error_replies():
    widget = Echo()
    reply = frontend_request(widget, "echo")
    assert reply["error_type"] == "TypeError" and reply["error"].startswith("bad 'echo' request")
    reply = frontend_request(widget, "echo", value=1, colour="red")
    assert "colour" in reply["error"]
    # a TypeError raised inside a handler is a failure of the handler, not of the request
    reply = frontend_request(widget, "broken")
    assert reply["error_type"] == "TypeError" and not reply["error"].startswith("bad")
    reply = frontend_request(widget, "missing")
    assert reply == {"uuid": reply["uuid"], "error": "no task with id 9 in this project",
                     "error_type": "KeyError", "buffers": []}
    reply = frontend_request(widget, "launch")
    assert reply["error_type"] == "UnknownRequest" and "'echo'" in reply["error"]


def test_notifications_without_uuid_run_but_are_not_answered():
    widget = Echo()
    before = len(comm_of(widget).sent)
    frontend_message(widget, {"type": "note", "text": "hello"})
    assert widget.notes == ["hello"] and len(comm_of(widget).sent) == before


def test_push_sends_an_unsolicited_message():
    widget = Echo()
    widget.push("refresh", reason="job done")
    last = comm_of(widget).sent[-1]["data"]
    assert last == {"method": "custom", "content": {"type": "refresh", "reason": "job done"}}


def test_unknown_constructor_arguments_raise_type_error():
    with pytest.raises(TypeError):
        Echo(colour="red")
