"""What runs on a Dask worker for cluster-resident servers.

:class:`PipelineHost` is a worker plugin: each worker holds one, and it keeps the resources of
every pipeline it ran, keyed by resource identity (name, version, fingerprint), so a worker loads
a model once and every later chunk, job and server that names it reuses the loaded copy. It
counts its loads (``host_info``), which is how the tests see that nothing loads twice.

:func:`run_chunk` is the task a job submits: ``(task_id, text | RemoteDocument)`` items in,
``(task_id, results | error message)`` out. Document tasks are read here (OCR on the worker; the
page cache under ``PREANNOTATE_LAB_HOME`` is shared by the workers of one machine) and their
spans get their boxes here, so only text and results cross the wire.

A small job's batches may also come straight from a kernel rather than as scheduled tasks:
:meth:`PipelineHost.run_direct` is the worker's handler for them (op :data:`DIRECT_OP`; see
:mod:`.cluster_backend` for when a kernel calls it). They run the same function in the host's
own thread, with the same loaded resources.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from distributed import WorkerPlugin, get_worker
from distributed.protocol import to_serialize

from ..model import Document
from .errors import ServerError
from .pipeline import Partial, Pipeline, PipelineSpec, StageSpec, load_checked, resource_provenance
from .task_documents import RemoteDocument, with_boxes

PLUGIN_NAME = "preannotate-lab-pipelines"
# glibc's mallopt parameters, and the values that keep spaCy's arrays on the heap
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_TRIM_BYTES, _MMAP_BYTES = 64 << 20, 32 << 20
RESIDENT_RESOURCES = 12  # least recently used ones beyond this are dropped (and reloaded if named)
DIRECT_OP = "preannotate_lab_run_batch"  # the worker's handler of a batch a kernel calls directly
# the host a directly called batch runs on (a scheduled task finds it through get_worker())
_direct_host: ContextVar[PipelineHost | None] = ContextVar("preannotate_lab_direct_host",
                                                            default=None)


class PipelineHost(WorkerPlugin):
    """Keeps loaded resources on one worker for as long as the worker lives."""

    name = PLUGIN_NAME
    # registering it again (another kernel, another deploy) keeps the worker's loaded copies
    idempotent = True

    def __init__(self, profile: bool = False) -> None:
        self.profile = profile

    def setup(self, worker: Any) -> None:
        if not self.profile:
            # Dask's statistical profiler samples every thread's stack every 10 ms; on a worker
            # busy in spaCy it took ~30% more CPU per batch (benchmarks/scaleout.py), so it is
            # stopped here (the dashboard's Profile page stays empty for this worker)
            for name in ("profile", "profile-cycle"):
                callback = worker.periodic_callbacks.pop(name, None)
                if callback is not None:
                    callback.stop()
        self.malloc_tuned = undo_malloc_trim()
        self.address = worker.address
        self._lock = threading.Lock()
        self._resources: OrderedDict[tuple[str, str, str], tuple[Any, threading.Lock]] = OrderedDict()
        self.loads: Counter[str] = Counter()  # "name@version@fingerprint" -> times loaded
        self.documents_read = 0  # document tasks this worker read (OCR or text layer)
        self.direct_batches = 0  # batches a kernel called directly (run_direct)
        # one thread: the worker's event loop must stay free while a batch runs
        self._direct_thread = ThreadPoolExecutor(1, thread_name_prefix="preannotate-lab-direct")
        worker.handlers[DIRECT_OP] = self.run_direct

    def teardown(self, worker: Any) -> None:
        worker.handlers.pop(DIRECT_OP, None)
        self._direct_thread.shutdown(wait=False)
        self._resources.clear()

    async def run_direct(self, function: Callable[..., Any] | None = None, spec: Any = None,
                         items: Any = None, batch_size: int = 64) -> dict[str, Any]:
        """A batch a kernel sent straight to this worker: ``function(spec, items, batch_size)``
        in the host's thread. The reply's ``outcome`` is ``("done", outputs)`` or
        ``("failed", exception)``: the pipeline's own failure travels as a value, so anything
        the kernel sees raised is a failed call (this worker died, the reply was lost), which it
        answers by submitting the batch through the scheduler."""
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self._direct_thread, self._run_batch, function,
                                             spec, items, batch_size)
        return {"outcome": to_serialize(outcome)}

    def _run_batch(self, function: Callable[..., Any] | None, spec: Any, items: Any,
                   batch_size: int) -> tuple[str, Any]:
        token = _direct_host.set(self)
        try:
            with self._lock:
                self.direct_batches += 1
            return ("done", (function or run_chunk)(spec, items, batch_size))
        except Exception as exc:
            return ("failed", exc)
        finally:
            _direct_host.reset(token)

    def resource(self, stage: StageSpec) -> tuple[Any, threading.Lock, tuple[str, str, str]]:
        """The loaded resource of ``stage`` (loading it on first use), its lock and its key."""
        with self._lock:
            key = (stage.name, stage.version, stage.fingerprint)
            entry = self._resources.get(key) if stage.fingerprint else None
            if entry is None:
                resource = load_checked(stage)
                key = (stage.name, stage.version, resource.fingerprint())
                entry = self._resources.get(key)
                if entry is None:  # a deploy's stage names no fingerprint yet: keep one copy
                    # one batch at a time per loaded resource (a worker may run several threads)
                    entry = (resource, threading.Lock())
                    self._resources[key] = entry
                    self.loads["@".join(key)] += 1
            self._resources.move_to_end(key)
            while len(self._resources) > RESIDENT_RESOURCES:
                self._resources.popitem(last=False)
            return entry[0], entry[1], key

    def pipeline(self, spec: PipelineSpec) -> Pipeline:
        entries = [self.resource(stage) for stage in spec.stages]
        return Pipeline(spec, [e[0] for e in entries], [e[1] for e in entries])

    def count_document(self) -> None:
        with self._lock:  # batches run in the worker's task thread and in the direct thread
            self.documents_read += 1

    def info(self) -> dict[str, Any]:
        with self._lock:
            return {"loads": dict(self.loads), "resident": ["@".join(k) for k in self._resources],
                    "documents_read": self.documents_read, "direct_batches": self.direct_batches,
                    "malloc_tuned": self.malloc_tuned}


def undo_malloc_trim() -> bool:
    """Let glibc keep large blocks on the heap again, as in a plain process.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes glibc's
    mmap threshold at 128 KB: every large array spaCy allocates and frees is then a fresh
    ``mmap``/``munmap`` with its page faults, ~15% more CPU per batch (measured on
    en_core_web_sm). Raising both thresholds restores a plain process's speed; a worker keeps
    at most 64 MB of freed memory instead of returning it at once. Only done where that
    variable is set, on glibc.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES)
                    and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES))
    except (OSError, AttributeError):  # another C library (musl): leave it as it is
        return False


