"""Tasks: adding in bulk, streaming, and explicit, recorded deletion."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import islice

from ..model import Task, result_to_dict
from .codec import (
    TASK_SELECT,
    completion_from_row,
    edit_from_row,
    from_iso,
    now_iso,
    prediction_from_row,
    search_body,
    source_id_of,
    task_from_row,
    task_values,
    to_iso,
)
from .db import Database
from .errors import InvalidRecordError, PredictionNotFound, TaskNotFound
from .keys import content_key
from .roots import add_roots, task_folders

_WRITE_CHUNK = 5_000
_LOOKUP_CHUNK = 5_000


def next_id(conn: sqlite3.Connection, table: str) -> int:
    """The first id AUTOINCREMENT would hand out (ids of deleted rows are never reused)."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    top = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
    return max(row[0] if row else 0, top) + 1


def require_task(conn: sqlite3.Connection, task_id: int) -> None:
    if conn.execute("SELECT 1 FROM tasks WHERE id = ?", (task_id,)).fetchone() is None:
        raise TaskNotFound(f"no task with id {task_id!r} in this project")


def bump_search_generation(conn: sqlite3.Connection) -> None:
    """Mark cached search hits stale: the set of searchable tasks changed."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('search_generation', '1') ON CONFLICT (key) "
        "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


def bump_review_generation(conn: sqlite3.Connection) -> None:
    """Mark the grid's cached review index stale: a prediction was deleted (new ones show in
    ``max(predictions.id)``, which the cache key holds too)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('review_generation', '1') ON CONFLICT (key) "
        "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


