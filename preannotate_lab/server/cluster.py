"""Cluster-resident servers: pipelines that live on a Dask cluster, seen by every kernel on it.

``pl.servers.deploy(project, cluster=...)`` loads a server's resources on every worker of a Dask
cluster (they stay there, in each worker's :class:`.cluster_worker.PipelineHost`) and registers
the server on the scheduler under its name. Any kernel connected to the same scheduler
(``pl.servers.connect(address)``, or a deploy there) lists it in ``pl.servers.deployed()``, runs
jobs on it and may delete it by name. ``cluster`` is a ``distributed.Client``, a scheduler
address (``"tcp://host:8786"``) or ``"local"``: a ``LocalCluster`` of this machine's cores that
the kernel's manager starts on first use and stops with ``pl.servers.close()`` or the kernel.

The registry is the scheduler's metadata (``Client.set_metadata``) under
``["preannotate_lab", "servers", name]``: a JSON record of the config, pipeline plan, labels,
resources, deployer and time (a deleted server's entry is set to None). It lives as long as
the scheduler.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ..model import utcnow
from .cluster_backend import ClusterBackend
from .cluster_direct import DirectCalls
from .errors import ServerError
from .pipeline import PipelineSpec, StageSpec
from .server import Server

if TYPE_CHECKING:
    from .manager import ServerManager

log = logging.getLogger(__name__)

REGISTRY = ("preannotate_lab", "servers")
LOCK_NAME = "preannotate_lab-servers"  # a distributed.Lock: one deploy or delete at a time
LOCK_TIMEOUT_S = 30
# how long the scheduler's list of workers serves small jobs before it is asked for again
# (in the background: workers that joined since get small jobs too); removals are seen at once
KNOWN_WORKERS_S = 10.0



def local_cluster() -> Any:
    """A LocalCluster of this machine: one single-threaded worker process per core (as the
    kernel's process pool has), its dashboard on a free port."""
    from distributed import LocalCluster

    from .default_backend import default_workers

    return LocalCluster(n_workers=default_workers(), threads_per_worker=1, processes=True,
                        dashboard_address=":0", silence_logs=logging.ERROR)


class ClusterConnection:
    """This kernel's view of one Dask scheduler: its client, registry and workers."""

    def __init__(self, cluster: Any) -> None:
        from distributed import Client

        self.owns_client = not isinstance(cluster, Client)
        self.owned_cluster: Any = None  # "local": the LocalCluster this connection started
        if isinstance(cluster, Client):
            self.client = cluster
        elif cluster == "local":
            self.owned_cluster = local_cluster()
            self.client = Client(self.owned_cluster)
        elif isinstance(cluster, str) and cluster:
            self.client = Client(cluster, timeout=30)
        else:
            raise ServerError(f"cluster must be a distributed.Client, a scheduler address or "
                              f"'local', not {cluster!r}")
        self.address: str = self.client.scheduler.address
        from .cluster_worker import PipelineHost

        # idempotent: a worker keeps the host (and its loaded resources) another kernel registered
        self.client.register_plugin(PipelineHost(), name=PipelineHost.name)
        self._servers: dict[str, ClusterServer] = {}  # name -> the Server seen from this kernel
        self._lock = threading.Lock()
        self.direct = DirectCalls(self.client)  # the workers small jobs call directly
        self._workers_at = 0.0  # when the scheduler last listed its workers
        self._refreshing = False
        self.workers()

    # -- the cluster ----------------------------------------------------------------------------
    @property
    def dashboard(self) -> str | None:
        try:
            return str(self.client.dashboard_link) or None
        except Exception:  # a scheduler without a dashboard (bokeh missing, --no-dashboard)
            return None

    def workers(self) -> int:
        """How many workers the cluster has (asks the scheduler: one round trip)."""
        addresses = list(self.client.scheduler_info().get("workers", {}))
        self.direct.update(addresses)
        with self._lock:
            self._workers_at = time.monotonic()
        return len(addresses)

    def known_workers(self) -> list[str]:
        """The workers small jobs may call directly, without asking the scheduler (see
        :mod:`.cluster_direct`)."""
        return self.direct.workers()

    def refresh_workers_if_stale(self) -> None:
        """Ask the scheduler for its workers again, in the background, when its list is older
        than ``KNOWN_WORKERS_S`` (workers that joined since then get small jobs too). Called
        after a small job's calls, not before: the round trip would delay them."""
        with self._lock:
            stale = time.monotonic() - self._workers_at > KNOWN_WORKERS_S and not self._refreshing
            if stale:
                self._refreshing = True
        if stale:
            threading.Thread(target=self._refresh_workers, name="preannotate-lab-workers",
                             daemon=True).start()

    def _refresh_workers(self) -> None:
        try:
            self.workers()
        except Exception:  # the scheduler is away: the next job's own call says so
            log.debug("cannot list the workers of %s", self.address, exc_info=True)
        finally:
            with self._lock:
                self._refreshing = False

    def describe(self) -> dict[str, Any]:
        return {"scheduler": self.address, "workers": self.workers(), "dashboard": self.dashboard}

    # -- the registry ---------------------------------------------------------------------------
    def records(self) -> dict[str, dict[str, Any]]:
        """Name -> record of every server registered on the scheduler."""
        raw = self.client.get_metadata(list(REGISTRY), default=None) or {}
        return {name: json.loads(text) for name, text in raw.items() if text is not None}

    def register(self, record: dict[str, Any]) -> None:
        """Register a server; refuses a name another kernel registered first."""
        with self._registry_lock():
            if record["name"] in self.records():
                raise ServerError(
                    f"a server named {record['name']!r} is already deployed on the cluster at "
                    f"{self.address}; choose another name or servers.delete({record['name']!r})")
            self.client.set_metadata([*REGISTRY, record["name"]], json.dumps(record))

    def unregister(self, name: str) -> None:
        with self._registry_lock():
            self.client.set_metadata([*REGISTRY, name], None)

    @contextmanager
    def _registry_lock(self) -> Iterator[None]:
        """The scheduler-side lock around a registry change (one deploy or delete at a time)."""
        from distributed import Lock

        lock = Lock(LOCK_NAME, scheduler_rpc=self.client.scheduler, loop=self.client.loop)
        if not lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise ServerError(f"the server registry of the cluster at {self.address} stayed "
                              f"locked for {LOCK_TIMEOUT_S} s (another kernel is deploying)")
        try:
            yield
        finally:
            lock.release()

    def servers(self, manager: ServerManager) -> list[ClusterServer]:
        """The registered servers, as Server objects of this kernel (kept while registered,
        so their job history stays)."""
        records = self.records()
        with self._lock:
            for name in list(self._servers):
                kept = self._servers[name]
                if records.get(name, {}).get("deployed_at") != kept.record["deployed_at"]:
                    del self._servers[name]  # deleted, or deleted and deployed anew
                    kept.stop()
            for name, record in records.items():
                if name not in self._servers:
                    self._servers[name] = ClusterServer(manager, self, record)
            return [self._servers[n] for n in sorted(self._servers,
                                                     key=lambda n: self._servers[n].record["deployed_at"])]

    def close(self) -> None:
        """Disconnect; a LocalCluster this connection started stops (its servers with it)."""
        self.direct.close()
        if self.owns_client:
            self.client.close()
        if self.owned_cluster is not None:
            self.owned_cluster.close()


def deploy_on_cluster(manager: ServerManager, connection: ClusterConnection, *, name: str,
                      config: Any, planned: list[StageSpec], from_names: tuple[tuple[str, str], ...],
                      project: Any, by: str, usage: str) -> ClusterServer:
    """Load ``planned`` on every worker (once; they stay), register the server, return it."""
    from .cluster_worker import load_stages

    if not connection.workers():
        raise ServerError(f"the cluster at {connection.address} has no workers; start some "
                          "(dask worker ADDRESS) before deploying")
    try:
        loaded = connection.client.run(load_stages, planned)
    except ServerError:
        raise
    except Exception as exc:  # a resource missing on a worker: the worker's own error
        raise ServerError(f"cannot load the server's resources on the cluster at "
                          f"{connection.address}: {type(exc).__name__}: {exc}") from exc
    facts = next(iter(loaded.values()))
    for worker, other in loaded.items():
        for stage, a, b in zip(planned, facts, other, strict=True):
            if a["fingerprint"] != b["fingerprint"]:
                raise ServerError(
                    f"resource {stage.name!r} differs between workers (worker {worker} has "
                    f"fingerprint {b['fingerprint']}, another {a['fingerprint']}); install the "
                    "same models and rules on every worker")
    stages = tuple(StageSpec(**{**asdict(s), "fingerprint": f["fingerprint"]})
                   for s, f in zip(planned, facts, strict=True))
    spec = PipelineSpec(stages, from_names)
    hash_of = getattr(config, "hash", None)
    record = {
        "name": name, "config": config.to_xml(), "config_hash": hash_of() if callable(hash_of) else None,
        "spec": spec_to_dict(spec), "labels": spec.labels,
        "resources": [{"name": s.name, "kind": s.kind, "version": s.version} for s in stages],
        "stage_provenance": [f["provenance"] for f in facts],
        "deployed_by": by, "deployed_at": utcnow().isoformat(), "usage": usage,
        "project": str(project.path) if project is not None else None,
    }
    connection.register(record)
    return next(s for s in connection.servers(manager) if s.name == name)


class ClusterServer(Server):
    """A server registered on a Dask scheduler, as this kernel sees it.

    Its jobs run on the cluster (:class:`.cluster_backend.ClusterBackend`) and write their
    predictions from this kernel; its resources are never loaded here.
    """

    location = "cluster"

    def __init__(self, manager: ServerManager, connection: ClusterConnection,
                 record: dict[str, Any]) -> None:
        from datetime import datetime

        from ..labeling import LabelingConfig

        self.record = record
        self.connection = connection
        project = None
        path = record.get("project")
        if path and os.path.exists(path):  # the deployer's project, when this kernel sees it
            from ..project import as_project

            try:
                project = as_project(path, who="a cluster server")
            except Exception:
                log.debug("cannot open %s", path, exc_info=True)
        super().__init__(manager, record["name"], LabelingConfig.from_xml(record["config"]),
                         spec_from_dict(record["spec"]), by=record["deployed_by"],
                         usage=record["usage"], backend=ClusterBackend(connection),
                         config_hash=record.get("config_hash"), project=project)
        self.deployed_at = datetime.fromisoformat(record["deployed_at"])

    def provenance(self, project: Any = None) -> dict[str, Any]:
        stages = [{**stage.describe(), **extra}
                  for stage, extra in zip(self.spec.stages, self.record["stage_provenance"],
                                          strict=True)]
        return {"server": self.name, "resources": stages, "config_hash": self.config_hash,
                "pipeline_hash": self.pipeline_hash, "usage": self.usage,
                "scheduler": self.connection.address}

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["memory_mb"] = 0.0  # of this kernel: the resources live on the workers
        return out


def spec_to_dict(spec: PipelineSpec) -> dict[str, Any]:
    return asdict(spec)


def spec_from_dict(data: dict[str, Any]) -> PipelineSpec:
    """A PipelineSpec from its JSON form (lists back to the tuples the hashes are made of)."""
    def tuples(value: Any) -> Any:
        return tuple(tuples(v) for v in value) if isinstance(value, list) else value

    stages = tuple(StageSpec(**{k: tuples(v) for k, v in stage.items()})
                   for stage in data["stages"])
    return PipelineSpec(stages, tuples(data.get("from_names", [])))
