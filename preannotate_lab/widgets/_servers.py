"""Helpers shared by the widgets that talk to the kernel's server manager."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from importlib import import_module
from typing import Any

from ..lifecycle import FINAL_STATES


def default_servers() -> Any:
    """The kernel's ServerManager (``pl.servers``), imported on first use."""
    return import_module("preannotate_lab.server").servers


def jsonable(value: Any) -> Any:
    """A JSON-able copy of a describe() dict (datetimes as ISO text, tuples as lists)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def describe_all(servers: Any, project: Any = None) -> list[dict[str, Any]]:
    """Every server's describe() dict, JSON-able, sorted by name.

    With ``project``, each row's ``fit`` compares the server with that project's config
    (fits / stale / other project, see ``Server.fit``); otherwise with the project it was
    deployed from.
    """
    rows = []
    for server in servers.deployed():
        row = server.describe()
        if project is not None:
            row["fit"] = server.fit(project).describe()
        rows.append(jsonable(row))
    return sorted(rows, key=lambda row: str(row.get("name", "")))


class Throttle:
    """Calls ``deliver(value)`` at most ``rate`` times a second; final states always pass.

    A job reports progress after every chunk, from its own thread; a browser does not need
    more than a few updates a second. The last value held back is delivered by a timer, so the
    view never stays behind the job for longer than one interval.
    """

    def __init__(self, deliver: Callable[[dict[str, Any]], None], rate: float = 5.0) -> None:
        self.deliver = deliver
        self.interval = 1.0 / rate
        self._lock = threading.Lock()
        self._last = 0.0
        self._held: dict[str, Any] | None = None
        self._timer: threading.Timer | None = None
        self.delivered = 0

    def __call__(self, progress: dict[str, Any]) -> None:
        final = progress.get("state") in FINAL_STATES
        with self._lock:
            now = time.monotonic()
            if not final and now - self._last < self.interval:
                self._held = progress
                if self._timer is None:
                    self._timer = threading.Timer(self.interval - (now - self._last), self._flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
            if self._timer is not None:  # this delivery supersedes the held one
                self._timer.cancel()
                self._timer = None
            self._held = None
            self._last = now
            self.delivered += 1
            # delivered under the lock, so a held value can never overwrite a later one
            self.deliver(progress)

    def _flush(self) -> None:
        with self._lock:
            held, self._held, self._timer = self._held, None, None
            if held is None:
                return
            self._last = time.monotonic()
            self.delivered += 1
            self.deliver(held)
