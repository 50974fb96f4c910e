"""Reading what is still readable out of a damaged SQLite file, table by table.

Rows are read in rowid ranges through the table's own b-tree (never an index, which may be
damaged on its own). A range that raises is read again row by row, so a bad page costs only
the rows on it; the rowids whose read failed are recorded. The file is opened read-only:
recovery never writes to the damaged file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .db import is_busy

RANGE = 256  # rowids per range: a failed range costs at most this many point reads
# when the table's last rowid cannot be read: stop after this many ranges with no readable row
GIVE_UP_AFTER = 256


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that checks cells as it reads them (catches more damage)."""
    # without a write-ahead log there is nothing but the file to read: immutable keeps SQLite
    # from making -wal/-shm files beside it; with one, mode=ro reads its committed pages too
    has_wal = Path(f"{path}-wal").exists()
    uri = path.resolve().as_uri() + ("?mode=ro" if has_wal else "?immutable=1")
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA cell_size_check = ON")
        conn.execute("PRAGMA query_only = ON")
        # a truncated file's header promises more pages than it has: SQLite refuses to read
        # it at all, except with writable_schema, where it reads the pages that are there
        # (query_only above still forbids every write)
        conn.execute("PRAGMA writable_schema = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _failed(exc: sqlite3.DatabaseError) -> bool:
    """True for a read that failed on the file's contents (not on another writer's lock)."""
    return not is_busy(exc)


def _bound(conn: sqlite3.Connection, sql: str) -> tuple[bool, int | None]:
    """(read at all, value): an empty table reads as (True, None), a damaged end as (False, None)."""
    try:
        value = conn.execute(sql).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if not _failed(exc):
            raise
        return False, None
    return True, value if isinstance(value, int) else None


def sequences(conn: sqlite3.Connection) -> dict[str, int]:
    """The AUTOINCREMENT counters (so ids of deleted rows stay unused); {} if unreadable."""
    try:
        rows = conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall()
    except sqlite3.DatabaseError as exc:
        if not _failed(exc):
            raise
        return {}
    return {name: seq for name, seq in rows if isinstance(name, str) and isinstance(seq, int)}


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The table's stored columns: hidden 2 and 3 are generated columns, computed on read."""
    return [row[1] for row in conn.execute(f"PRAGMA table_xinfo({quote(table)})") if row[6] == 0]


@dataclass
class TableRead:
    """What reading one table found besides its rows."""

    unreadable: list[int] = field(default_factory=list)
    # set when the table's last rowid could not be read: reading stopped after this rowid
    end_unknown_after: int | None = None


def iter_rows(
    conn: sqlite3.Connection, table: str, names: list[str], read: TableRead, seq: int | None
) -> Iterator[list[tuple]]:
    """Batches of ``(rowid, *names)`` rows in rowid order; failed rowids go to ``read``."""
    select = (f"SELECT rowid, {', '.join(map(quote, names))} FROM {quote(table)} NOT INDEXED "
              "WHERE rowid BETWEEN ? AND ? ORDER BY rowid")
    _, low = _bound(conn, f"SELECT min(rowid) FROM {quote(table)}")
    high_read, high = _bound(conn, f"SELECT max(rowid) FROM {quote(table)}")
    if high_read and high is None:
        return  # an empty table
    if not high_read:
        high = seq  # may be None too: then read on until nothing more comes
    low = 1 if low is None else low
    last_read, misses, start = low - 1, 0, low
    while (start <= high) if high is not None else (misses < GIVE_UP_AFTER):
        stop = start + RANGE - 1 if high is None else min(start + RANGE - 1, high)
        rows = _read_range(conn, select, start, stop, read)
        if rows:
            last_read, misses = rows[-1][0], 0
            yield rows
        else:
            misses += 1
        start = stop + 1
    if high is None:
        # past the last readable row nothing says which rowids ever existed
        read.unreadable = [r for r in read.unreadable if r <= last_read]
        read.end_unknown_after = last_read


def _read_range(
    conn: sqlite3.Connection, select: str, start: int, stop: int, read: TableRead
) -> list[tuple]:
    try:
        return conn.execute(select, (start, stop)).fetchall()
    except sqlite3.DatabaseError as exc:
        if not _failed(exc):
            raise
    rows = []
    for rowid in range(start, stop + 1):
        try:
            rows.extend(conn.execute(select, (rowid, rowid)).fetchall())
        except sqlite3.DatabaseError as exc:
            if not _failed(exc):
                raise
            read.unreadable.append(rowid)
    return rows
