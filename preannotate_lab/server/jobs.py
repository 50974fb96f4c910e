"""A pre-annotation job: stream tasks from the store, run the pipeline, write predictions.

Three threads overlap the work: a reader streams tasks (and builds documents), the job thread
runs the pipeline (or feeds a backend), a writer stores each chunk's predictions in one
transaction. Per-task problems (a bad PDF, a hostile regex) are recorded on that task and the
job goes on. ``cancel()`` stops after the chunk in hand; running again without ``force`` skips
tasks already predicted by the same pipeline on the same content, so nothing is duplicated.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..lifecycle import BackgroundWork, ProgressCallback
from ..model import Document, Prediction, Task, utcnow
from .errors import JobError
from .pipeline import Partial
from .task_documents import (
    RemoteDocument,
    already_predicted,
    build_document,
    check_document_path,
    document_hash,
    ocr_settings,
    release_connection,
    with_boxes,
)

if TYPE_CHECKING:
    from ..store import Project as ProjectStore
    from .backends import Backend
    from .server import Server

__all__ = ["Job", "ProgressCallback", "already_predicted", "build_document", "document_hash",
           "ocr_settings"]

log = logging.getLogger(__name__)
_DONE = object()  # end-of-stream marker on the job's queues


@dataclass
class _Item:
    task: Task
    document: Document | RemoteDocument  # remote: a worker builds it (and maps boxes itself)
    document_hash: str | None


class Job(BackgroundWork):
    """One run of a server over a project's tasks. Created by :meth:`Server.run`.

    ``on_progress`` callbacks run after every written chunk and state change; ``wait()``
    raises :class:`JobError` if the job failed.

    ``run_id`` names the run in the store: every prediction carries it (the store keeps one
    per task and run) and the project keeps a record of the run (``project.get_run``), so
    ``Server.resume(run_id)`` finishes it after a kernel restart, skipping the tasks that
    already have a prediction of this run.
    """

    failure_error = JobError

    def __init__(self, server: Server, project: ProjectStore, task_ids: Iterable[int] | None, *,
                 force: bool, batch_size: int, chunk_size: int, backend: Backend,
                 on_progress: ProgressCallback | None = None,
                 ocr_options: dict[str, Any] | None = None, run_id: str | None = None,
                 resume: bool = False) -> None:
        if batch_size < 1 or chunk_size < 1:
            raise ValueError(f"batch_size and chunk_size must be >= 1 (got {batch_size}, {chunk_size})")
        super().__init__(on_progress)
        self.server = server
        self.project = project
        if task_ids is not None and (isinstance(task_ids, (str, bytes, int))
                                     or not isinstance(task_ids, Iterable)):
            raise TypeError(f"task_ids must be a list of task ids or None, got {task_ids!r}")
        self.task_ids = None if task_ids is None else [int(t) for t in task_ids]
        if ocr_options is not None:
            ocr_settings(ocr_options)  # a bad option fails here, not once per document task
        self.force = force
        self.batch_size = batch_size
        self.chunk_size = chunk_size
        self.backend = backend
        self.ocr_options = ocr_options
        self.created_at = time.time()
        self._counts = {"done": 0, "predicted": 0, "skipped": 0, "errors": 0, "read": 0,
                        "warnings": 0}
        # the document being read now: {"task", "page", "pages"} (None between documents)
        self._reading: dict[str, int] | None = None
        # refined when the job starts: ids of deleted tasks are not counted
        self.total = len(set(self.task_ids)) if self.task_ids is not None else None
        self.task_errors: dict[int, str] = {}  # task id -> message, for this run
        # task id -> what some resources failed on (the others' results were stored)
        self.task_warnings: dict[int, str] = {}
        self._stop_reading = False
        # document tasks also record how they were read (also part of their document hash)
        self._document_provenance: dict[str, Any] | None = None
        self.owns_backend = False  # close the backend when the job ends
        self.run_id = run_id or uuid.uuid4().hex
        self.resume = resume  # skip the tasks that already hold a prediction of this run
        self.fit: Any = None  # how the server fit the project's config when the run began

    # -- public ---------------------------------------------------------------------------
    @property
    def progress(self) -> dict[str, Any]:
        """done (tasks handled: predicted, skipped or failed), total, predicted, skipped,
        errors, warnings (tasks stored without the results of a resource that failed on them,
        see ``task_warnings``), rate (tasks/s), state, elapsed (s); ``read``: tasks whose document is built
        (OCR done) and ``reading``: the document task being read now, ``{"task", "page",
        "pages"}`` (pages read so far), so progress moves during OCR, before a chunk is written;
        ``missing_labels``: what the config asks for that this server does not predict."""
        with self._lock:
            counts = dict(self._counts)
            reading = dict(self._reading) if self._reading else None
        elapsed = self.elapsed
        return {
            **counts,
            "total": self.total,
            "rate": round(counts["done"] / elapsed, 2) if elapsed > 0 else 0.0,
            "state": self.state,
            "elapsed": round(elapsed, 3),
            "server": self.server.name,
            "job": self.id,
            "run_id": self.run_id,
            "error": self.error,
            "reading": reading,
            # labels the project's config asks for that this server does not predict
            "missing_labels": list(self.fit.missing_labels) if self.fit is not None else [],
        }

    def cancel(self) -> None:
        """Stop after the chunk in hand; what was predicted so far stays stored."""
        super().cancel()
        if self._change_state("queued", "cancelled"):  # never started: it ends here
            self._notify()
            self._finish()

    def __repr__(self) -> str:
        p = self.progress
        return f"<Job {self.id} {p['state']} {p['done']}/{p['total']} on {self.server.name!r}>"

    def _describe(self) -> str:
        return f"job {self.id} on server {self.server.name!r}"

    def _position(self) -> str:
        return f"{self.progress['done']} done"

    # -- running (in the server's job thread) -------------------------------------------------
    def _count(self, **deltas: int) -> None:
        with self._lock:
            for key, value in deltas.items():
                self._counts[key] += value

    def run(self) -> None:
        """The job's body; the server calls it in its own thread."""
        if not self._change_state("queued", "running"):
            return  # cancelled while queued: cancel() has ended it
        self._started = time.perf_counter()
        self._notify()
        try:
            self._run()
            self._ended = time.perf_counter()
            self._set_state("cancelled" if self._cancel.is_set() else "done")
        except BaseException as exc:  # the job thread must always end in a final state
            self._ended = time.perf_counter()
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("job %s on server %s failed", self.id, self.server.name)
            self._set_state("failed")
        finally:
            self._record(state=self.state, error=self.error, ended_at=utcnow().isoformat(),
                         counts=dict(self._counts))
            if self.owns_backend:
                self.backend.close()
            release_connection(self.project)  # the server's thread ends when it is idle
            self._finish()

    def _run(self) -> None:
        spec = self.server.spec
        pipeline_hash = spec.pipeline_hash
        index: dict[int, set[str | None]] = {} if self.force else self.project.prediction_index(pipeline_hash)
        if self.task_ids is None:
            self.total = self.project.count_tasks()
        else:  # the reader reads each existing task once: duplicates and deleted ids drop out
            self.total = len(set(self.task_ids) & set(self.project.task_ids()))
        # resumed: the tasks this run predicted before (a kernel restart) are done
        done = self.project.run_task_ids(self.run_id) if self.resume else set()
        self._record(**self._run_record(pipeline_hash))
        provenance = {**self.server.provenance(self.project), "run_id": self.run_id}
        common = {
            "model_version": spec.model_version,
            "server": self.server.name,
            "config_hash": provenance.get("config_hash"),
            "pipeline_hash": pipeline_hash,
            "provenance": provenance,
        }
        self._document_provenance = None
        items: queue.Queue = queue.Queue(maxsize=2)
        writes: queue.Queue = queue.Queue(maxsize=4)
        failures: list[BaseException] = []
        self._stop_reading = False
        reader = threading.Thread(target=self._read, args=(index, done, items, writes, failures),
                                  name=f"job-{self.id}-reader", daemon=True)
        writer = threading.Thread(target=self._write, args=(writes, failures),
                                  name=f"job-{self.id}-writer", daemon=True)
        reader.start()
        writer.start()
        pending: dict[int, _Item] = {}

        def chunks() -> Iterator[list[tuple[int, Document]]]:
            while True:
                chunk = items.get()
                if chunk is _DONE:
                    return
                for item in chunk:
                    pending[item.task.id] = item
                yield [(item.task.id, item.document) for item in chunk]
                if self._cancel.is_set() or failures:
                    return

        try:
            with self.server.acquire(self.backend.needs_local_pipeline) as pipeline:
                for outputs in self.backend.map(pipeline, spec, chunks(), batch_size=self.batch_size):
                    writes.put(self._predictions(outputs, pending, common))
                    if self._cancel.is_set() or failures:
                        break
        finally:
            # the reader may still queue task errors: stop it first, then let the writer finish
            self._cancel_reader(items)
            reader.join()
            writes.put(_DONE)
            writer.join()
        if failures:
            raise failures[0]

    def _run_record(self, pipeline_hash: str) -> dict[str, Any]:
        """What a later kernel needs to resume this run (see ``Server.resume``)."""
        return {"server": self.server.name, "pipeline_hash": pipeline_hash,
                "task_ids": self.task_ids, "force": self.force, "batch_size": self.batch_size,
                "chunk_size": self.chunk_size, "ocr_options": self.ocr_options,
                "state": "running", "created_at": utcnow().isoformat(),
                "location": getattr(self.server, "location", "kernel")}

    def _record(self, **fields: Any) -> None:
        """Update the run's record in the store; a failure is logged, never the job's end."""
        try:
            self.project.record_run(self.run_id, **fields)
        except Exception:
            log.warning("cannot record run %s in %s", self.run_id,
                        getattr(self.project, "path", "the project"), exc_info=True)

    def _cancel_reader(self, items: queue.Queue) -> None:
        """Unblock and stop the reader (it may be waiting to put a chunk)."""
        self._stop_reading = True
        while True:
            try:
                items.get_nowait()
            except queue.Empty:
                break

    def _read(self, index: dict[int, set[str | None]], done: set[int], items: queue.Queue,
              writes: queue.Queue, failures: list[BaseException]) -> None:
        """Reader thread: stream tasks, skip unchanged ones, build documents, queue chunks."""
        chunk: list[_Item] = []
        try:
            for task in self.project.iter_tasks(self.task_ids, chunk_size=self.chunk_size):
                if self._stop_reading or self._cancel.is_set():
                    break
                try:
                    check_document_path(self.project, task)
                except ValueError as exc:
                    writes.put(("error", task.id, f"cannot read the document: {exc}"))
                    continue
                doc_hash = document_hash(task, self.ocr_options)
                if task.id in done or already_predicted(index, task.id, doc_hash):
                    self._count(done=1, skipped=1)
                    continue
                try:
                    document: Document | RemoteDocument = self._build(task)
                except Exception as exc:  # DocumentError and friends: record on the task, go on
                    writes.put(("error", task.id, f"cannot read the document: {exc}"))
                    continue
                chunk.append(_Item(task, document, doc_hash))
                if len(chunk) >= self.chunk_size:
                    self._put(items, chunk)
                    chunk = []
            if chunk and not self._stop_reading:
                self._put(items, chunk)
        except BaseException as exc:
            failures.append(exc)
        finally:
            self._put(items, _DONE)
            release_connection(self.project)

    def _build(self, task: Task) -> Document:
        """Build one task's document, reporting progress per document and, while OCR runs,
        per page (a chunk of scans can take minutes before its predictions are written).
        A backend that builds documents on its workers gets document tasks unbuilt."""
        if task.kind == "document" and getattr(self.backend, "builds_documents", False):
            return RemoteDocument(task, self.ocr_options)  # type: ignore[return-value]
        if task.kind != "document":
            document = build_document(task, self.ocr_options, project=self.project)
            self._count(read=1)
            return document

        def on_page(done: int, pages: int) -> None:
            with self._lock:
                self._reading = {"task": int(task.id or 0), "page": done, "pages": pages}
            self._notify()

        try:
            return build_document(task, self.ocr_options, project=self.project, on_page=on_page)
        finally:
            with self._lock:
                self._reading = None
                self._counts["read"] += 1
            self._notify()

    def _put(self, items: queue.Queue, value: Any) -> None:
        while not self._stop_reading:
            try:
                items.put(value, timeout=0.1)
                return
            except queue.Full:
                continue

    def _predictions(self, outputs: list[tuple[int, Any]], pending: dict[int, _Item],
                     common: dict[str, Any]) -> tuple[str, list[Prediction], list[tuple[int, str]], list[int]]:
        """Turn a chunk's outputs into predictions, task errors and errors to clear."""
        predictions: list[Prediction] = []
        errors: list[tuple[int, str]] = []
        cleared: list[int] = []
        for task_id, out in outputs:
            item = pending.pop(task_id)
            if isinstance(out, str):
                errors.append((task_id, out))
                continue
            warnings: tuple[str, ...] = ()
            if isinstance(out, Partial):  # some resources failed here: keep the others' results
                warnings, out = out.warnings, out.results
            if isinstance(item.document, RemoteDocument):
                self._count(read=1)  # the worker read it, and mapped boxes
            elif item.document.is_visual:
                out = with_boxes(item.document, out)
            confidences = [r.confidence for r in out if getattr(r, "confidence", None) is not None]
            fields = common
            if item.task.kind == "document":
                fields = {**common, "provenance": self._with_ocr(common["provenance"])}
            if warnings:
                fields = {**fields, "provenance": {**fields["provenance"], "warnings": list(warnings)}}
                with self._lock:
                    self.task_warnings[task_id] = "; ".join(warnings)
                    self._counts["warnings"] += 1
            predictions.append(Prediction(
                task_id=task_id, results=tuple(out), document_hash=item.document_hash,
                score=round(sum(confidences) / len(confidences), 4) if confidences else None,
                **fields,
            ))
            if item.task.error:
                cleared.append(task_id)
        return ("chunk", predictions, errors, cleared)

    def _with_ocr(self, provenance: dict[str, Any]) -> dict[str, Any]:
        """Provenance of a document task's prediction: the server's plus the OCR settings."""
        if self._document_provenance is None:
            self._document_provenance = {**provenance, "ocr": ocr_settings(self.ocr_options)}
        return self._document_provenance

    def _write(self, writes: queue.Queue, failures: list[BaseException]) -> None:
        """Writer thread: one transaction per chunk of predictions; task errors as they come."""
        try:
            self._write_all(writes, failures)
        finally:
            release_connection(self.project)

    def _write_all(self, writes: queue.Queue, failures: list[BaseException]) -> None:
        while True:
            message = writes.get()
            if message is _DONE:
                return
            if failures:
                continue  # drain so the producer never blocks
            try:
                if message[0] == "error":
                    _, task_id, text = message
                    self.project.set_task_error(task_id, text)
                    self.task_errors[task_id] = text
                    self._count(done=1, errors=1)
                else:
                    _, predictions, errors, cleared = message
                    stored = len(predictions)
                    if predictions:
                        stored = self._store(predictions)
                    for task_id, text in errors:
                        self.project.set_task_error(task_id, text)
                        self.task_errors[task_id] = text
                    for task_id in cleared:
                        self.project.set_task_error(task_id, None)
                    self._count(done=len(predictions) + len(errors), predicted=stored,
                                skipped=len(predictions) - stored, errors=len(errors))
                self._notify()
            except BaseException as exc:
                failures.append(exc)


    def _store(self, predictions: list[Prediction]) -> int:
        """Write a chunk; returns how many were stored.

        Without ``force``, a prediction that another run of the same pipeline stored since
        this job read its index (two servers of one config, two kernels) is skipped inside
        the write transaction, so concurrent runs never duplicate a task's prediction.
        """
        if self.force:
            return len(self.project.add_predictions(predictions))
        return len(self.project.add_predictions(predictions, skip_existing=True))