class TaskMixin:
    _db: Database

    def add_tasks(self, tasks: Iterable[Task], *, allow_files: bool = True) -> list[int]:
        """Store tasks and return their new ids, in input order.

        All or nothing: the whole call is one transaction, so a bad task (named by its
        position) leaves the project as it was. Ids of the given tasks are ignored. The
        write lock is held while ``tasks`` is consumed, so hand over ready-made tasks, not a
        generator that does slow work per task.

        ``allow_files``: the folders of the files document tasks name (by absolute path)
        become folders the project may read (see :meth:`allow_root`): the Python caller
        chose those files. Import passes False: it checked every path against the folders
        the project allows and records the folders it imported from itself.
        """
        ids: list[int] = []
        iterator = iter(tasks)
        position = 0
        with self._db.write() as conn:
            first = next_id(conn, "tasks")
            while chunk := list(islice(iterator, _WRITE_CHUNK)):
                rows = []
                search = []
                for task in chunk:
                    task_id = first + position
                    rows.append((task_id, *task_values(task, position)))
                    search.append((task_id, rows[-1][2], search_body(task.kind, task.data)))
                    ids.append(task_id)
                    position += 1
                if allow_files:
                    add_roots(conn, task_folders(chunk), "add_tasks")
                conn.executemany(
                    "INSERT INTO tasks (id, kind, title, error, created_at, source_id, content_key)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (r[0], r[1], r[2], r[4], r[5], source_id_of(t.data),
                         content_key(t.kind, t.data))
                        for r, t in zip(rows, chunk, strict=True)
                    ],
                )
                conn.executemany(
                    "INSERT INTO task_data (task_id, data) VALUES (?, ?)",
                    [(r[0], r[3]) for r in rows],
                )
                conn.executemany(
                    "INSERT INTO task_search (rowid, title, body) VALUES (?, ?, ?)", search
                )
            bump_search_generation(conn)
        return ids

    def get_task(self, task_id: int) -> Task:
        """The task with this id; raises :class:`TaskNotFound` naming the id."""
        row = self._db.read(
            lambda c: c.execute(f"{TASK_SELECT} WHERE t.id = ?", (task_id,)).fetchone()
        )
        if row is None:
            raise TaskNotFound(f"no task with id {task_id!r} in this project")
        return task_from_row(row)

    def iter_tasks(
        self, ids: Iterable[int] | None = None, *, chunk_size: int = 500
    ) -> Iterator[Task]:
        """Stream tasks in id order, ``chunk_size`` at a time (keyset pagination).

        With ``ids``, only those tasks (still in id order; ids of deleted tasks are skipped).
        Each chunk is its own short read, so a long loop never blocks writers' checkpoints.
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        if ids is not None:
            wanted = sorted({int(i) for i in ids})
            for start in range(0, len(wanted), chunk_size):
                part = json.dumps(wanted[start : start + chunk_size])
                rows = self._db.fetch_all(
                    f"{TASK_SELECT} WHERE t.id IN "
                    "(SELECT value FROM json_each(?)) ORDER BY t.id",
                    (part,),
                )
                yield from map(task_from_row, rows)
            return
        last = 0
        while True:
            rows = self._db.fetch_all(
                f"{TASK_SELECT} WHERE t.id > ? ORDER BY t.id LIMIT ?",
                (last, chunk_size),
            )
            if not rows:
                return
            yield from map(task_from_row, rows)
            last = rows[-1]["id"]

    def task_ids_by_source_id(self, source_ids: Iterable[str]) -> dict[str, list[int]]:
        """Stored tasks whose ``data["_source_id"]`` is one of ``source_ids``: id -> task ids.

        Only source ids that are present appear in the result; each list is in id order
        (several tasks may share a source id when they were added directly). Uses the
        indexed ``tasks.source_id`` column, so the cost grows with the ids asked for, not
        with the size of the project. Non-text ids are compared as ``str(id)``.
        """
        return self._task_ids_by("source_id", {str(s) for s in source_ids})

    def task_ids_by_content_key(self, keys: Iterable[str]) -> dict[str, list[int]]:
        """Stored tasks whose :func:`~.keys.content_key` is one of ``keys``: key -> task ids.

        The counterpart of :meth:`task_ids_by_source_id` for tasks read without an id; each
        list is in id order. Uses the indexed ``tasks.content_key`` column.
        """
        return self._task_ids_by("content_key", set(keys))

    def _task_ids_by(self, column: str, values: set[str]) -> dict[str, list[int]]:
        """value -> task ids (in id order) for an indexed text column, asked in chunks."""
        wanted = sorted(values)
        found: dict[str, list[int]] = {}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            part = json.dumps(wanted[start : start + _LOOKUP_CHUNK], ensure_ascii=False)
            rows = self._db.fetch_all(
                f"SELECT {column}, id FROM tasks WHERE {column} IN "  # noqa: S608 - fixed names
                "(SELECT value FROM json_each(?)) ORDER BY id",
                (part,),
            )
            for value, task_id in rows:
                found.setdefault(value, []).append(task_id)
        return found

    def update_task(
        self,
        task_id: int,
        data: dict,
        *,
        title: str | None = None,
        kind: str | None = None,
        by: str = "user",
        reason: str = "",
    ) -> bool:
        """Replace a task's data (and title) in place, keeping its id, predictions and completions.

        ``title=None`` derives the title from the new data; ``kind=None`` keeps the kind.
        What the task held before is recorded in :meth:`task_history` (who, when, why).
        Returns False, recording nothing, when data, kind and title are unchanged.
        """
        with self._db.write() as conn:
            row = conn.execute(f"{TASK_SELECT} WHERE t.id = ?", (task_id,)).fetchone()
            if row is None:
                raise TaskNotFound(f"no task with id {task_id!r} in this project")
            old = task_from_row(row)
            new = Task(data=data, kind=kind or old.kind, title=title)  # type: ignore[arg-type]
            try:
                new_kind, new_title, new_data, _, _ = task_values(new, 0)
            except InvalidRecordError as exc:
                raise InvalidRecordError(
                    f"update of task {task_id}: {str(exc).replace('task at index 0 of this call', 'new data')}"
                ) from exc
            if (new_kind, new_title, json.loads(new_data)) == (old.kind, old.title, old.data):
                return False
            conn.execute(
                "INSERT INTO task_history (task_id, changed_by, changed_at, reason, task)"
                " VALUES (?, ?, ?, ?, ?)",
                (task_id, by, now_iso(), reason,
                 json.dumps(_task_record(old), ensure_ascii=False, sort_keys=True)),
            )
            conn.execute(
                "UPDATE tasks SET kind = ?, title = ?, source_id = ?, content_key = ? WHERE id = ?",
                (new_kind, new_title, source_id_of(data), content_key(new_kind, data), task_id),
            )
            conn.execute("UPDATE task_data SET data = ? WHERE task_id = ?", (new_data, task_id))
            conn.execute(
                "UPDATE task_search SET title = ?, body = ? WHERE rowid = ?",
                (new_title, search_body(new_kind, data), task_id),
            )
            bump_search_generation(conn)
            return True

    def task_history(self, task_id: int | None = None) -> list[dict]:
        """Earlier versions of tasks updated in place (of one task, or all), oldest first."""
        query = "SELECT * FROM task_history"
        args: tuple = ()
        if task_id is not None:
            query += " WHERE task_id = ?"
            args = (task_id,)
        rows = self._db.read(lambda c: c.execute(query + " ORDER BY id", args).fetchall())
        return [
            {
                "task_id": r["task_id"],
                "changed_by": r["changed_by"],
                "changed_at": from_iso(r["changed_at"]),
                "reason": r["reason"],
                "task": json.loads(r["task"]),
            }
            for r in rows
        ]

    def task_ids(self) -> list[int]:
        return [
            r[0]
            for r in self._db.read(
                lambda c: c.execute("SELECT id FROM tasks ORDER BY id").fetchall()
            )
        ]

    def count_tasks(self) -> int:
        return self._db.read(lambda c: c.execute("SELECT count(*) FROM tasks").fetchone()[0])

    def set_task_error(self, task_id: int, message: str | None) -> None:
        """Record the last problem met with a task (``None`` clears it)."""
        with self._db.write() as conn:
            cursor = conn.execute("UPDATE tasks SET error = ? WHERE id = ?", (message, task_id))
            if cursor.rowcount == 0:
                raise TaskNotFound(f"no task with id {task_id!r} in this project")

    def delete_task(self, task_id: int, *, by: str = "user", reason: str = "") -> None:
        """Delete a task with its predictions and completions, keeping a record of all three.

        The record (who, when, why, and the task's JSON, predictions and completions with
        their history) stays in the project: see :meth:`deletions`.
        """
        with self._db.write() as conn:
            row = conn.execute(f"{TASK_SELECT} WHERE t.id = ?", (task_id,)).fetchone()
            if row is None:
                raise TaskNotFound(f"no task with id {task_id!r} in this project")
            task = task_from_row(row)
            predictions = [
                prediction_from_row(r)
                for r in conn.execute(
                    "SELECT * FROM predictions WHERE task_id = ? ORDER BY id", (task_id,)
                )
            ]
            completion_rows = conn.execute(
                "SELECT * FROM completions WHERE task_id = ? ORDER BY id", (task_id,)
            ).fetchall()
            completions = []
            for r in completion_rows:
                edits = conn.execute(
                    "SELECT * FROM completion_edits WHERE completion_id = ? ORDER BY id", (r["id"],)
                ).fetchall()
                completions.append(completion_from_row(r, [edit_from_row(e) for e in edits]))
            conn.execute(
                "INSERT INTO deletions (task_id, deleted_by, deleted_at, reason, task, predictions,"
                " completions) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    task_id,
                    by,
                    now_iso(),
                    reason,
                    json.dumps(_task_record(task), ensure_ascii=False, sort_keys=True),
                    json.dumps(
                        [_prediction_record(p) for p in predictions],
                        ensure_ascii=False,
                        sort_keys=True,
                    ),
                    json.dumps(
                        [_completion_record(c) for c in completions],
                        ensure_ascii=False,
                        sort_keys=True,
                    ),
                ),
            )
            conn.execute(
                "DELETE FROM completion_edits WHERE completion_id IN "
                "(SELECT id FROM completions WHERE task_id = ?)",
                (task_id,),
            )
            conn.execute("DELETE FROM completions WHERE task_id = ?", (task_id,))
            conn.execute("DELETE FROM predictions WHERE task_id = ?", (task_id,))
            conn.execute("DELETE FROM task_search WHERE rowid = ?", (task_id,))
            bump_search_generation(conn)
            conn.execute("DELETE FROM task_data WHERE task_id = ?", (task_id,))
            conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))

    def delete_prediction(self, prediction_id: int, *, by: str = "user", reason: str = "") -> None:
        """Delete one prediction (say, one with a bad score), keeping a record of it.

        Recorded like a task deletion (see :meth:`deletions`, ``what == "prediction"``): who,
        when, why, the prediction and a snapshot of its task, which stays. Completions copied
        from it keep their results and lose only the link (``copied_from``); the record lists
        them under ``copied_into``.
        """
        with self._db.write() as conn:
            row = conn.execute("SELECT * FROM predictions WHERE id = ?", (prediction_id,)).fetchone()
            if row is None:
                raise PredictionNotFound(f"no prediction with id {prediction_id!r} in this project")
            prediction = prediction_from_row(row)
            task = task_from_row(conn.execute(f"{TASK_SELECT} WHERE t.id = ?",
                                              (prediction.task_id,)).fetchone())
            copies = [r[0] for r in conn.execute(
                "SELECT id FROM completions WHERE copied_from = ? ORDER BY id", (prediction_id,))]
            record = _prediction_record(prediction) | {"copied_into": copies}
            conn.execute(
                "INSERT INTO deletions (task_id, deleted_by, deleted_at, reason, task, predictions,"
                " completions) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (task.id, by, now_iso(), reason,
                 json.dumps(_task_record(task) | {"kept": True}, ensure_ascii=False, sort_keys=True),
                 json.dumps([record], ensure_ascii=False, sort_keys=True), "[]"))
            conn.execute("UPDATE completions SET copied_from = NULL WHERE copied_from = ?",
                         (prediction_id,))
            conn.execute("DELETE FROM predictions WHERE id = ?", (prediction_id,))
            bump_review_generation(conn)
            conn.execute(
                "UPDATE tasks SET n_predictions = n_predictions - 1, last_preannotated = "
                "(SELECT max(created_at) FROM predictions WHERE task_id = ?) WHERE id = ?",
                (task.id, task.id))

    def deletions(self) -> list[dict]:
        """The record of every deleted task or prediction, oldest first (JSON parts parsed,
        times aware); ``what`` is ``"task"`` or ``"prediction"`` (its task was kept)."""
        rows = self._db.read(lambda c: c.execute("SELECT * FROM deletions ORDER BY id").fetchall())
        return [
            {
                "task_id": r["task_id"],
                "what": "prediction" if json.loads(r["task"]).get("kept") else "task",
                "deleted_by": r["deleted_by"],
                "deleted_at": from_iso(r["deleted_at"]),
                "reason": r["reason"],
                "task": json.loads(r["task"]),
                "predictions": json.loads(r["predictions"]),
                "completions": json.loads(r["completions"]),
            }
            for r in rows
        ]


def _task_record(task: Task) -> dict:
    return {
        "id": task.id,
        "kind": task.kind,
        "title": task.title,
        "data": task.data,
        "error": task.error,
        "created_at": to_iso(task.created_at),
    }


def _prediction_record(p) -> dict:
    return {
        "id": p.id,
        "version": p.version,
        "model_version": p.model_version,
        "server": p.server,
        "config_hash": p.config_hash,
        "pipeline_hash": p.pipeline_hash,
        "document_hash": p.document_hash,
        "provenance": dict(p.provenance),
        "score": p.score,
        "created_at": to_iso(p.created_at),
        "results": [result_to_dict(r) for r in p.results],
    }


def _completion_record(c) -> dict:
    return {
        "id": c.id,
        "copied_from": c.copied_from,
        "created_by": c.created_by,
        "created_at": to_iso(c.created_at),
        "updated_by": c.updated_by,
        "updated_at": to_iso(c.updated_at) if c.updated_at else None,
        "ground_truth": c.ground_truth,
        "meta": c.meta,
        "results": [result_to_dict(r) for r in c.results],
        "history": [
            {
                "at": to_iso(e.at),
                "by": e.by,
                "note": e.note,
                "results": [result_to_dict(r) for r in e.results],
            }
            for e in c.history
        ],
    }
