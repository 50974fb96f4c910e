"""ServersPanel: the kernel's deployed servers, what they hold, and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from ._rpc import RpcWidget, css, esm, request
from ._servers import default_servers, describe_all


class ServersPanel(RpcWidget):
    """Servers with name, resources, labels, usage, status, deployed by/at, memory; delete."""

    _esm = esm("servers_panel")
    _css = css("servers_panel")

    servers_info = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, servers: Any = None) -> None:
        super().__init__()
        self.servers = servers if servers is not None else default_servers()
        self._deleted_callbacks: list[Callable[[str], Any]] = []
        self.refresh()

    def on_deleted(self, callback: Callable[[str], Any]) -> None:
        """``callback(name)`` after a server is deleted here."""
        self._deleted_callbacks.append(callback)

    @request("refresh")
    def refresh(self) -> list[dict[str, Any]]:
        self.servers_info = describe_all(self.servers)
        return self.servers_info

    @request("delete")
    def delete(self, name: str) -> list[dict[str, Any]]:
        """Delete a server (its running job stops after the chunk in hand)."""
        self.servers.delete(name)  # ServerError names the deployed servers
        self.notify(f"deleted server {name!r}")
        rows = self.refresh()
        for callback in list(self._deleted_callbacks):
            callback(name)
        return rows
