"""Pre-annotation servers: deployed pipelines, their jobs, backends and the kernel's manager.

``preannotate_lab.server.servers`` (``pl.servers``) is the kernel's :class:`ServerManager`,
created on first use so that importing the package loads nothing heavy.
"""

from __future__ import annotations

import threading
from typing import Any

from .backends import Backend, DaskBackend, InlineBackend, ProcessPoolBackend
from .cluster import ClusterConnection, ClusterServer
from .cluster_backend import ClusterBackend
from .default_backend import DefaultBackend
from .errors import CapacityError, JobError, ServerError, ServerWarning
from .fit import Fit
from .jobs import Job
from .manager import ServerManager
from .server import Server

__all__ = [
    "Backend", "CapacityError", "ClusterBackend", "ClusterConnection", "ClusterServer",
    "DaskBackend", "DefaultBackend", "Fit", "InlineBackend", "Job",
    "JobError", "ProcessPoolBackend", "Server", "ServerError", "ServerManager", "ServerWarning",
    "servers",
]

_servers: ServerManager | None = None
_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    if name == "servers":
        global _servers
        with _lock:
            if _servers is None:
                from ..settings import SERVERS

                _servers = ServerManager(settings=SERVERS)
        return _servers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
