"""The kernel's cache of loaded resources, shared by every server.

A spaCy pipeline used by two servers is loaded once: entries are keyed by resource name plus
a fingerprint of what would be built (factory, config, version), so a changed rule set or a
retrained model is a new entry. Least recently used entries are evicted to stay under the
memory budget; an entry pinned by a running job is never evicted.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .errors import CapacityError


@dataclass
class CacheEntry:
    """One loaded resource and its bookkeeping."""

    key: str
    name: str
    resource: Any
    memory_mb: float
    load_s: float
    last_used: float = field(default_factory=time.monotonic)
    pins: int = 0  # running jobs using it; a pinned entry is never evicted
    # one batch at a time per loaded model: spaCy pipelines are not documented as thread-safe
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class ResourceCache:
    """LRU cache of loaded resources under a memory budget (MB)."""

    def __init__(self, budget_mb: float) -> None:
        self.budget_mb = float(budget_mb)
        self._entries: dict[str, CacheEntry] = {}
        self._lock = threading.RLock()
        self._loading: dict[str, threading.Lock] = {}
        self.loads: Counter[str] = Counter()  # resource name -> times built (cold loads)

    # -- queries --------------------------------------------------------------------------
    @property
    def used_mb(self) -> float:
        with self._lock:
            return sum(e.memory_mb for e in self._entries.values())

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)

    def entry(self, key: str) -> CacheEntry | None:
        return self._entries.get(key)

    def describe(self) -> list[dict[str, Any]]:
        """Entries for UIs, most recently used first."""
        with self._lock:
            entries = sorted(self._entries.values(), key=lambda e: -e.last_used)
            return [
                {"name": e.name, "key": e.key, "memory_mb": e.memory_mb, "pinned": e.pins > 0,
                 "load_s": round(e.load_s, 3)}
                for e in entries
            ]

    # -- loading --------------------------------------------------------------------------
    def get(self, key: str, name: str, memory_mb: float, build: Callable[[], Any]) -> CacheEntry:
        """The entry for ``key``, building it with ``build()`` on a miss (once, even if racing)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.last_used = time.monotonic()
                return entry
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:  # a second caller for the same key waits for the first load
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    entry.last_used = time.monotonic()
                    return entry
                self._make_room(memory_mb, name)
            started = time.perf_counter()
            resource = build()
            entry = CacheEntry(key, name, resource, float(memory_mb), time.perf_counter() - started)
            with self._lock:
                self._entries[key] = entry
                self.loads[name] += 1
                self._loading.pop(key, None)
            return entry

    def _make_room(self, memory_mb: float, name: str) -> None:
        """Evict least recently used unpinned entries until ``memory_mb`` more fits."""
        while self.used_mb + memory_mb > self.budget_mb:
            idle = [e for e in self._entries.values() if e.pins == 0]
            if not idle:
                raise CapacityError(
                    f"loading {name!r} (~{memory_mb:.0f} MB) exceeds the memory budget of "
                    f"{self.budget_mb:.0f} MB and every loaded resource is in use by a running "
                    "job; wait for a job to finish or raise the budget"
                )
            victim = min(idle, key=lambda e: e.last_used)
            del self._entries[victim.key]

    def can_fit(self, memory_mb: float) -> bool:
        """Whether ``memory_mb`` more fits after evicting every unpinned entry."""
        with self._lock:
            pinned = sum(e.memory_mb for e in self._entries.values() if e.pins > 0)
        return pinned + memory_mb <= self.budget_mb

    def evict(self, key: str) -> bool:
        """Drop one entry unless a running job pins it; returns whether it was dropped."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.pins > 0:
                return False
            del self._entries[key]
            return True

    def clear(self) -> None:
        """Drop every unpinned entry."""
        with self._lock:
            for key in [k for k, e in self._entries.items() if e.pins == 0]:
                del self._entries[key]

    # -- pinning --------------------------------------------------------------------------
    @contextmanager
    def pinned(self, entries: list[CacheEntry]) -> Iterator[list[CacheEntry]]:
        """Keep ``entries`` loaded while a job uses them."""
        with self._lock:
            for e in entries:
                e.pins += 1
                e.last_used = time.monotonic()
                # evicted between lookup and pinning: the object is still alive, so count it again
                self._entries.setdefault(e.key, e)
        try:
            yield entries
        finally:
            with self._lock:
                for e in entries:
                    e.pins -= 1
                    e.last_used = time.monotonic()
