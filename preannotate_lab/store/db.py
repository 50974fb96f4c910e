"""Connections to one project file: one per thread, WAL, and waiting out other writers.

A thread's connection lives as long as the thread: a thread that is done with the project
calls :meth:`Database.release_thread`, and connections left behind by threads that ended
without it are closed the next time any thread opens one, so short-lived threads (a job's
reader and writer, a widget's worker) never pile up open files. A released connection that
holds no per-thread state is kept idle (up to ``IDLE_CONNECTIONS``) for the next thread: every
job starts three threads, and opening a connection with its settings costs each ~0.3-0.8 ms,
a tenth of a small job.

Closing the project from one thread while another is mid-statement on its connection would
crash the interpreter (the sqlite3 module frees what the running statement uses), so each
connection is held for the length of a transaction, and :meth:`Database.close` closes at once
only the idle ones: a busy one is closed by its own thread when its transaction ends.

SQLite allows many readers and one writer. Every write starts with ``BEGIN IMMEDIATE`` so
a writer takes the write lock up front (a deferred transaction that upgrades later can fail
with "database is locked" half-way, which cannot be waited out). ``busy_timeout`` makes
SQLite itself wait; on top of that the store retries with backoff, so a busy file shows up
as a short pause, never as an error, unless it stays busy for ``patience`` seconds.
"""

from __future__ import annotations

import os
import random
import shlex
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from .errors import ProjectFileError, StoreBusyError, StoreError

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5_000
PATIENCE_S = 600.0
IDLE_CONNECTIONS = 4  # released connections kept for the next threads (see module docstring)


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" errors."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def is_damaged(exc: BaseException) -> bool:
    """True for SQLite's "database disk image is malformed" and "file is not a database"."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(
            exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
        return False  # a constraint or a trigger's refusal, not damage
    code = getattr(exc, "sqlite_errorname", "") or ""
    message = str(exc).lower()
    return (code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
            or "malformed" in message or "not a database" in message)


def damaged_file_error(path: Path, exc: BaseException) -> ProjectFileError:
    """The error for a damaged project file: which file, what SQLite said, how to recover."""
    fixed = path.with_name(f"{path.stem}-recovered{path.suffix or '.sqlite'}")
    return ProjectFileError(
        f"project file {path} is damaged (SQLite: {exc}). Copy what it still holds into a new "
        f"file: preannotate recover {shlex.quote(str(path))} {shlex.quote(str(fixed))} (in "
        f"Python: pl.Project.recover({str(path)!r}, {str(fixed)!r})); then open {fixed.name} "
        f"(or restore a backup of {path.name})"
    )


@contextmanager
def _naming_damage(path: Path) -> Iterator[None]:
    """Turn SQLite's damage errors, wherever they surface, into one that names the file."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        # "not a database" for a file that never was SQLite (notes.txt) is not damage: the
        # schema check says "not a project" for it
        if is_damaged(exc) and _starts_like_sqlite(path):
            raise damaged_file_error(path, exc) from exc
        raise


def _starts_like_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def retry_busy(fn: Callable[[], T], path: Path, patience: float = PATIENCE_S) -> T:
    """Call ``fn`` until it does not fail with a busy error, backing off between tries."""
    deadline = time.monotonic() + patience
    delay = 0.005
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"project file {path} stayed locked by another writer for {patience:g} s; "
                    "close other programs writing to it and try again"
                ) from exc
            # jitter keeps two waiting writers from waking up in lock-step
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.25)


class _Held:
    """One thread's connection, and whether that thread is inside a transaction on it."""

    __slots__ = ("conn", "thread", "lock", "depth")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.thread: threading.Thread | None = threading.current_thread()  # None: idle
        self.lock = threading.RLock()  # held by its thread for each (nested) transaction
        self.depth = 0  # how deep that thread is in transactions (only it changes this)


