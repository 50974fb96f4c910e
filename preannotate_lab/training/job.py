"""TrainingJob: a training process seen from the kernel (progress, cancel, wait, result).

The model trains in a separate process (``multiprocessing`` spawn context), so the notebook,
its widgets and the pre-annotation servers keep running; a thread of the kernel reads the
process's messages, and when the model is saved registers its folder in the hub.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue as queue_module
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..lifecycle import FINAL_STATES, BackgroundWork, ProgressCallback
from .errors import TrainingError
from .worker import train_process

__all__ = ["CANCEL_GRACE_S", "FINAL_STATES", "ProgressCallback", "TrainingJob"]

CANCEL_GRACE_S = 10.0  # a process that has not stopped this long after cancel() is terminated
_log = logging.getLogger(__name__)


class TrainingJob(BackgroundWork):
    """A model training in the background.

    ``state``: queued -> running -> saving -> done | failed | cancelled. ``history`` holds one
    dict per finished epoch (epoch, loss, dev P/R/F); ``result`` the summary once done;
    ``warnings`` what the training data lacks (known before the first epoch). ``on_progress``
    callbacks run after every epoch and state change (from a kernel thread); ``cancel()``
    stops the training between two minibatches, and nothing is saved or registered then;
    ``wait()`` raises :class:`TrainingError` if it failed.
    """

    failure_error = TrainingError

    def __init__(self, spec: dict[str, Any], *, hub: Any, warnings: list[str],
                 on_progress: ProgressCallback | None = None,
                 on_finish: Callable[[TrainingJob], None] | None = None) -> None:
        ctx = multiprocessing.get_context("spawn")
        super().__init__(on_progress, cancel_event=ctx.Event())
        self.name: str = spec["meta_name"]
        self.kind: str = spec["kind"]
        self.output_dir = Path(spec["output_dir"])
        self.version: str = spec["version"]
        self.labels: tuple[str, ...] = tuple(spec["labels"])
        self.n_iter: int = spec["n_iter"]
        self.warnings = list(warnings)
        self.summary: dict[str, Any] = dict(spec["summary"])
        self.traceback: str | None = None
        self.history: list[dict[str, Any]] = []
        self.result: dict[str, Any] | None = None
        self.resource_name: str | None = None
        self._spec = spec
        self._hub = hub
        self._on_finish = on_finish
        self._started = time.perf_counter()
        self._queue = ctx.Queue()
        self._process = ctx.Process(target=train_process, args=(spec, self._queue, self._cancel),
                                    name=f"preannotate-train-{self.name}", daemon=True)
        self._monitor = threading.Thread(target=self._watch, name=f"train-watch-{self.id}",
                                         daemon=True)

    def start(self) -> TrainingJob:
        self._process.start()
        self._monitor.start()
        return self

    # -- public ---------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def progress(self) -> dict[str, Any]:
        """state, epoch, n_iter, loss, dev (p, r, f, per_label) of the last epoch, elapsed (s)."""
        with self._lock:
            last = dict(self.history[-1]) if self.history else {}
        return {
            "job": self.id, "name": self.name, "kind": self.kind, "state": self.state,
            "epoch": last.get("epoch", 0), "n_iter": self.n_iter, "loss": last.get("loss"),
            "dev": last.get("dev"), "elapsed": round(self.elapsed, 3), "error": self.error,
        }

    def __repr__(self) -> str:
        p = self.progress
        return f"<TrainingJob {self.name!r} {p['state']} epoch {p['epoch']}/{self.n_iter}>"

    def _describe(self) -> str:
        return f"training {self.name!r}"

    def _position(self) -> str:
        return f"epoch {self.progress['epoch']} of {self.n_iter}"

    # -- the watcher thread ---------------------------------------------------------------
    def _watch(self) -> None:
        try:
            self._read_messages()
        except BaseException as exc:  # noqa: BLE001 - the job must always reach a final state
            self.error = f"{type(exc).__name__}: {exc}"
            self.state = "failed"
        finally:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join(5)
            self._queue.close()
            self._ended = time.perf_counter()
            if self._on_finish is not None:  # before wait() returns: the folder is free again
                try:
                    self._on_finish(self)
                except Exception:  # noqa: BLE001 - never leave wait() hanging
                    _log.exception("training on_finish hook failed")
            self._finish()
            self._notify()

    def _read_messages(self) -> None:
        cancel_seen: float | None = None
        while True:
            try:
                message = self._queue.get(timeout=0.2)
            except queue_module.Empty:
                if self._cancel.is_set():
                    cancel_seen = cancel_seen or time.perf_counter()
                    if time.perf_counter() - cancel_seen > CANCEL_GRACE_S:
                        self._process.terminate()  # stuck in a load or a long batch
                        self.state = "cancelled"
                        return
                if not self._process.is_alive():
                    try:  # its last message may still be in the pipe
                        message = self._queue.get(timeout=1.0)
                    except queue_module.Empty:
                        self.error = _silent_exit(self._process.exitcode)
                        self.state = "failed"
                        return
                else:
                    continue
            if self._handle(message):
                return

    def _handle(self, message: dict[str, Any]) -> bool:
        """Apply one message; True when it was the last."""
        kind = message.get("type")
        if kind == "started":
            self._set_state("running")
        elif kind == "epoch":
            with self._lock:
                self.history.append({k: v for k, v in message.items() if k != "type"})
            self._notify()
        elif kind == "cancelled":
            self.state = "cancelled"
            return True
        elif kind == "error":
            self.error = str(message.get("message"))
            self.traceback = message.get("traceback")
            self.state = "failed"
            return True
        elif kind == "done":
            self._set_state("saving")
            self._register(message)
            return True
        return False

    def _register(self, message: dict[str, Any]) -> None:
        from ..resources import ResourceError

        try:
            info = self._hub.add_model_path(self.output_dir)
        except ResourceError as exc:
            self.error = f"the model was saved in {self.output_dir} but the hub refused it: {exc}"
            self.state = "failed"
            return
        self.resource_name = info.name
        self.result = {
            "resource": info.name, "kind": info.kind, "labels": list(info.labels),
            "version": info.version, "output_dir": str(self.output_dir),
            "component": message.get("component"), "epochs": len(self.history),
            "dev": message.get("dev"), "warnings": list(self.warnings),
            "training_data": dict(self.summary.get("data", {})),
            "elapsed": message.get("elapsed"),
        }
        self.state = "done"


def _silent_exit(code: int | None) -> str:
    if code is not None and code < 0:
        why = f"it was killed by signal {-code}" + (" (out of memory?)" if code == -9 else "")
    else:
        why = (f"exit code {code}: it failed before reporting; its traceback is on the "
               "kernel's stderr (a script that starts training must guard it with "
               "if __name__ == '__main__')")
    return f"the training process ended without a result: {why}"
