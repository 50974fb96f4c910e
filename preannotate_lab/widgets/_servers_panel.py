"""ServersPanel: the kernel's deployed servers, what they hold, and delete."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import traitlets

from ._messages import ServerRow
from ._rpc import RpcWidget, css, esm, request
from ._servers import default_servers, describe_all


class ServersPanel(RpcWidget):
    """Servers with name, resources, labels, usage, status, fit, deployed by/at, memory; delete.

    ``fit`` marks each server fits / stale (what differs) / other project against ``project``'s
    current config (the Lab passes its project), else against the project it was deployed from.

    While a server is busy the panel refreshes itself every ``poll_interval`` seconds from a
    kernel-side timer thread (``watch()``), which ends by itself once every server is idle. The
    manager has no change events to observe, and a browser-side poll would keep the comm busy
    even when nothing runs. Only changed rows reach the browser (traitlets skips equal values).
    """

    _esm = esm("servers_panel")
    _css = css("servers_panel")

    servers_info = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[ServerRow])
    live = traitlets.Bool(False).tag(sync=True)  # a watch thread refreshes the rows

    def __init__(self, servers: Any = None, *, poll_interval: float = 1.0,
                 project: Any = None) -> None:
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be > 0 seconds, not {poll_interval}")
        super().__init__()
        self.servers = servers if servers is not None else default_servers()
        # each row's fit (fits / stale / other project) is against this project's config
        self.project = project
        self.poll_interval = poll_interval
        self._deleted_callbacks: list[Callable[[str], Any]] = []
        self._watch_lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self.refresh()

    def on_deleted(self, callback: Callable[[str], Any]) -> None:
        """``callback(name)`` after a server is deleted here."""
        self._deleted_callbacks.append(callback)

    @request("refresh")
    def refresh(self) -> list[dict[str, Any]]:
        """Reload the rows; a busy server starts the watch thread."""
        self.servers_info = describe_all(self.servers, self.project)
        if _busy(self.servers_info):
            self.watch()
        return self.servers_info

    def watch(self) -> bool:
        """Refresh every ``poll_interval`` s until no server is busy (no-op while watching).

        Call it when a job starts (the Lab does, on the dialog's Start). Returns True when a
        new watch thread was started.
        """
        with self._watch_lock:
            if self._watcher is not None and self._watcher.is_alive():
                return False
            self._stop.clear()
            self._watcher = threading.Thread(target=self._watch, name="pl-servers-panel-watch",
                                             daemon=True)
            self.live = True
            self._watcher.start()
            return True

    def _watch(self) -> None:
        try:
            # Event.wait sleeps (no busy loop) and wakes at once when the panel closes
            while not self._stop.wait(self.poll_interval):
                rows = describe_all(self.servers, self.project)
                self.servers_info = rows
                if not _busy(rows):
                    break
        except Exception as exc:  # a failing describe() must not die silently in a thread
            self.notify(f"stopped refreshing: {exc}", "error")
        finally:
            self.live = False

    def stop_watching(self, timeout: float | None = 5.0) -> None:
        """End the watch thread (if any) and wait for it."""
        stop = getattr(self, "_stop", None)  # close() also runs on a half-built panel
        if stop is None:
            return
        stop.set()
        watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout)

    def close(self) -> None:
        self.stop_watching()
        super().close()

    @request("delete")
    def delete(self, name: str) -> list[dict[str, Any]]:
        """Delete a server (its running job stops after the chunk in hand)."""
        self.servers.delete(name)  # ServerError names the deployed servers
        self.notify(f"deleted server {name!r}")
        rows = self.refresh()
        for callback in list(self._deleted_callbacks):
            callback(name)
        return rows


def _busy(rows: list[dict[str, Any]]) -> bool:
    return any(row.get("status") == "busy" or row.get("job") for row in rows)
