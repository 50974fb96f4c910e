"""How a job runs on a cluster-resident server: chunks in flight on the workers, results home.

The job's reader streams tasks; each chunk is cut in batches (one per worker at least) and
submitted as :func:`.cluster_worker.run_chunk` tasks. At most ``2 x workers`` batches are in
flight (``distributed.as_completed``), so memory stays bounded whatever the project's size, and
each result goes to the job's one writer in this kernel as soon as it arrives.

A small job, one whose tasks fit in one batch per worker (a few tasks picked in the grid), calls
the workers directly instead, a batch each (:mod:`.cluster_direct`): a warm one-task job takes a
third less time, ~15 ms instead of ~24 on a loopback cluster (``benchmarks/scaleout.py``). Those batches are not scheduler
tasks, so the dashboard's task stream does not show them. A call that fails (its worker died
or left) is not the batch's fault: the batch is then submitted as a task.

A worker that dies mid-batch: the scheduler runs the batch again on another worker. A batch
whose result is lost on the way (the scheduler forgot it, a connection dropped) is submitted
again, up to ``MAX_RESUBMITS`` times. A batch can therefore be computed twice, which is why
predictions are keyed by run and task in the store (``store/runs.py``): each task is stored
once. A batch that killed every worker it ran on (``KilledWorker``: the scheduler's
``allowed-failures`` were used up) is the batch's own fault: its tasks get the error, as in the
process pool, and the job goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..model import Document
from .backends import Backend, Chunk, Outputs, _failed
from .pipeline import Pipeline, PipelineSpec

if TYPE_CHECKING:
    from .cluster import ClusterConnection

log = logging.getLogger(__name__)

MAX_RESUBMITS = 3


def _result_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the batch's result was lost (not computed and failed)."""
    from distributed.client import FutureCancelledError
    from distributed.comm import CommClosedError

    return isinstance(exc, (FutureCancelledError, CommClosedError))


def _killed_workers(exc: BaseException) -> bool:
    from distributed import KilledWorker

    return isinstance(exc, KilledWorker)


Item = tuple[int, Any]  # (task id, text | RemoteDocument): what travels to a worker


def _payload(item: tuple[int, Any]) -> Item:
    """Text travels as text; document tasks unbuilt (their workers read them)."""
    task_id, doc = item
    return task_id, doc.text if isinstance(doc, Document) else doc


def _take(chunks: Iterator[list[Item]], limit: int) -> tuple[list[list[Item]], bool]:
    """The first chunks, until they hold more than ``limit`` tasks; and whether that was all."""
    head: list[list[Item]] = []
    count = 0
    for chunk in chunks:
        head.append(chunk)
        count += len(chunk)
        if count > limit:
            return head, False
    return head, True


