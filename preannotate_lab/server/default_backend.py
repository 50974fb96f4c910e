"""The backend a server gets when none is named: every core, or the kernel where a pool cannot run.

On a machine with more than one core a server runs its batches on a pool of worker processes
(:class:`ProcessPoolBackend`): each worker loads the pipeline once and keeps it, batches are
sized so every worker has work, and results stream back to the job's one writer. All servers of
the kernel share one pool of ``min(cores, MAX_DEFAULT_WORKERS)`` workers, started on the first
job (a deploy alone starts nothing), so deploying many servers never multiplies processes.

The kernel runs the job instead (:class:`InlineBackend`) on one core, when the pipeline cannot
be rebuilt in a fresh process (a factory registered only in this kernel, a custom hub), when
``PREANNOTATE_LAB_BACKEND=inline``, or when the pool fails to load the pipeline; ``describe()``
says which runs and why.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from itertools import chain
from typing import Any

from ..model import Document
from .backends import Backend, Chunk, InlineBackend, Outputs, ProcessPoolBackend, _discard
from .pipeline import Pipeline, PipelineSpec, run_texts

log = logging.getLogger(__name__)

BACKEND_ENV = "PREANNOTATE_LAB_BACKEND"  # inline | process_pool | auto (the default)
MAX_DEFAULT_WORKERS = 4  # each worker holds its own copy of the models

_SHARED: ProcessPoolBackend | None = None
_SHARED_LOCK = threading.Lock()


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    return max(1, min(available_cores(), MAX_DEFAULT_WORKERS))


def shared_pool() -> ProcessPoolBackend:
    """The kernel's one default pool (its processes start on the first job that uses it)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ProcessPoolBackend(workers=default_workers())
            _register_exit(_SHARED)
        return _SHARED


def _register_exit(pool: ProcessPoolBackend) -> None:
    """Terminate the pool's workers before the interpreter joins them: a worker busy with a
    long batch would otherwise hold up the exit of the kernel (or of pytest)."""
    def end() -> None:
        executor = pool._executor
        if executor is not None:
            pool._executor = None
            _discard(executor)

    # run before concurrent.futures' own exit hook, which joins the workers
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        register(end)
    else:  # pragma: no cover - other Pythons
        import atexit

        atexit.register(end)


def pool_blocker(stage_factories: Iterable[str], default_hub: bool) -> str | None:
    """Why a fresh worker process could not rebuild this pipeline (None: it can)."""
    from ..resources.registry import get_factory

    if not default_hub:
        return "the server's hub is not the default one, which worker processes read"
    for factory in stage_factories:
        module = getattr(get_factory(factory), "__module__", "")
        if not module.startswith("preannotate_lab."):
            return f"factory {factory!r} is registered in this kernel only ({module})"
    return None


class DefaultBackend(Backend):
    """The shared process pool, falling back to the kernel (see the module docstring)."""

    name = "default"
    # the kernel's pipeline is loaded anyway (deploy loads it): it is the fallback
    needs_local_pipeline = True

    def __init__(self, blocker: str | None = None) -> None:
        choice = os.environ.get(BACKEND_ENV, "auto").strip().lower() or "auto"
        if choice not in ("auto", "inline", "process_pool"):
            raise ValueError(f"{BACKEND_ENV}={choice!r}: use inline, process_pool or auto")
        self.reason: str | None = None
        if choice == "inline":
            self.reason = f"{BACKEND_ENV}=inline"
        elif blocker is not None:
            self.reason = blocker
        elif choice == "auto" and available_cores() < 2:
            self.reason = "this machine has one core"
        self._inline = InlineBackend()
        self._pool: ProcessPoolBackend | None = shared_pool() if self.reason is None else None
        self._probed: set[str] = set()  # pipeline hashes the pool has loaded once

    @property
    def workers(self) -> int:
        return self._pool.workers if self._pool is not None else 1

    def describe(self) -> dict[str, Any]:
        if self._pool is not None:
            return {"backend": "process_pool", "workers": self._pool.workers, "default": True}
        return {"backend": "inline", "workers": 1, "default": True, "reason": self.reason}

    def _fall_back(self, reason: str) -> None:
        log.warning("running in the kernel instead of the process pool: %s", reason)
        self._pool, self.reason = None, reason

    def _pool_ready(self, spec: PipelineSpec) -> bool:
        """Load the pipeline in a worker once per pipeline; a failure means the pool cannot run it."""
        if self._pool is None:
            return False
        if spec.pipeline_hash in self._probed:
            return True
        try:
            self._pool.executor.submit(run_texts, spec, [(0, "Warm up.")], 1).result()
        except Exception as exc:  # noqa: BLE001 - any failure: the kernel runs it instead
            self._fall_back(f"the worker processes cannot run this pipeline: "
                            f"{type(exc).__name__}: {exc}")
            return False
        self._probed.add(spec.pipeline_hash)
        return True

    def map(self, pipeline: Pipeline | None, spec: PipelineSpec, chunks: Iterable[Chunk], *,
            batch_size: int = 64) -> Generator[Outputs, None, None]:
        if not self._pool_ready(spec) or self._pool is None:
            yield from self._inline.map(pipeline, spec, chunks, batch_size=batch_size)
            return
        handed: dict[int, Document] = {}  # sent to the pool, no result yet

        def feed() -> Iterator[Chunk]:
            for chunk in chunks:
                handed.update(chunk)
                yield chunk

        source = feed()
        try:
            with closing(self._pool.map(None, spec, source, batch_size=batch_size)) as outputs:
                for out in outputs:
                    for task_id, _ in out:
                        handed.pop(task_id, None)
                    yield out
            return
        except Exception as exc:  # noqa: BLE001 - the kernel finishes the job
            self._fall_back(f"the process pool failed: {type(exc).__name__}: {exc}")
        left = list(handed.items())
        rest = chain([left] if left else [], source)  # the chunks not read yet stay lazy
        yield from self._inline.map(pipeline, spec, rest, batch_size=batch_size)

    def close(self) -> None:
        """Nothing to release: the shared pool outlives servers (ended at interpreter exit)."""


def close_shared_pool() -> None:
    """End the shared pool's workers now (the next job starts new ones)."""
    global _SHARED
    with _SHARED_LOCK:
        pool, _SHARED = _SHARED, None
    if pool is not None:
        pool.close()


__all__ = ["BACKEND_ENV", "DefaultBackend", "available_cores", "close_shared_pool",
           "default_workers", "pool_blocker", "shared_pool"]