class Database:
    """Per-thread SQLite connections to one file, with read and write transactions."""

    def __init__(
        self, path: Path, *, patience: float = PATIENCE_S, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.path = path
        self.patience = patience
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._lock = threading.Lock()
        # every open connection with its thread and lock (close() and pruning need them)
        self._connections: list[_Held] = []
        self._idle: list[_Held] = []  # released ones, also in _connections, with no thread
        self._pid = os.getpid()
        self._closed = False

    def connect_raw(self) -> sqlite3.Connection:
        """A new connection with the store's settings (autocommit; transactions are explicit)."""
        conn = sqlite3.connect(
            str(self.path),
            timeout=self.busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,  # so close() may close every thread's connection
        )
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            # NORMAL is corruption-safe in WAL mode; it only defers the fsync to checkpoints
            conn.execute("PRAGMA synchronous = NORMAL")
            # 32 MB of page cache per connection keeps the grid's columns of 100,000 tasks
            conn.execute("PRAGMA cache_size = -32000")
            conn.execute("PRAGMA temp_store = MEMORY")  # the grid's search hits live there
        except BaseException:
            conn.close()
            raise
        return conn

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: connections must not cross it)."""
        return self._held().conn

    def _held(self) -> _Held:
        pid = os.getpid()
        if pid != self._pid:
            # a forked child: forget the parent's connections without touching them
            self._local = threading.local()
            self._connections = []
            self._idle = []
            self._lock = threading.Lock()
            self._pid = pid
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None:
            return held
        if self._closed:
            raise StoreError(f"project {self.path} is closed; open it again with Project.open")
        self._prune_dead_threads()
        with self._lock:
            held = self._idle.pop() if self._idle else None
            if held is not None:  # a connection another thread released
                held.thread = threading.current_thread()
        if held is None:
            with _naming_damage(self.path):
                held = _Held(retry_busy(self.connect_raw, self.path, self.patience))
            with self._lock:
                self._connections.append(held)
        self._local.held = held
        return held

    @contextmanager
    def _holding(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, held for one transaction (see the module docstring)."""
        held = self._held()
        with held.lock:
            held.depth += 1
            try:
                yield held.conn
            finally:
                held.depth -= 1
                if not held.depth and self._closed:  # close() left it to us: we were busy
                    _close_quietly(held.conn)

    def release_thread(self) -> None:
        """Give up this thread's connection (call it when a thread is done with the project).

        It is kept for the next thread if it holds no per-thread state (the grid's search
        lives in its temporary tables) and there is room; else closed. The next use from this
        thread takes a connection again, so calling it early is safe.
        """
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            return
        stateless = set(vars(self._local)) == {"held"}
        self._local.__dict__.clear()  # per-connection state (e.g. the grid's search) goes too
        with self._lock:
            if (stateless and not self._closed and held.depth == 0
                    and not held.conn.in_transaction and len(self._idle) < IDLE_CONNECTIONS):
                held.thread = None
                self._idle.append(held)
                return
            self._connections = [h for h in self._connections if h is not held]
        _close_quietly(held.conn)

    def _prune_dead_threads(self) -> None:
        """Close the connections of threads that ended without :meth:`release_thread`."""
        with self._lock:
            dead = [h for h in self._connections if h.thread is not None and not h.thread.is_alive()]
            if not dead:
                return
            self._connections = [h for h in self._connections if h not in dead]
        for held in dead:
            _close_quietly(held.conn)

    @property
    def open_connections(self) -> int:
        """How many connections are open (for tests and diagnostics)."""
        with self._lock:
            return len(self._connections)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``); commits on success, rolls back on error.

        Nested use (a write inside a write on the same thread) joins the outer transaction.
        """
        with self._holding() as conn:
            if conn.in_transaction:
                yield conn
                return
            with _naming_damage(self.path):
                retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"), self.path, self.patience)
                try:
                    yield conn
                except BaseException:
                    try:
                        conn.rollback()
                    except sqlite3.DatabaseError as exc:  # a damaged file may refuse it too
                        if not is_damaged(exc):
                            raise
                    raise
                retry_busy(conn.commit, self.path, self.patience)

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one read transaction (a consistent snapshot); retried while busy."""
        with self._holding() as conn:
            if conn.in_transaction:
                with _naming_damage(self.path):
                    return fn(conn)

            def attempt() -> T:
                conn.execute("BEGIN")
                try:
                    result = fn(conn)
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()  # nothing to write to the file; keeps what fn put in temp tables
                return result

            with _naming_damage(self.path):
                return retry_busy(attempt, self.path, self.patience)

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row of one query, read in one snapshot."""
        return self.read(lambda c: c.execute(sql, params).fetchall())

    @property
    def local(self) -> threading.local:
        """State that belongs with this thread's connection (e.g. the grid's search cache)."""
        self.connection()
        return self._local

    def close(self) -> None:
        """Close every thread's connection; later use raises a clear error.

        A connection another thread is using mid-transaction is closed by that thread when its
        transaction ends (closing it under a running statement would crash the interpreter).
        """
        self._closed = True
        with self._lock:
            connections, self._connections, self._idle = self._connections, [], []
        for held in connections:
            if held.lock.acquire(blocking=False):  # idle, or this thread's own
                try:
                    _close_quietly(held.conn)
                finally:
                    held.lock.release()
        self._local = threading.local()


def _close_quietly(conn: sqlite3.Connection) -> None:
    try:
        conn.close()
    except sqlite3.Error:  # a connection of a thread that is mid-statement
        pass
