"""A trigram index over the text of the project's tasks, for the rule studio's live statistics.

``task_text_index`` is an FTS5 table with the ``trigram`` tokenizer (case folded) and
``detail=none``: per three-character sequence it stores which tasks contain it, and nothing
else (no positions, no copy of the text), about 70% of the text's size. A query of trigrams
joined by AND / OR returns a superset of the tasks that hold the literal parts of a pattern;
the exact regex then runs on those tasks only.

Kept current by triggers on ``task_data``, so whatever writes a task (add, update in place,
delete, recovery) keeps it right without knowing of it:

* a new or changed row only goes into ``text_index_pending`` (a plain table: an FTS5 insert in a
  trigger flushes the index per row, which made imports 5x slower); the next use of the index
  adds every pending text in one statement (:meth:`TextIndexMixin.ensure_text_index`), which is
  how an existing project's index is "computed once";
* a changed or deleted row that is in the index is taken out at once (a contentless table
  needs the old text to do that, and only the trigger still has it). What is indexed is a pure
  function of the row (``data.text`` when it is a string), so a delete removes exactly what was
  added.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable

from .db import Database

TABLE = "task_text_index"
PENDING = "text_index_pending"
# the text of a task_data row, as indexed: NULL for a row without a string under data.text
_BODY = "CASE json_type({row}.data, '$.text') WHEN 'text' THEN json_extract({row}.data, '$.text') END"
_LOOKUP_CHUNK = 5_000


def _unindex_old() -> str:
    # only a row that is in the index: a 'delete' of text never added would corrupt it
    return (f"INSERT INTO {TABLE} ({TABLE}, rowid, body) "
            f"SELECT 'delete', old.task_id, {_BODY.format(row='old')} "
            f"WHERE old.task_id NOT IN (SELECT task_id FROM {PENDING});")


def create_text_index(conn: sqlite3.Connection) -> None:
    """Schema v8: the index, the pending list (every existing task) and the triggers.

    Anything left of an earlier index is dropped first, so the index is rebuilt from the tasks:
    a file whose version number was lowered by hand, or restored from a partial copy, still
    migrates instead of failing on a table that already exists.
    """
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER IF EXISTS task_text_index_{trigger}")
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(f"DROP TABLE IF EXISTS {PENDING}")
    conn.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5"
        "(body, tokenize = 'trigram', detail = none, content = '')"
    )
    conn.execute(f"CREATE TABLE {PENDING} (task_id INTEGER PRIMARY KEY)")
    conn.execute(f"INSERT INTO {PENDING} (task_id) SELECT task_id FROM task_data")
    conn.execute(
        f"""CREATE TRIGGER task_text_index_insert AFTER INSERT ON task_data BEGIN
            INSERT OR IGNORE INTO {PENDING} (task_id) VALUES (new.task_id); END"""
    )
    conn.execute(
        f"""CREATE TRIGGER task_text_index_delete AFTER DELETE ON task_data BEGIN
            {_unindex_old()}
            DELETE FROM {PENDING} WHERE task_id = old.task_id; END"""
    )
    conn.execute(
        f"""CREATE TRIGGER task_text_index_update AFTER UPDATE OF data, task_id ON task_data BEGIN
            {_unindex_old()}
            DELETE FROM {PENDING} WHERE task_id = old.task_id;
            INSERT OR IGNORE INTO {PENDING} (task_id) VALUES (new.task_id); END"""
    )


class TextIndexMixin:
    _db: Database

    def ensure_text_index(self) -> tuple[int, float]:
        """Add every pending text to the index: (how many tasks, seconds); (0, 0.0) if none."""
        pending = self._db.read(
            lambda c: c.execute(f"SELECT count(*) FROM {PENDING}").fetchone()[0])
        if not pending:
            return 0, 0.0
        started = time.perf_counter()
        with self._db.write() as conn:
            added = conn.execute(
                f"INSERT INTO {TABLE} (rowid, body) SELECT d.task_id, {_BODY.format(row='d')} "
                f"FROM task_data d JOIN {PENDING} p ON p.task_id = d.task_id").rowcount
            conn.execute(f"DELETE FROM {PENDING}")
        return max(added, 0), time.perf_counter() - started

    def text_generation(self) -> int:
        """A number that changes whenever tasks are added, updated or deleted (the grid's search
        generation, which every such write bumps)."""
        row = self._db.read(
            lambda c: c.execute("SELECT value FROM meta WHERE key = 'search_generation'").fetchone())
        return int(row[0]) if row else 0

    def text_candidates(self, query: str) -> list[int]:
        """Ids (ascending) of tasks whose text may match ``query``, an FTS5 expression of quoted
        trigrams (``"mil" AND "ill"``, case folded): a superset of the exact matches."""
        self.ensure_text_index()
        rows = self._db.fetch_all(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ? ORDER BY rowid", (query,))
        return [r[0] for r in rows]

    def text_task_ids(self) -> list[int]:
        """Ids of the text tasks (those with a string under ``data.text``), ascending."""
        rows = self._db.fetch_all(
            "SELECT t.id FROM tasks t JOIN task_data d ON d.task_id = t.id WHERE t.kind = 'text' "
            "AND json_type(d.data, '$.text') = 'text' ORDER BY t.id")
        return [r[0] for r in rows]

    def task_texts(self, ids: Iterable[int] | None = None) -> dict[int, str]:
        """Task id -> text of the text tasks (all, or those of ``ids`` that exist), in id order.

        Reads the text out of the stored JSON in SQL, so no task's data is parsed in Python.
        """
        select = ("SELECT t.id, json_extract(d.data, '$.text') FROM tasks t "
                  "JOIN task_data d ON d.task_id = t.id WHERE t.kind = 'text' "
                  "AND json_type(d.data, '$.text') = 'text'")
        if ids is None:
            return {r[0]: r[1] for r in self._db.fetch_all(select + " ORDER BY t.id")}
        wanted = sorted({int(i) for i in ids})
        out: dict[int, str] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            part = json.dumps(wanted[start:start + _LOOKUP_CHUNK])
            out.update((r[0], r[1]) for r in self._db.fetch_all(
                select + " AND t.id IN (SELECT value FROM json_each(?)) ORDER BY t.id", (part,)))
        return out
