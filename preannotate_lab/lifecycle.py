"""BackgroundWork: the lifecycle shared by pre-annotation jobs and training jobs.

Both run away from the kernel's thread (a server's job thread, a training process) and are
watched from it: a ``state`` (queued -> running -> done | failed | cancelled, training adds
saving), a ``progress`` dict, ``on_progress`` callbacks, ``cancel()`` and ``wait()``. This module
knows neither servers nor training, so both can build on it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Self

from .errors import PreannotateError

ProgressCallback = Callable[[dict[str, Any]], None]
FINAL_STATES = ("done", "failed", "cancelled")
_log = logging.getLogger(__name__)


class BackgroundWork(ABC):
    """Work running in another thread or process, seen from the kernel.

    A subclass says what its progress is (``progress``), how messages name it (``_describe``,
    ``_position``) and which error a failure raises (``failure_error``); it runs the work,
    moving ``state`` with ``_set_state`` / ``_change_state`` and ending with ``_finish``.
    """

    failure_error: type[PreannotateError] = PreannotateError

    def __init__(self, on_progress: ProgressCallback | None = None, *,
                 cancel_event: Any = None) -> None:
        self.id = uuid.uuid4().hex[:8]
        self.state = "queued"
        self.error: str | None = None
        self._callbacks: list[ProgressCallback] = [on_progress] if on_progress else []
        # a process-shared event when the work runs in another process
        self._cancel = cancel_event if cancel_event is not None else threading.Event()
        self._lock = threading.Lock()  # guards what the subclass counts (chunks, epochs)
        self._condition = threading.Condition()  # guards state changes and the end
        self._ended_flag = False
        self._started: float | None = None
        self._ended: float | None = None

    # -- what a subclass says ------------------------------------------------------------------
    @property
    @abstractmethod
    def progress(self) -> dict[str, Any]:
        """The state and counts a progress bar shows (any thread may ask)."""

    @abstractmethod
    def _describe(self) -> str:
        """How messages name this work, e.g. ``job 1a2b on server 'ner'``."""

    @abstractmethod
    def _position(self) -> str:
        """How far it got, for a timeout message, e.g. ``12 done``."""

    # -- public ---------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self._ended_flag

    @property
    def elapsed(self) -> float:
        if self._started is None:
            return 0.0
        return (self._ended or time.perf_counter()) - self._started

    def on_progress(self, callback: ProgressCallback) -> None:
        """Call ``callback(progress)`` after every step and state change (from a background thread)."""
        self._callbacks.append(callback)

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> Self:
        """Block until the work ends; raises ``failure_error`` if it failed, TimeoutError on timeout."""
        with self._condition:
            ended = self._condition.wait_for(lambda: self._ended_flag, timeout)
        if not ended:
            raise TimeoutError(f"{self._describe()} still {self.state} after {timeout} s "
                               f"({self._position()})")
        if self.state == "failed":
            raise self.failure_error(f"{self._describe()} failed: {self.error}")
        return self

    # -- for the thread that runs the work ---------------------------------------------------
    def _set_state(self, state: str) -> None:
        with self._condition:
            self.state = state
        self._notify()

    def _change_state(self, expected: str, state: str) -> bool:
        """Move from ``expected`` to ``state`` if it is still ``expected`` (no callbacks)."""
        with self._condition:
            if self.state != expected:
                return False
            self.state = state
            return True

    def _finish(self) -> None:
        """The work has ended for good: release every ``wait()``."""
        with self._condition:
            self._ended_flag = True
            self._condition.notify_all()

    def _notify(self) -> None:
        if not self._callbacks:
            return
        progress = self.progress
        for callback in list(self._callbacks):
            try:
                callback(progress)
            except Exception:  # a broken progress bar must not stop the work
                _log.exception("progress callback of %s failed", self._describe())
