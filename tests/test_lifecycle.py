"""BackgroundWork, the lifecycle under pre-annotation and training jobs, on a real thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from preannotate_lab.errors import PreannotateError
from preannotate_lab.lifecycle import BackgroundWork


class _StepError(PreannotateError):
    pass


class _Steps(BackgroundWork):
    """Counts to ``n`` in a thread, one step per ``go`` event; fails at ``fail_at``."""

    failure_error = _StepError

    def __init__(self, n: int, fail_at: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n, self.fail_at, self.done = n, fail_at, 0
        self.go = threading.Semaphore(0)

    @property
    def progress(self) -> dict[str, Any]:
        return {"state": self.state, "done": self.done, "total": self.n}

    def _describe(self) -> str:
        return f"steps {self.id}"

    def _position(self) -> str:
        return f"{self.done} of {self.n}"

    def run(self) -> None:
        if not self._change_state("queued", "running"):
            return
        self._notify()
        try:
            while self.done < self.n and not self._cancel.is_set():
                self.go.acquire()
                if self.done == self.fail_at:
                    raise RuntimeError("step broke")
                self.done += 1
                self._notify()
            self._set_state("cancelled" if self._cancel.is_set() else "done")
        except RuntimeError as exc:
            self.error = str(exc)
            self._set_state("failed")
        finally:
            self._finish()

    def start(self) -> _Steps:
        threading.Thread(target=self.run, daemon=True).start()
        return self


def test_wait_returns_the_work_once_done_and_callbacks_see_every_step():
    seen: list[dict[str, Any]] = []
    work = _Steps(3, on_progress=seen.append).start()
    for _ in range(3):
        work.go.release()
    assert work.wait(10) is work
    assert work.finished and work.state == "done" and work.elapsed == 0.0  # no clock kept
    assert [p["done"] for p in seen] == [0, 1, 2, 3, 3]
    assert seen[-1]["state"] == "done"


def test_a_timeout_names_the_work_and_how_far_it_got():
    work = _Steps(2).start()
    work.go.release()
    with pytest.raises(TimeoutError, match=r"steps \w+ still running after 0.2 s \(1 of 2\)"):
        work.wait(0.2)
    work.cancel()
    work.go.release()
    assert work.wait(10).state == "cancelled"


def test_a_failure_raises_the_works_own_error_from_every_waiter():
    work = _Steps(3, fail_at=1)
    errors: list[BaseException] = []

    def waiter() -> None:
        try:
            work.wait(10)
        except _StepError as exc:
            errors.append(exc)

    waiters = [threading.Thread(target=waiter) for _ in range(3)]
    for thread in waiters:
        thread.start()
    work.start()
    work.go.release()
    work.go.release()
    for thread in waiters:
        thread.join(10)
    assert len(errors) == 3
    assert all(str(e) == f"steps {work.id} failed: step broke" for e in errors)


def test_a_broken_callback_is_logged_and_the_work_goes_on(caplog):
    def broken(progress: dict[str, Any]) -> None:
        raise ValueError("bad progress bar")

    work = _Steps(1, on_progress=broken).start()
    work.go.release()
    assert work.wait(10).state == "done"
    assert "progress callback of steps" in caplog.text

