"""Request/response over a widget's custom messages (the quak pattern).

A widget keeps a handful of synced traits; everything else is a request from the browser::

    -> {"type": "page", "uuid": "3f2c...", "offset": 50}
    <- {"uuid": "3f2c...", "result": {...}}            (binary parts travel as buffers)
    <- {"uuid": "3f2c...", "error": "...", "error_type": "ValueError"}

A handler is a method marked ``@request("page")``; the message's other keys are its keyword
arguments. Every failure, including an unknown type or bad arguments, comes back as an error
reply naming the request, so nothing vanishes in the browser console. The kernel may also push
unsolicited messages ``{"type": ..., ...}`` (no uuid), e.g. "refresh".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import traitlets

from ..errors import PreannotateError
from ._messages import check_params

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def request(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a method as the handler of custom messages of type ``kind``."""

    def mark(method: Callable[..., Any]) -> Callable[..., Any]:
        method._rpc_type = kind  # type: ignore[attr-defined]
        return method

    return mark


@dataclass
class Reply:
    """A handler's result with binary buffers (page images travel as bytes, not base64)."""

    result: Any
    buffers: list[bytes] = field(default_factory=list)


class WidgetBundleMissing(PreannotateError, FileNotFoundError):
    """A widget's built ES module or stylesheet is not there: the front-end was not built."""


def _built(name: str, suffix: str) -> Path:
    path = STATIC / f"{name}{suffix}"
    if not path.is_file():
        raise WidgetBundleMissing(
            f"the widget bundle {path.name} is missing from {STATIC}: build the widgets' front-end "
            "with `cd js && npm ci && npm run build` (scripts/setup.sh does it)")
    return path


def esm(name: str) -> Path:
    """The built ES module of widget ``name`` (``js/src/<name>.ts`` bundled by esbuild).

    A path, not a string, so anywidget reads the file itself and, with ``ANYWIDGET_HMR=1``,
    reloads open views when ``npm run watch`` rebuilds it.
    """
    return _built(name, ".js")


def css(name: str) -> Path:
    """The built stylesheet of widget ``name`` (shared styles followed by the widget's own)."""
    return _built(name, ".css")


def error_text(exc: BaseException) -> str:
    """A readable message: KeyError's repr-quoting removed, the type kept when the text is empty."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


class RpcWidget(anywidget.AnyWidget):
    """Base of the lab's widgets: dispatches custom messages to ``@request`` handlers.

    ``message`` is a synced status line (the last error or notice) that every widget shows.
    """

    message = traitlets.Unicode("").tag(sync=True)
    message_level = traitlets.Unicode("info").tag(sync=True)  # "info" | "error"

    _rpc_handlers: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                kind = getattr(value, "_rpc_type", None)
                if kind is not None:
                    handlers[kind] = name
        cls._rpc_handlers = handlers

    def __init__(self, **traits: Any) -> None:
        super().__init__(**traits)
        self.on_msg(self._on_custom_msg)

    # -- messages -----------------------------------------------------------------------------
    def _on_custom_msg(self, _widget: Any, content: Any, buffers: list[Any] | None) -> None:
        if not isinstance(content, dict) or "type" not in content:
            log.warning("%s ignored a custom message without a type: %r", type(self).__name__, content)
            return
        uuid = content.get("uuid")
        reply = self.handle_request(content, buffers or [])
        if uuid is None:  # a notification from the browser: nothing to answer
            return
        payload = {"uuid": uuid, **{k: v for k, v in reply.items() if k != "buffers"}}
        self.send(payload, reply.get("buffers") or None)

    def handle_request(self, content: dict[str, Any], buffers: list[Any] | None = None) -> dict[str, Any]:
        """Run the handler of ``content["type"]``; returns ``{"result", "buffers"}`` or ``{"error"}``."""
        kind = content.get("type")
        name = self._rpc_handlers.get(str(kind))
        if name is None:
            return {"error": f"unknown request type {kind!r}; known: {sorted(self._rpc_handlers)}",
                    "error_type": "UnknownRequest"}
        params = {k: v for k, v in content.items() if k not in ("type", "uuid")}
        if buffers:
            params["buffers"] = list(buffers)
        method = getattr(self, name)
        try:  # the handler's annotations are the request's declared types (see _messages.py)
            check_params(str(kind), method, params)
        except TypeError as exc:  # bad arguments from the browser: say which request
            return {"error": error_text(exc), "error_type": "TypeError"}
        try:
            value = method(**params)
        except Exception as exc:
            log.debug("request %r of %s failed", kind, type(self).__name__, exc_info=True)
            return {"error": error_text(exc), "error_type": type(exc).__name__}
        if isinstance(value, Reply):
            return {"result": value.result, "buffers": [bytes(b) for b in value.buffers]}
        return {"result": value, "buffers": []}

    def push(self, kind: str, **payload: Any) -> None:
        """Send an unsolicited message (no uuid) to every view of this widget."""
        self.send({"type": kind, **payload})

    def notify(self, text: str, level: str = "info") -> None:
        """Show ``text`` on the widget's status line."""
        self.message_level = level
        self.message = text
