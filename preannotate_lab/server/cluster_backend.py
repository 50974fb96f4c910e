"""How a job runs on a cluster-resident server: chunks in flight on the workers, results home.

The job's reader streams tasks; each chunk is cut in batches (one per worker at least) and
submitted as :func:`.cluster_worker.run_chunk` tasks. At most ``2 x workers`` batches are in
flight (``distributed.as_completed``), so memory stays bounded whatever the project's size, and
each result goes to the job's one writer in this kernel as soon as it arrives.

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
from collections.abc import Generator, Iterable
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


class ClusterBackend(Backend):
    """Run batches on the workers of a connected Dask cluster (see module docstring)."""

    name = "cluster"
    needs_local_pipeline = False
    builds_documents = True  # document tasks are read (OCR) on the workers
    # what a worker runs per batch; must be importable by name on the workers
    worker_function: Any = None  # None: cluster_worker.run_chunk

    def __init__(self, connection: ClusterConnection) -> None:
        self.connection = connection
        self.resubmitted = 0  # batches submitted again after their result was lost (all jobs)

    @property
    def workers(self) -> int:
        return max(1, self.connection.workers())

    def map(self, pipeline: Pipeline | None, spec: PipelineSpec, chunks: Iterable[Chunk], *,
            batch_size: int = 64) -> Generator[Outputs, None, None]:
        from distributed import as_completed

        from .cluster_worker import run_chunk

        function = self.worker_function or run_chunk
        client = self.connection.client
        workers = self.workers
        in_flight = 2 * workers
        batches: dict[Any, tuple[list[tuple[int, Any]], int]] = {}  # future -> (items, tries)
        running = as_completed()

        def submit(items: list[tuple[int, Any]], tries: int) -> None:
            future = client.submit(function, spec, items, batch_size, pure=False)
            batches[future] = (items, tries)
            running.add(future)

        source = iter(chunks)
        queued: list[list[tuple[int, Any]]] = []

        def fill() -> None:
            while len(batches) < in_flight:
                if not queued:
                    chunk = next(source, None)
                    if chunk is None:
                        return
                    # text travels as text; document tasks unbuilt (their workers read them)
                    items = [(t, doc.text if isinstance(doc, Document) else doc) for t, doc in chunk]
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
