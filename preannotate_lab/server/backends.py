"""Where a job's chunks run: in the kernel, in a pool of worker processes, or on a Dask cluster.

Every backend takes chunks of ``(task_id, Document)`` and yields, per chunk, a list of
``(task_id, results | error message)``. The job reads tasks and writes predictions in the
parent; remote workers only run pipelines on text and keep their own pipeline cache (see
:func:`preannotate_lab.server.pipeline.worker_pipeline`), so every backend predicts the same.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..model import Document
from .pipeline import Pipeline, PipelineSpec, run_texts

Chunk = list[tuple[int, Document]]
Outputs = list[tuple[int, Any]]


class Backend:
    """Base class: ``map(...)`` runs chunks and yields their outputs (in any order)."""

    name = "backend"
    needs_local_pipeline = True

    def map(self, pipeline: Pipeline | None, spec: PipelineSpec, chunks: Iterable[Chunk], *,
            batch_size: int = 64) -> Generator[Outputs, None, None]:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name}

    def close(self) -> None:
        """Release workers (a backend may be reused by many jobs until closed)."""


class InlineBackend(Backend):
    """Run in the kernel's job thread (the default)."""

    name = "inline"

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "workers": 1}  # the kernel's job thread

    def map(self, pipeline: Pipeline | None, spec: PipelineSpec, chunks: Iterable[Chunk], *,
            batch_size: int = 64) -> Generator[Outputs, None, None]:
        if pipeline is None:
            raise ValueError("the inline backend needs the server's loaded pipeline")
        for chunk in chunks:
            outputs = pipeline.run([doc for _, doc in chunk], batch_size=batch_size)
            yield [(task_id, out) for (task_id, _), out in zip(chunk, outputs, strict=True)]