def host(worker: Any = None) -> PipelineHost:
    """This worker's PipelineHost (registered by :func:`.cluster.connect`)."""
    if worker is None:
        direct = _direct_host.get()
        if direct is not None:  # a batch called directly (no task, so no get_worker())
            return direct
        worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None:
        raise ServerError(f"worker {worker.address} has no {PLUGIN_NAME} plugin; connect through "
                          "pl.servers.connect(...) or deploy with cluster=... to register it")
    return plugin


def run_chunk(spec: PipelineSpec, items: list[tuple[int, Any]], batch_size: int) -> list[tuple[int, Any]]:
    """A job's task on a worker: build documents (OCR for document tasks), run the pipeline."""
    plugin = host()
    pipeline = plugin.pipeline(spec)
    outputs: dict[int, Any] = {}
    documents: list[tuple[int, Document]] = []
    for task_id, payload in items:
        if isinstance(payload, RemoteDocument):
            plugin.count_document()
            try:
                documents.append((task_id, payload.build()))
            except Exception as exc:  # DocumentError and friends: recorded on the task
                outputs[task_id] = f"cannot read the document: {exc}"
        else:
            documents.append((task_id, Document(payload)))
    results = pipeline.run([doc for _, doc in documents], batch_size=batch_size)
    for (task_id, doc), out in zip(documents, results, strict=True):
        if doc.is_visual and isinstance(out, Partial):
            out = Partial(with_boxes(doc, out.results), out.warnings)
        elif doc.is_visual and isinstance(out, list):
            out = with_boxes(doc, out)
        outputs[task_id] = out
    return [(task_id, outputs[task_id]) for task_id, _ in items]


def load_stages(stages: list[StageSpec], dask_worker: Any = None) -> list[dict[str, Any]]:
    """Load a deploy's stages on this worker (``client.run``); per stage its fingerprint and
    the provenance every prediction records (rule hashes, prompts, model meta)."""
    plugin = host(dask_worker)
    out = []
    for stage in stages:
        resource, _, key = plugin.resource(stage)
        out.append({"fingerprint": key[2], "provenance": resource_provenance(resource)})
    return out


def warm(spec: PipelineSpec, dask_worker: Any = None) -> dict[str, Any]:
    """Make sure this worker holds ``spec``'s resources (``client.run``); its host info."""
    host(dask_worker).pipeline(spec)
    return host(dask_worker).info()


def host_info(dask_worker: Any = None) -> dict[str, Any]:
    """Loads and resident resources of this worker (``client.run(host_info)``)."""
    return host(dask_worker).info()
