"""The kernel's ServerManager (``pl.servers``): deploy, list, delete, and the capacity policy."""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..config_gate import check_config, errors_of
from ..errors import PreannotateError
from ..labeling import LabelingConfig
from ..project import ProjectLike
from ..resources.base import ResourceError, content_hash
from ..settings import DEFAULT_MAX_MODELS, ServerSettings, check_limit
from .backends import Backend, backend_from
from .cache import CacheEntry, ResourceCache
from .capacity import DeployCheck, memory_problem
from .cluster import ClusterConnection, ClusterServer, deploy_on_cluster
from .default_backend import DefaultBackend, pool_blocker
from .deploy_input import ROLE_WORDS, config_hash, config_of, from_names, project_of, uses_of
from .errors import CapacityError, ServerError
from .pipeline import KIND_ORDER, PipelineSpec, StageSpec
from .server import USAGES, Server

log = logging.getLogger(__name__)
_RENAMED = {"list": "deployed"}
DEFAULT_MAX_SERVERS = 3
BUDGET_SHARE = 0.5  # of the memory available when the manager starts


def default_memory_budget_mb() -> float:
    import psutil

    return psutil.virtual_memory().available * BUDGET_SHARE / 1e6


class ServerManager:
    """Deployed servers of this kernel and the resource cache they share.

    Limits: ``max_servers`` servers at once, ``max_models_per_server`` resources in one server,
    and a memory budget (MB) for loaded resources. A deploy that would break one is refused
    with a :class:`CapacityError` that names the servers to delete.
    """

    def __init__(self, *, max_servers: int = DEFAULT_MAX_SERVERS,
                 memory_budget_mb: float | None = None,
                 max_models_per_server: int | None = None, hub: Any = None,
                 settings: ServerSettings | None = None) -> None:
        self.max_servers = max_servers
        # settings: shared with the config gate for the kernel's manager (pl.servers), so a
        # limit set on it is the one every saved config is checked against
        self._settings = settings if settings is not None else ServerSettings()
        if max_models_per_server is not None or settings is None:
            self.max_models_per_server = (DEFAULT_MAX_MODELS if max_models_per_server is None
                                          else max_models_per_server)
        self.cache = ResourceCache(memory_budget_mb if memory_budget_mb is not None
                                   else default_memory_budget_mb())
        self._hub = hub
        self._servers: dict[str, Server] = {}
        self._deploying: set[str] = set()  # names reserved by deploys still loading resources
        self._lock = threading.RLock()
        self._counter = 0
        self._clusters: dict[str, ClusterConnection] = {}  # scheduler address -> connection

    @property
    def hub(self) -> Any:
        if self._hub is None:
            from ..resources import hub

            self._hub = hub
        return self._hub

    @property
    def max_models_per_server(self) -> int:
        return self._settings.max_models_per_server

    @max_models_per_server.setter
    def max_models_per_server(self, value: int) -> None:
        self._settings.max_models_per_server = check_limit("max_models_per_server", value)

    @property
    def memory_budget_mb(self) -> float:
        """MB the loaded resources may take; settable (``servers.memory_budget_mb = 800``)."""
        return self.cache.budget_mb

    @memory_budget_mb.setter
    def memory_budget_mb(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"memory_budget_mb must be a number of MB > 0, not {value!r}")
        self.cache.budget_mb = float(value)

    # -- servers --------------------------------------------------------------------------------
    def deployed(self) -> list[Server]:
        """The deployed servers: this kernel's in the order they were deployed, then those
        registered on every cluster this kernel is connected to (see :meth:`connect`)."""
        with self._lock:
            local = list(self._servers.values())
            clusters = list(self._clusters.values())
        return local + [s for c in clusters for s in _cluster_servers(self, c)]

    def connect(self, cluster: Any) -> ClusterConnection:
        """Connect this kernel to a Dask cluster: a ``distributed.Client``, a scheduler address,
        or "local" (a LocalCluster this kernel starts once). Its servers then appear in
        :meth:`deployed` and can be run and deleted from here. Connecting twice is a no-op."""
        from distributed import Client

        with self._lock:
            if isinstance(cluster, Client) and cluster.scheduler.address in self._clusters:
                return self._clusters[cluster.scheduler.address]
            if isinstance(cluster, str) and cluster in self._clusters:
                return self._clusters[cluster]
            connection = ClusterConnection(cluster)
            kept = self._clusters.setdefault(connection.address, connection)
            if cluster == "local":
                self._clusters.setdefault("local", kept)
        if kept is not connection:
            connection.close()
        return kept

    def clusters(self) -> list[ClusterConnection]:
        """The clusters this kernel is connected to."""
        with self._lock:
            return list(dict.fromkeys(self._clusters.values()))

    def __getattr__(self, name: str) -> Any:
        # renamed methods keep working for one release, with a warning
        new = _RENAMED.get(name)
        if new is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        warnings.warn(f"servers.{name}() is deprecated; use servers.{new}()",
                      DeprecationWarning, stacklevel=2)
        return getattr(self, new)

    def get(self, name: str) -> Server:
        with self._lock:
            server = self._servers.get(name)
        if server is None:
            server = next((s for s in self.deployed() if s.name == name), None)
        if server is None:
            raise ServerError(f"no server named {name!r}; deployed: {self._names() or 'none'}")
        return server

    def __contains__(self, name: object) -> bool:
        return name in self._servers or any(s.name == name for s in self.deployed())

    def __len__(self) -> int:
        return len(self.deployed())

    def __iter__(self) -> Iterator[Server]:
        return iter(self.deployed())

    def delete(self, name: str) -> None:
        """Stop a server (its running job stops after the chunk in hand) and forget it.

        Its loaded resources stay in the cache for other servers until evicted. A cluster
        server is removed from its scheduler's registry, for every kernel connected to it.
        """
        with self._lock:
            server = self.get(name)
            self._servers.pop(name, None)
        if isinstance(server, ClusterServer):
            server.connection.unregister(name)
        server.stop()

    def describe(self) -> dict[str, Any]:
        """Servers, limits and the cache, for the servers panel."""
        return {
            "servers": [s.describe() for s in self.deployed()],
            "max_servers": self.max_servers,
            "max_models_per_server": self.max_models_per_server,
            "memory_budget_mb": round(self.memory_budget_mb, 1),
            "memory_used_mb": round(self.cache.used_mb, 1),
            "servers_used": len(self._servers) + len(self._deploying),
            "cache": self.cache.describe(),
        }

    def _names(self) -> str:
        return ", ".join(self._servers)

    def _deletable(self) -> str:
        servers = sorted(self._servers.values(), key=lambda s: (s.status != "idle", s.name))
        return ", ".join(f"{s.name} ({s.status})" for s in servers)

    # -- deploy ---------------------------------------------------------------------------------
    def deploy(self, config_or_project: LabelingConfig | ProjectLike, *, name: str | None = None, by: str = "user",
               usage: str = "preannotation", backend: Backend | str | None = None,
               cluster: Any = None) -> Server:
        """Build a server from a LabelingConfig (or a project's config) and load its resources.

        Resources already loaded for another server are reused from the cache. Without
        ``backend``, jobs run on the kernel's shared pool of worker processes on a machine with
        more than one core, else in the kernel (:class:`DefaultBackend`; ``describe()`` says
        which and how many workers).

        ``cluster`` (a ``distributed.Client``, a scheduler address or "local") deploys a
        cluster-resident server instead: its resources load once on every worker and stay
        there, and it is registered on the scheduler, so every kernel connected there sees and
        can use it (see :mod:`.cluster`). The kernel's server and memory limits do not apply
        to it; its resources are not loaded in this kernel.
        """
        if cluster is not None:
            if backend is not None:
                raise ServerError("give a server backend= (where a kernel server's jobs run) or "
                                  "cluster= (where a cluster server lives), not both")
            return self._deploy_on_cluster(config_or_project, cluster, name=name, by=by,
                                           usage=usage)
        project = project_of(config_or_project)
        config = config_of(project if project is not None else config_or_project)
        if usage not in USAGES:
            raise ServerError(f"usage {usage!r} is not one of {USAGES}")
        uses = uses_of(config)
        models = {name: [v for u in group for v in u.values] for name, group in uses.items()}
        # plan and reserve the name under the lock, load outside it (a cold spaCy load takes
        # seconds, and the servers panel must not freeze on list()/describe() meanwhile),
        # then register under it
        with self._lock:
            name = self._check_name(name, models)
            problem = self._servers_problem()
            if problem:
                raise CapacityError(problem)
            self._check_config(config, models)
            planned = [self._plan_stage(model, group) for model, group in uses.items()]
            problem = memory_problem(name, planned, self.cache, list(self._servers.values()))
            if problem:
                raise CapacityError(problem)
            self._deploying.add(name)
        try:
            spec = self._spec(config, planned)
            chosen = backend_from(backend) if backend is not None else self._default_backend(planned)
            server = Server(self, name, config, spec, by=by, usage=usage,
                            backend=chosen, config_hash=config_hash(config),
                            project=project)
        except BaseException:
            with self._lock:
                self._deploying.discard(name)
            raise
        with self._lock:
            self._deploying.discard(name)
            self._servers[name] = server
        return server

    def _deploy_on_cluster(self, config_or_project: Any, cluster: Any, *, name: str | None,
                           by: str, usage: str) -> Server:
        project = project_of(config_or_project)
        config = config_of(project if project is not None else config_or_project)
        if usage not in USAGES:
            raise ServerError(f"usage {usage!r} is not one of {USAGES}")
        uses = uses_of(config)
        models = {m: [v for u in group for v in u.values] for m, group in uses.items()}
        connection = self.connect(cluster)
        with self._lock:
            taken = set(self._servers) | self._deploying
            if name is None:  # a name free here and on the cluster
                taken |= set(connection.records())
                name = next(f"cluster-server-{i}" for i in range(1, len(taken) + 2)
                            if f"cluster-server-{i}" not in taken)
            self._check_name(name, models)
            self._check_config(config, models)
            planned = sorted((self._plan_stage(m, group) for m, group in uses.items()),
                             key=lambda s: KIND_ORDER.get(s.kind, 9))
        return deploy_on_cluster(self, connection, name=name, config=config, planned=planned,
                                 from_names=from_names(config), project=project, by=by,
                                 usage=usage)

    def _check_config(self, config: Any, models: dict[str, list[str]]) -> None:
        """The one config gate, with this manager's hub and limit (see :mod:`..config_gate`)."""
        if not isinstance(config, LabelingConfig):
            return  # a config-like object from a plug-in: its resources are checked when planned
        errors = errors_of(check_config(config, hub=self.hub,
                                        max_models_per_server=self.max_models_per_server))
        if any(p.code == "too_many_models" for p in errors):
            raise CapacityError(
                f"the config names {len(models)} models (for labels, choices and relations) "
                f"({', '.join(models)}); one server holds at most "
                f"{self.max_models_per_server}. Split the labels over two configs and deploy "
                "two servers"
            )
        if errors:
            raise ServerError("the config cannot be deployed:\n- "
                              + "\n- ".join(p.message for p in errors))

    def check_deploy(self, config_or_project: LabelingConfig | ProjectLike) -> DeployCheck:
        """Whether ``deploy(config_or_project)`` would be accepted now, and the numbers behind
        it (servers used/max, memory used/budget, the planned server's estimated memory).

        Nothing is loaded. The reason is the message ``deploy`` would refuse with.
        """
        reason: str | None = None
        planned: list[StageSpec] = []
        with self._lock:
            try:
                config = config_of(project_of(config_or_project) or config_or_project)
                uses = uses_of(config)
                models = {n: [v for u in group for v in u.values] for n, group in uses.items()}
                reason = self._servers_problem()
                self._check_config(config, models)
                planned = [self._plan_stage(model, group) for model, group in uses.items()]
                reason = reason or memory_problem(None, planned, self.cache,
                                                  list(self._servers.values()))
            except PreannotateError as exc:  # the config gate's, a resource's, capacity's refusals
                reason = reason or str(exc)
            resources = tuple({"name": s.name, "memory_mb": round(s.memory_mb, 1),
                               "loaded": s.key in self.cache} for s in planned)
            return DeployCheck(
                can_deploy=reason is None, reason=reason,
                servers_used=len(self._servers) + len(self._deploying),
                max_servers=self.max_servers, memory_used_mb=self.cache.used_mb,
                memory_budget_mb=self.memory_budget_mb,
                planned_mb=sum(s.memory_mb for s in planned),
                needed_mb=sum(s.memory_mb for s in planned if s.key not in self.cache),
                resources=resources)

    def _servers_problem(self) -> str | None:
        if len(self._servers) + len(self._deploying) < self.max_servers:
            return None
        deploying = f" ({len(self._deploying)} being deployed)" if self._deploying else ""
        return (f"{len(self._servers)} servers are deployed{deploying} (max "
                f"{self.max_servers}). Delete one on the servers panel or with "
                f"servers.delete(name): {self._deletable()}")

    def _check_name(self, name: str | None, models: dict[str, list[str]]) -> str:
        # names of the clusters' servers too: get(name) and delete(name) must mean one server
        on_clusters = {n: c.address for c in self.clusters() for n in c.records()}
        if name is None:
            while True:
                self._counter += 1
                name = f"server-{self._counter}"
                if name not in self._servers and name not in self._deploying \
                        and name not in on_clusters:
                    return name
        if not isinstance(name, str) or not name.strip():
            raise ServerError(f"server name must be a non-empty string, got {name!r}")
        if name in self._servers:
            raise ServerError(
                f"a server named {name!r} is already deployed; choose another name or "
                f"servers.delete({name!r}) first"
            )
        if name in self._deploying:
            raise ServerError(
                f"a server named {name!r} is being deployed right now (its resources are "
                "loading); choose another name or wait for it"
            )
        if name in on_clusters:
            raise ServerError(
                f"a server named {name!r} is already deployed on the cluster at "
                f"{on_clusters[name]}; choose another name or servers.delete({name!r}) first")
        return name

    def _plan_stage(self, model: str, uses: list[Any]) -> StageSpec:
        """Hub facts for one resource (nothing loaded yet) and the part of the config it serves."""
        labels = list(dict.fromkeys(v for u in uses for v in u.values))
        role = uses[0].role
        try:
            spec = self.hub.spec(model)
            info = self.hub.info(model)
        except ResourceError as exc:
            raise ServerError(
                f"the config's {ROLE_WORDS[role]} {', '.join(labels) or '(any)'} name "
                f"model={model!r}, which the hub cannot provide: {exc}"
            ) from exc
        if info.kind != uses[0].kind:
            raise ServerError(
                f"the config's {ROLE_WORDS[role]} {', '.join(labels) or '(any)'} name "
                f"model={model!r}, a {info.kind} resource; they need a {uses[0].kind} resource. "
                f"Pick one from hub.infos({uses[0].kind!r})"
            )
        key = content_hash("resource", model, spec.factory, dict(spec.config), info.version)
        relations = tuple(
            (r.value, tuple((p.source, p.target, p.direction) for p in r.allowed))
            for u in uses for r in u.relations
        )
        return StageSpec(name=model, kind=info.kind, version=info.version, fingerprint="",
                         labels=tuple(labels), memory_mb=float(info.memory_mb or 0.0), key=key,
                         control=uses[0].control if role == "choices" else None,
                         per_region=role == "choices" and uses[0].per_region,
                         when_label=tuple(uses[0].when_label) if role == "choices" else (),
                         relations=relations)

    def _default_backend(self, planned: list[StageSpec]) -> Backend:
        """Every core (the kernel's shared process pool) unless workers could not rebuild the
        pipeline; see :mod:`.default_backend`."""
        from ..resources import hub as default_hub

        blocker = pool_blocker([self.hub.spec(s.name).factory for s in planned],
                               self.hub is default_hub)
        return DefaultBackend(blocker)

    def _spec(self, config: Any, planned: list[StageSpec]) -> PipelineSpec:
        stages = []
        for stage in sorted(planned, key=lambda s: KIND_ORDER.get(s.kind, 9)):
            entry = self.load_stage(stage)
            stages.append(replace(stage, fingerprint=entry.resource.fingerprint()))
        return PipelineSpec(tuple(stages), from_names(config))

    def load_stage(self, stage: StageSpec) -> CacheEntry:
        """The loaded resource of a stage, from the shared cache (built once)."""
        def build() -> Any:
            try:
                return self.hub.load(stage.name)
            except ResourceError as exc:
                raise ServerError(f"cannot load resource {stage.name!r}: {exc}") from exc

        return self.cache.get(stage.key, stage.name, stage.memory_mb, build)

    def close(self) -> None:
        """Delete every server of this kernel, close their backends, disconnect from clusters
        (cluster servers stay registered there for the other kernels)."""
        with self._lock:
            local = list(self._servers.values())
            clusters = list(dict.fromkeys(self._clusters.values()))
            self._clusters.clear()
        for server in local:
            self.delete(server.name)
            server.backend.close()
        for connection in clusters:
            for server in connection.servers(self) if _reachable(connection) else ():
                server.stop()  # this kernel's jobs on them end
            connection.close()


def _cluster_servers(manager: ServerManager, connection: ClusterConnection) -> list[Server]:
    """A cluster's servers, or none (logged) when its scheduler cannot be reached: a lost
    scheduler must not break the servers panel."""
    try:
        return list(connection.servers(manager))
    except Exception as exc:
        log.warning("cannot list the servers of the cluster at %s: %s", connection.address, exc)
        return []


def _reachable(connection: ClusterConnection) -> bool:
    return connection.client.status == "running"
