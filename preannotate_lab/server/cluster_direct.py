"""A small job's batches called straight on the workers, and which workers may take them.

A batch submitted as a Dask task goes from the kernel to the scheduler, which assigns it to a
worker, which reports back to the scheduler, which tells the kernel, which then fetches the
result: 6-9 ms of messages on an idle loopback cluster for a task that does nothing. A small job (a few tasks
picked in the grid, fitting in one batch per worker; :mod:`.cluster_backend` decides) instead
calls each worker's handler (:meth:`.cluster_worker.PipelineHost.run_direct`) with its batch:
one request relayed by the scheduler's connection to the worker, and its reply. The scheduler
always reaches its workers, which the kernel may not (a cluster behind a gateway); a client set
``direct_to_workers`` says its workers are reachable, and is then served without the relay.

The kernel must not call a worker that is gone: connecting to a dead address is retried until
Dask's connect timeout (30 s). So the addresses come from the scheduler (refreshed by any job
that asks it for its workers) and each is watched through the scheduler's events on that
worker's topic: when the scheduler removes it, it leaves the list at once and its calls in
flight are cancelled. A call that fails or is cancelled is not its batch's fault: the backend
then submits the batch as a task.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

log = logging.getLogger(__name__)

# a worker removed this recently is not taken back from a list the scheduler sent before
# the removal reached this kernel
REMOVED_MEMORY_S = 30.0


class _WorkerGone(ConnectionError):
    """The worker a direct call was meant for has left the cluster."""


class DirectCalls:
    """The workers a kernel may call directly, and the calls (see module docstring)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._lock = threading.Lock()
        # worker address -> its calls in flight (asyncio tasks on the client's loop)
        self._workers: dict[str, set[asyncio.Task[Any]]] = {}
        self._removed: dict[str, float] = {}  # address -> when the scheduler removed it
        self._watched: set[str] = set()  # topics this kernel subscribed to

    def workers(self) -> list[str]:
        """The workers as last seen, without asking the scheduler."""
        with self._lock:
            return list(self._workers)

    def update(self, addresses: list[str]) -> None:
        """The scheduler's list of workers, fresh from a round trip."""
        now = time.monotonic()
        with self._lock:
            self._removed = {a: t for a, t in self._removed.items() if now - t < REMOVED_MEMORY_S}
            current = [a for a in addresses if a not in self._removed]
            for address in list(self._workers):
                if address not in current:
                    del self._workers[address]
            for address in current:
                self._workers.setdefault(address, set())
            new = [a for a in current if a not in self._watched]
            gone = [a for a in self._watched if a not in addresses]
            self._watched.update(new)
            self._watched.difference_update(gone)
        for address in new:
            self.client.subscribe_topic(address, partial(self._on_event, address))
        for address in gone:
            self._unwatch(address)

    def _on_event(self, address: str, event: tuple[float, Any]) -> None:
        """An event of one worker's topic (on the client's loop)."""
        message = event[1] if isinstance(event, tuple) and len(event) == 2 else None
        action = message.get("action") if isinstance(message, dict) else None
        if action == "remove-worker":
            with self._lock:
                calls = self._workers.pop(address, set())
                self._removed[address] = time.monotonic()
            for call in calls:
                call.cancel()
        elif action == "add-worker":  # back at the same address
            with self._lock:
                self._removed.pop(address, None)
                self._workers.setdefault(address, set())

    def run(self, function: Callable[..., Any], spec: Any, batches: list[Any],
            targets: list[str], batch_size: int) -> list[Any]:
        """Call ``targets[i]`` with ``batches[i]``; per batch the worker's outcome
        (``("done", outputs)`` or ``("failed", exception)``) or the call's own exception."""
        from distributed.protocol import to_serialize

        from .cluster_worker import DIRECT_OP

        client = self.client

        async def call(worker: str, batch: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None  # gather runs each call as a task
            with self._lock:  # the loop runs the event handler too: no removal can slip by
                calls = self._workers.get(worker)
                if calls is None:
                    raise _WorkerGone(f"worker {worker} has left the cluster")
                calls.add(task)
            message = {"function": to_serialize(function), "spec": to_serialize(spec),
                       "items": to_serialize(batch), "batch_size": batch_size}
            try:
                if client.direct_to_workers:
                    reply = await getattr(client.rpc(worker), DIRECT_OP)(**message)
                else:
                    reply = await client.scheduler.proxy(msg={"op": DIRECT_OP, **message},
                                                         worker=worker)
                return reply["outcome"]
            finally:
                with self._lock:
                    calls.discard(task)

        async def calls() -> list[Any]:
            return await asyncio.gather(*(call(w, b) for w, b in zip(targets, batches, strict=True)),
                                        return_exceptions=True)

        return list(client.sync(calls))

    def close(self) -> None:
        """Stop watching the workers' topics."""
        with self._lock:
            watched, self._watched = list(self._watched), set()
            self._workers.clear()
        for address in watched:
            self._unwatch(address)

    def _unwatch(self, address: str) -> None:
        try:
            self.client.unsubscribe_topic(address)
        except Exception:  # not subscribed, or the client is closed
            log.debug("cannot unsubscribe from %s", address, exc_info=True)
