"""A deployed pipeline: the resources a labeling config names, ready to pre-annotate projects."""

from __future__ import annotations

import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..model import utcnow
from ..project import ProjectLike, as_project
from ..store import Project as ProjectStore
from .backends import Backend, InlineBackend, backend_from
from .errors import ServerError, ServerWarning
from .fit import Fit, server_fit
from .jobs import Job, ProgressCallback
from .pipeline import Pipeline, PipelineSpec, resource_provenance
from .task_documents import already_predicted, document_hash

if TYPE_CHECKING:
    from .manager import ServerManager

STATUSES = ("idle", "busy", "stopped", "error")
USAGES = ("preannotation", "training", "ocr")
MAX_JOB_HISTORY = 20


def missing_labels_warning(fit: Fit) -> str:
    return (f"server {fit.server!r} does not predict {', '.join(fit.missing_labels)}, which the "
            f"config of project {fit.project!r} asks for; those labels get no predictions. "
            "Deploy an updated server from the project's config (servers.deploy(project)) to "
            "predict them")


class Server:
    """A pipeline built from a config's ``model=`` names, each filtered to its labels.

    Created by :meth:`ServerManager.deploy`; runs one job at a time in its own thread, so the
    notebook stays free and several servers can work at once.
    """

    location = "kernel"  # where its pipelines live: "kernel", or "cluster" (see cluster.py)

    def __init__(self, manager: ServerManager, name: str, config: Any, spec: PipelineSpec, *,
                 by: str = "user", usage: str = "preannotation", backend: Backend | None = None,
                 config_hash: str | None = None, project: ProjectStore | None = None) -> None:
        self.manager = manager
        # the project it was deployed from: ``run()`` pre-annotates it unless told otherwise
        self.project = project
        self.name = name
        self.config = config
        self.spec = spec
        self.config_hash = config_hash
        self.deployed_by = by
        self.deployed_at: datetime = utcnow()
        self.usage = usage
        self.backend = backend or InlineBackend()
        self.jobs: list[Job] = []
        self._status = "idle"
        self.status_reason: str | None = None
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- what it is -----------------------------------------------------------------------------
    @property
    def resources(self) -> list[dict[str, str]]:
        """Names, kinds and versions of the resources, in pipeline order."""
        return [{"name": s.name, "kind": s.kind, "version": s.version} for s in self.spec.stages]

    @property
    def labels(self) -> list[str]:
        return self.spec.labels

    @property
    def pipeline_hash(self) -> str:
        return self.spec.pipeline_hash

    @property
    def status(self) -> str:
        """idle, busy (a job runs or waits), stopped (deleted) or error (see status_reason)."""
        if self._status in ("stopped", "error"):
            return self._status
        return "busy" if self.current_job is not None else "idle"

    @property
    def current_job(self) -> Job | None:
        for job in self.jobs:
            if job.state in ("queued", "running"):
                return job
        return None

    def describe(self) -> dict[str, Any]:
        """Plain data for UIs (servers panel, CLI --json)."""
        job = self.current_job
        backend = self.backend.describe()
        return {
            "name": self.name,
            "location": self.location,
            "workers": backend.get("workers"),
            "dashboard": backend.get("dashboard"),
            "resources": self.resources,
            "labels": self.labels,
            "status": self.status,
            "status_reason": self.status_reason,
            "deployed_by": self.deployed_by,
            "deployed_at": self.deployed_at.isoformat(),
            "usage": self.usage,
            "pipeline_hash": self.pipeline_hash,
            "memory_mb": round(sum(s.memory_mb for s in self.spec.stages), 1),
            "backend": backend,
            "job": job.progress if job is not None else None,
            # against the project it was deployed from (UIs compare with their own project)
            "fit": self.fit().describe() if self.project is not None else None,
        }

    def provenance(self, project: ProjectStore | None = None) -> dict[str, Any]:
        """What every prediction of this server records about where it came from."""
        stages = []
        for stage in self.spec.stages:
            entry = self.manager.cache.entry(stage.key)
            extra = resource_provenance(entry.resource) if entry is not None else {}
            stages.append({**stage.describe(), **extra})
        return {
            "server": self.name,
            "resources": stages,
            "config_hash": self.config_hash,
            "pipeline_hash": self.pipeline_hash,
            "usage": self.usage,
        }

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self.spec.stages)
        return f"<Server {self.name!r} {self.status} [{names}] {len(self.labels)} labels>"

    # -- running ----------------------------------------------------------------------------------
    def run(self, *args: Any, task_ids: Iterable[int] | None = None,
            project: ProjectLike | None = None,
            force: bool = False, batch_size: int = 64, chunk_size: int = 256, wait: bool = False,
            backend: Backend | str | None = None, on_progress: ProgressCallback | None = None,
            ocr_options: dict[str, Any] | None = None, run_id: str | None = None) -> Job:
        """``run(task_ids=None, *, project=None, ...)``: pre-annotate ``task_ids`` (default: every
        task) of the server's project; returns the Job.

        ``task_ids`` may be given positionally (``server.run([1, 2])``). The project is the one the server was deployed from; ``project=`` runs on another one.
        Runs in the background unless ``wait=True``. Without ``force``, tasks already predicted
        by this exact pipeline on the same content are skipped; with ``force`` each task gets a
        new prediction version (older versions stay). ``run_id`` continues that run (tasks
        holding one of its predictions are skipped); :meth:`resume` finds it for you.
        """
        task_ids, project = self._run_arguments(args, task_ids, project)
        if self._status == "stopped":
            raise ServerError(f"server {self.name!r} was deleted; deploy a new one with servers.deploy(...)")
        fit = self._check_fits(project)
        job = Job(self, project, task_ids, force=force, batch_size=batch_size,
                  chunk_size=chunk_size, backend=backend_from(backend) if backend else self.backend,
                  on_progress=on_progress, ocr_options=ocr_options, run_id=run_id,
                  resume=run_id is not None)
        job.fit = fit  # its progress names the labels this server does not predict
        # a backend named by a string belongs to this job: its workers end with it
        job.owns_backend = backend is not None and not isinstance(backend, Backend)
        with self._lock:
            if self._status == "error":
                self._status, self.status_reason = "idle", None  # a new run is a fresh try
            self.jobs.append(job)
            del self.jobs[:-MAX_JOB_HISTORY]
            self._queue.put(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name=f"server-{self.name}",
                                                daemon=True)
                self._thread.start()
        if wait:
            job.wait()
        return job

    def resume(self, run_id: str | None = None, *, project: ProjectLike | None = None,
               wait: bool = False, on_progress: ProgressCallback | None = None) -> Job:
        """Finish a run that a kernel restart, a crash or a cancel cut short.

        ``run_id`` names it (``job.run_id``; ``project.runs()`` lists them); by default the
        latest unfinished run of this server's pipeline in the project. The run goes on with
        its own task selection and options, and every task that already holds a prediction of
        this run is skipped (the store keeps one per task and run in any case).
        """
        target = as_project(project if project is not None else self.project, who="Server.resume")
        if run_id is None:
            unfinished = [r for r in target.runs() if r.get("state") != "done"
                          and r.get("pipeline_hash") == self.pipeline_hash]
            if not unfinished:
                raise ServerError(f"project {target.name!r} has no unfinished run of server "
                                  f"{self.name!r}'s pipeline to resume")
            record = unfinished[-1]
        else:
            found = target.get_run(run_id)
            if found is None:
                raise ServerError(f"project {target.name!r} has no run {run_id!r}; "
                                  "project.runs() lists them")
            record = found
        if record.get("pipeline_hash") != self.pipeline_hash:
            raise ServerError(f"run {record['run_id']!r} was made by another pipeline (server "
                              f"{record.get('server')!r}); resume it with a server deployed "
                              "from the same config and resources")
        return self.run(task_ids=record.get("task_ids"), project=target,
                        force=bool(record.get("force")), batch_size=record.get("batch_size", 64),
                        chunk_size=record.get("chunk_size", 256), wait=wait,
                        on_progress=on_progress, ocr_options=record.get("ocr_options"),
                        run_id=record["run_id"])

    def _run_arguments(self, positional: tuple[Any, ...], task_ids: Iterable[int] | None,
                       project: ProjectLike | None) -> tuple[Iterable[int] | None, ProjectStore]:
        """(task ids, project) of a run, accepting the older ``run(project, task_ids)`` too."""
        args = list(positional)
        if args and isinstance(args[0], (ProjectStore, str, os.PathLike)):
            warnings.warn(
                "server.run(project, task_ids) is deprecated: the server knows the project it "
                "was deployed from, so call server.run(task_ids), or server.run(task_ids, "
                "project=other) for another project", DeprecationWarning, stacklevel=3)
            if project is not None:
                raise TypeError("run() got the project twice (positionally and as project=)")
            project = args.pop(0)
        if len(args) > 1 or (args and task_ids is not None):
            raise TypeError("run() takes the task ids once (server.run(task_ids)) and keyword "
                            "arguments for the rest")
        if args:
            task_ids = args[0]
        project = self.project if project is None else project
        if project is None:
            raise ServerError(
                f"server {self.name!r} was deployed from a config, not a project: pass the "
                f"project to run on (server.run(task_ids, project=project))")
        return task_ids, as_project(project, who="Server.run")

    def fit(self, project: ProjectLike | None = None) -> Fit:
        """Whether this server fits ``project``'s current config (default: the project it was
        deployed from): ``fit(...).status`` is "fits", "stale" or "other project", and the Fit
        lists what differs (labels missing or extra, resource versions, config hash)."""
        project = self.project if project is None else as_project(project, who="Server.fit")
        if project is None:
            raise ServerError(f"server {self.name!r} was deployed from a config, not a project: "
                              "pass the project to compare with (server.fit(project))")
        return server_fit(self, project)

    def _check_fits(self, project: ProjectStore) -> Fit:
        """Refuse a run whose predictions would not fit the project or would be stale; warn
        when the config asks for labels this server does not predict.

        A server deployed from another config may predict labels this project's config lacks;
        a rule set or model edited in the hub since the deploy would be run in its old version
        while its predictions claim to be current. Both are refused with what to do instead.
        """
        fit = server_fit(self, project)
        if fit.extra_labels:
            raise ServerError(
                f"server {self.name!r} predicts {', '.join(map(repr, fit.extra_labels))}, which "
                f"the config of project {project.name!r} does not have; deploy a server from this "
                f"project's config (servers.deploy(project)) or add those labels to it")
        if fit.changed_resources:
            changed = ", ".join(f"{name} ({old} -> {new})" for name, old, new in fit.changed_resources)
            raise ServerError(
                f"server {self.name!r} was deployed with older versions of {changed}; "
                f"delete it and deploy again (servers.delete({self.name!r}); "
                f"servers.deploy(project)) to pre-annotate with the current ones")
        if fit.missing_labels:
            warnings.warn(missing_labels_warning(fit), ServerWarning, stacklevel=4)
        return fit

    def _work(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=1.0)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            if job is None:  # deleted: release worker processes once the last job ended
                self.backend.close()
                return
            job.run()
            if job.state == "failed":
                self._status, self.status_reason = "error", f"job {job.id} failed: {job.error}"

    @contextmanager
    def acquire(self, local: bool = True) -> Iterator[Pipeline | None]:
        """The loaded pipeline, pinned in the shared cache while a job uses it."""
        if not local:
            yield None
            return
        entries = [self.manager.load_stage(stage) for stage in self.spec.stages]
        with self.manager.cache.pinned(entries):
            yield Pipeline(self.spec, [e.resource for e in entries], [e.lock for e in entries])

    def stop(self) -> None:
        """Cancel queued and running jobs and refuse new ones (the manager's delete calls this)."""
        for job in list(self.jobs):
            if job.state in ("queued", "running"):
                job.cancel()
        with self._lock:
            self._status = "stopped"
            if self._thread is not None and self._thread.is_alive():
                self._queue.put(None)
            else:
                self.backend.close()

    # -- incremental ------------------------------------------------------------------------------
    def stale_task_ids(self, project: ProjectStore, task_ids: Iterable[int] | None = None, *,
                       ocr_options: dict[str, Any] | None = None) -> list[int]:
        """Tasks with predictions, none of them from this pipeline on the task's current content.

        After a rule or model change the pipeline hash changes, so every task predicted before
        shows up here until it is pre-annotated again. Document tasks count as their file read
        with ``ocr_options`` (the options a run would use).
        """
        index = project.prediction_index(self.pipeline_hash)
        predicted = _predicted_task_ids(project)
        if task_ids is not None:
            predicted &= set(task_ids)
        if not predicted:
            return []
        # only predicted tasks are read (their ids come from an index), never every task row
        return [task.id for task in project.iter_tasks(sorted(predicted))
                if task.id is not None  # stored tasks always have one
                and not already_predicted(index, task.id, document_hash(task, ocr_options))]

    def pending_task_ids(self, project: ProjectStore, task_ids: Iterable[int] | None = None, *,
                         ocr_options: dict[str, Any] | None = None) -> list[int]:
        """Tasks that a run without ``force`` (and with ``ocr_options``) would pre-annotate:
        new, stale or changed ones, and those whose content cannot be read."""
        index = project.prediction_index(self.pipeline_hash)
        return [t.id for t in project.iter_tasks(None if task_ids is None else list(task_ids))
                if t.id is not None and not already_predicted(index, t.id, document_hash(t, ocr_options))]


def _predicted_task_ids(project: ProjectStore) -> set[int]:
    """Ids of tasks that have at least one prediction (any pipeline)."""
    finder: Callable[[], Iterable[int]] | None = getattr(project, "predicted_task_ids", None)
    if finder is not None:
        return set(finder())
    total, rows = project.task_rows(0, max(1, project.count_tasks()))
    return {row["id"] for row in rows if row.get("n_predictions")}