class _FutureBackend(Backend):
    """Shared driver: keep a few chunks in flight, yield each as it completes.

    When a worker dies (:meth:`_recover` says the workers were repaired), each batch that was
    in flight is run once more on its own, so a batch that kills its worker again is known to
    be the cause: its tasks get the error, the others their results, and the job goes on.
    """

    needs_local_pipeline = False
    workers = 1

    def _submit(self, spec: PipelineSpec, items: list[tuple[int, str]], batch_size: int) -> Any:
        raise NotImplementedError

    def _wait_any(self, pending: list[Any]) -> tuple[list[Any], list[Any]]:
        raise NotImplementedError

    def _recover(self, exc: BaseException, future: Any) -> bool:
        """After ``exc`` (from ``future``, or from submitting when None): repair the workers and
        say whether running the batch again may help. By default nothing is retried."""
        return False

    def _submit_or_recover(self, spec: PipelineSpec, items: list[tuple[int, str]],
                           batch_size: int) -> Any:
        """Submit; a pool that broke since the last batch (e.g. between two jobs) is replaced."""
        try:
            return self._submit(spec, items, batch_size)
        except Exception as exc:
            if not self._recover(exc, None):
                raise
        return self._submit(spec, items, batch_size)

    def _retry_alone(self, spec: PipelineSpec, items: list[tuple[int, str]],
                     batch_size: int) -> Outputs:
        """Run a batch whose worker died once more, with nothing else in flight."""
        future = None
        try:
            future = self._submit_or_recover(spec, items, batch_size)
            return future.result()
        except Exception as exc:
            if not self._recover(exc, future):
                raise
            return _failed(items, exc)

    def map(self, pipeline: Pipeline | None, spec: PipelineSpec, chunks: Iterable[Chunk], *,
            batch_size: int = 64) -> Generator[Outputs, None, None]:
        in_flight = max(2, 2 * self.workers)  # enough to keep every worker busy, bounded memory
        batches: dict[Any, list[tuple[int, str]]] = {}  # future -> its (task id, text) items
        source = iter(chunks)
        exhausted = False
        try:
            while True:
                while not exhausted and len(batches) < in_flight:
                    chunk = next(source, None)
                    if chunk is None:
                        exhausted = True
                        break
                    # one batch per submit, so every worker gets a share of a chunk (a small
                    # chunk is cut in smaller batches rather than leave a worker idle)
                    items = [(task_id, doc.text) for task_id, doc in chunk]
                    size = max(1, min(batch_size, -(-len(items) // self.workers)))
                    for start in range(0, len(items), size):
                        part = items[start:start + size]
                        batches[self._submit_or_recover(spec, part, batch_size)] = part
                if not batches:
                    return
                done, _ = self._wait_any(list(batches))
                for future in done:
                    items = batches.pop(future)
                    try:
                        outputs = future.result()
                    except Exception as exc:
                        if not self._recover(exc, future):
                            raise
                        # the other batches of the broken pool fail too and come here in turn
                        outputs = self._retry_alone(spec, items, batch_size)
                    yield outputs
        finally:
            for future in batches:  # cancelled job or error: drop what has not started
                future.cancel()


def _failed(items: list[tuple[int, str]], exc: BaseException) -> Outputs:
    """Every task of a batch gets the error (recorded on the task; the job goes on)."""
    message = f"the worker running this task failed: {type(exc).__name__}: {exc}"
    return [(task_id, message) for task_id, _ in items]


def _healthy(executor: ProcessPoolExecutor) -> bool:
    """False once the pool is marked broken or one of its started workers has exited."""
    if getattr(executor, "_broken", False):
        return False
    processes = getattr(executor, "_processes", None) or {}
    return all(p.is_alive() for p in list(processes.values()))


def _discard(executor: ProcessPoolExecutor) -> None:
    """Shut a broken pool down for good. Its surviving workers are terminated first: Python
    3.11's executor joins them without terminating, which would hang the interpreter's exit."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


PARENT_POLL_SECONDS = 0.5


def exit_with_parent(parent_pid: int, interval: float = PARENT_POLL_SECONDS) -> None:
    """Worker initializer: end this worker when the process that started it is gone.

    A pool's workers outlive a parent killed with ``kill -9`` (each holds a loaded pipeline,
    ~165 MB). A daemon thread polls ``os.getppid()``: once the parent died the worker has been
    re-parented and exits at once. Linux's parent-death signal (``PR_SET_PDEATHSIG``) is not
    used: it fires when the parent *thread* that started the worker ends, and the pool starts
    workers from a job thread that ends long before the kernel does.
    """
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(1)  # no cleanup: the parent that would receive the results is gone

    threading.Thread(target=watch, name="pl-exit-with-parent", daemon=True).start()


def _default_context() -> multiprocessing.context.BaseContext:
    # forking a kernel that runs threads (jobs, widgets, zmq) can deadlock the child; spawn is safe
    return multiprocessing.get_context("spawn")


class ProcessPoolBackend(_FutureBackend):
    """``workers`` processes, each keeping its own loaded pipelines between chunks and jobs."""

    name = "process_pool"
    # what a worker runs per batch; must be importable by name in a fresh process
    worker_function: Callable[[PipelineSpec, list[tuple[int, str]], int], Outputs] = \
        staticmethod(run_texts)

    def __init__(self, workers: int = 2, *, mp_context: Any = None) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._context = mp_context or _default_context()
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        # which pool ran each future, so a late report from a replaced pool resets nothing
        self._owners: weakref.WeakKeyDictionary[Future, ProcessPoolExecutor] = weakref.WeakKeyDictionary()

    @property
    def executor(self) -> ProcessPoolExecutor:
        with self._lock:
            stale = self._executor
            if stale is not None and not _healthy(stale):
                # a worker died while the pool sat idle (e.g. the out-of-memory killer): the
                # executor may not have noticed yet, and submitting to it would fail or hang
                self._executor = None
                _discard(stale)
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.workers, mp_context=self._context,
                                                     initializer=exit_with_parent,
                                                     initargs=(os.getpid(),))
            return self._executor

    def _submit(self, spec: PipelineSpec, items: list[tuple[int, str]], batch_size: int) -> Future:
        executor = self.executor
        future = executor.submit(self.worker_function, spec, items, batch_size)
        self._owners[future] = executor
        return future

    def _recover(self, exc: BaseException, future: Any) -> bool:
        """A worker died (killed, out of memory): drop the broken pool; the next submit starts
        fresh workers. Other errors are the pipeline's own and are not retried."""
        # a pool broken under our feet can also fail a submit with OSError ("handle is closed")
        if not isinstance(exc, BrokenProcessPool) and not (future is None and isinstance(exc, OSError)):
            return False
        broken = self._owners.pop(future, None) if future is not None else None
        with self._lock:
            # several batches of one broken pool report it: only the first one resets it
            if self._executor is not None and (broken is None or self._executor is broken):
                broken, self._executor = self._executor, None
            else:
                broken = None
        if broken is not None:
            _discard(broken)
        return True

    def _wait_any(self, pending: list[Any]) -> tuple[list[Any], list[Any]]:
        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        return list(done), list(rest)

    def warm(self, spec: PipelineSpec) -> None:
        """Load the pipeline in every worker before timing-sensitive work."""
        futures = [self.executor.submit(run_texts, spec, [(0, "Warm up.")], 8)
                   for _ in range(self.workers * 2)]
        for future in futures:
            future.result()

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "workers": self.workers}

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None


class DaskBackend(_FutureBackend):
    """A ``dask.distributed`` cluster: give a ``Client`` or a scheduler address."""

    name = "dask"

    def __init__(self, client_or_address: Any) -> None:
        from distributed import Client

        if isinstance(client_or_address, str):
            self.client = Client(client_or_address)
            self._owns_client = True
        elif isinstance(client_or_address, Client):
            self.client = client_or_address
            self._owns_client = False
        else:
            raise TypeError(
                f"DaskBackend needs a distributed.Client or a scheduler address, got "
                f"{type(client_or_address).__name__}"
            )

    @property
    def workers(self) -> int:  # type: ignore[override]
        info = self.client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def _submit(self, spec: PipelineSpec, items: list[tuple[int, str]], batch_size: int) -> Any:
        return self.client.submit(run_texts, spec, items, batch_size, pure=False)

    def _wait_any(self, pending: list[Any]) -> tuple[list[Any], list[Any]]:
        from distributed import wait as dask_wait

        result = dask_wait(pending, return_when="FIRST_COMPLETED")
        return list(result.done), list(result.not_done)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "workers": self.workers,
                "scheduler": self.client.scheduler.address}

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


def backend_from(value: Any) -> Backend:
    """A backend from a name ("inline", "process_pool", "dask:ADDRESS"), an object, or None."""
    if value is None or value == "inline":
        return InlineBackend()
    if isinstance(value, Backend):
        return value
    if value == "process_pool":
        return ProcessPoolBackend()
    if isinstance(value, str) and value.startswith("dask:"):
        return DaskBackend(value[len("dask:"):])
    raise ValueError(
        f"unknown backend {value!r}; use 'inline', 'process_pool', 'dask:ADDRESS' or a Backend"
    )


__all__ = ["Backend", "DaskBackend", "InlineBackend", "ProcessPoolBackend", "backend_from"]