class ClusterBackend(Backend):
    """Run batches on the workers of a connected Dask cluster (see module docstring)."""

    name = "cluster"
    needs_local_pipeline = False
    builds_documents = True  # document tasks are read (OCR) on the workers
    # what a worker runs per batch; must be importable by name on the workers
    worker_function: Any = None  # None: cluster_worker.run_chunk

    def __init__(self, connection: ClusterConnection, *, direct: bool = True) -> None:
        self.connection = connection
        # small jobs call the workers directly; False: every batch is a scheduler task (all
        # of them then show in the dashboard's task stream)
        self.direct = direct
        self.resubmitted = 0  # batches submitted again after their result was lost (all jobs)
        self.direct_failed = 0  # direct calls that failed, their batches then scheduled
        self._next_worker = 0  # small jobs take turns on the workers

    @property
    def workers(self) -> int:
        return max(1, self.connection.workers())

    def map(self, pipeline: Pipeline | None, spec: PipelineSpec, chunks: Iterable[Chunk], *,
            batch_size: int = 64) -> Generator[Outputs, None, None]:
        from .cluster_worker import run_chunk

        function = self.worker_function or run_chunk
        payloads: Iterator[list[Item]] = ([_payload(item) for item in chunk] for chunk in chunks)
        known = self.connection.known_workers() if self.direct else []
        if known:
            head, ended = _take(payloads, len(known) * batch_size)
            if ended:  # the whole job fits in one batch per worker
                items = [item for chunk in head for item in chunk]
                yield from self._direct(function, spec, items, batch_size, known)
                return
            payloads = chain(head, payloads)
        yield from self._scheduled(function, spec, payloads, batch_size)

    def _direct(self, function: Callable[..., Any], spec: PipelineSpec, items: list[Item],
                batch_size: int, workers: list[str]) -> Generator[Outputs, None, None]:
        """Call the workers with a small job's batches (see module docstring)."""
        if not items:
            return
        size = -(-len(items) // len(workers))  # <= batch_size: the job fits (map)
        batches = [items[i:i + size] for i in range(0, len(items), size)]
        start, self._next_worker = self._next_worker, self._next_worker + len(batches)
        targets = [workers[(start + i) % len(workers)] for i in range(len(batches))]
        replies = self.connection.direct.run(function, spec, batches, targets, batch_size)
        self.connection.refresh_workers_if_stale()
        scheduled: list[list[Item]] = []
        for worker, batch, reply in zip(targets, batches, replies, strict=True):
            if isinstance(reply, BaseException):  # the call failed, not the batch
                log.info("a direct call to worker %s failed (%s: %s); the scheduler runs its "
                         "batch", worker, type(reply).__name__, reply)
                self.direct_failed += 1
                scheduled.append(batch)
                continue
            state, value = reply
            if state == "failed":
                raise value  # the pipeline's own failure: the job fails with it, as scheduled
            yield value
        if scheduled:
            yield from self._scheduled(function, spec, iter(scheduled), batch_size)

    def _scheduled(self, function: Callable[..., Any], spec: PipelineSpec,
                   chunks: Iterator[list[Item]], batch_size: int) -> Generator[Outputs, None, None]:
        """Submit the chunks' batches as tasks, at most 2 per worker in flight."""
        from distributed import as_completed

        client = self.connection.client
        workers = self.workers
        in_flight = 2 * workers
        batches: dict[Any, tuple[list[Item], int]] = {}  # future -> (items, tries)
        running = as_completed()

        def submit(items: list[Item], tries: int) -> None:
            future = client.submit(function, spec, items, batch_size, pure=False)
            batches[future] = (items, tries)
            running.add(future)

        queued: list[list[Item]] = []

        def fill() -> None:
            while len(batches) < in_flight:
                if not queued:
                    items = next(chunks, None)
                    if items is None:
                        return
                    size = max(1, min(batch_size, -(-len(items) // workers)))
                    queued.extend(items[i:i + size] for i in range(0, len(items), size))
                submit(queued.pop(0), 0)

        try:
            fill()
            for future in running:
                items, tries = batches.pop(future)
                try:
                    outputs = future.result()
                except Exception as exc:
                    if _result_lost(exc) and tries < MAX_RESUBMITS:
                        log.warning("the result of a batch of %d tasks was lost (%s); submitting "
                                    "it again", len(items), exc)
                        self.resubmitted += 1
                        submit(items, tries + 1)
                        continue
                    if not (_result_lost(exc) or _killed_workers(exc)):
                        raise  # the pipeline's own failure: the job fails with it
                    outputs = _failed(items, exc)
                finally:
                    future.release()
                yield outputs
                fill()
        finally:
            for future in batches:  # cancelled job or error: drop what has not run
                future.cancel()

    def describe(self) -> dict[str, Any]:
        try:
            workers: int | None = self.connection.workers()
        except Exception:  # the scheduler is gone: say so rather than fail the panel
            workers = None
        return {"backend": self.name, "workers": workers, "scheduler": self.connection.address,
                "dashboard": self.connection.dashboard}
