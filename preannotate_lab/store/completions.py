"""Completions: a person's editable annotations, with history; predictions never alter them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from ..model import Completion, CompletionEdit, Result, results_from_json, utcnow
from .checks import ensure_valid_results, label_of, split_by_config
from .codec import (
    COMPLETION_COLUMNS,
    completion_from_row,
    dump_meta,
    dump_results,
    edit_from_row,
    now_iso,
    result_labels,
    to_iso,
)
from .db import Database
from .errors import CompletionNotFound, InvalidRecordError, PredictionNotFound, TaskNotFound
from .tasks import require_task

_SCAN_CHUNK = 2_000


def _refresh_counts(conn: sqlite3.Connection, task_id: int) -> None:
    # recounted rather than incremented, so the grid columns cannot drift from the rows
    conn.execute(
        """UPDATE tasks SET
            n_completions = (SELECT count(*) FROM completions WHERE task_id = :t),
            n_ground_truth = (SELECT count(*) FROM completions
                              WHERE task_id = :t AND ground_truth)
           WHERE id = :t""",
        {"t": task_id},
    )


def _load(conn: sqlite3.Connection, completion_id: int) -> Completion:
    row = conn.execute(
        f"SELECT {COMPLETION_COLUMNS} FROM completions WHERE id = ?", (completion_id,)
    ).fetchone()
    if row is None:
        raise CompletionNotFound(f"no completion with id {completion_id!r} in this project")
    edits = conn.execute(
        "SELECT at, by, results, note FROM completion_edits WHERE completion_id = ? ORDER BY id",
        (completion_id,),
    ).fetchall()
    return completion_from_row(row, [edit_from_row(e) for e in edits])


def _clear_other_ground_truth(conn: sqlite3.Connection, task_id: int, keep: int) -> None:
    # one ground truth per task, as in Label Studio: marking one unmarks the others
    conn.execute(
        "UPDATE completions SET ground_truth = 0 WHERE task_id = ? AND id != ? AND ground_truth",
        (task_id, keep),
    )


def _task_kind_and_data(conn: sqlite3.Connection, task_id: int) -> tuple[str, dict]:
    row = conn.execute(
        "SELECT t.kind, d.data FROM tasks t JOIN task_data d ON d.task_id = t.id WHERE t.id = ?",
        (task_id,),
    ).fetchone()
    if row is None:
        raise TaskNotFound(f"no task with id {task_id!r} in this project")
    return row[0], json.loads(row[1])


class CompletionMixin:
    _db: Database

    def _check_results(
        self, conn: sqlite3.Connection, results: Iterable[Result], task_id: int, what: str,
        compare_text: bool = True,
    ) -> None:
        # the same rules as import (see checks.py): labels in the config, spans on the text
        kind, data = _task_kind_and_data(conn, task_id)
        config = getattr(self, "config", None)
        ensure_valid_results(
            results, what=what, task_id=task_id, kind=kind, data=data, config=config,
            compare_text=compare_text,
        )

    def add_completion(
        self, completion: Completion, *, keep_mismatched_text: bool = False
    ) -> Completion:
        """Store a new completion (its ``id`` is ignored) and return it as stored.

        Refuses, with :class:`~.checks.InvalidCompletionError` (a ValueError) naming the task
        and each bad result, a label the project config lacks and, on a text task, a span
        past the end of the text or whose text is not the task's text at its offsets.
        ``keep_mismatched_text=True`` lets the last one through: for importers, which warn
        about such spans and keep the file's offsets, and for copies of predictions.
        """
        if not isinstance(completion, Completion):
            raise InvalidRecordError(
                f"add_completion takes a Completion, got a {type(completion).__name__}"
            )
        what = f"completion of task {completion.task_id}"
        results = dump_results(completion.results, what)
        history = [
            (to_iso(e.at), e.by, dump_results(e.results, f"history of the {what}"), e.note)
            for e in completion.history
        ]
        with self._db.write() as conn:
            self._check_results(conn, completion.results, completion.task_id, "new completion",
                                compare_text=not keep_mismatched_text)
            if completion.copied_from is not None:
                source = conn.execute(
                    "SELECT task_id FROM predictions WHERE id = ?", (completion.copied_from,)
                ).fetchone()
                if source is None:
                    raise PredictionNotFound(
                        f"{what} is copied from prediction {completion.copied_from!r}, "
                        "which is not in this project"
                    )
                if source[0] != completion.task_id:
                    raise InvalidRecordError(
                        f"{what} is copied from prediction {completion.copied_from}, "
                        f"which belongs to task {source[0]}"
                    )
            cursor = conn.execute(
                "INSERT INTO completions (task_id, results, copied_from, created_by, created_at,"
                " updated_by, updated_at, ground_truth, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    completion.task_id,
                    results,
                    completion.copied_from,
                    completion.created_by,
                    to_iso(completion.created_at),
                    completion.updated_by,
                    to_iso(completion.updated_at) if completion.updated_at else None,
                    int(completion.ground_truth),
                    dump_meta(completion.meta, what),
                ),
            )
            new_id = cursor.lastrowid
            conn.executemany(
                "INSERT INTO completion_edits (completion_id, at, by, results, note) "
                "VALUES (?, ?, ?, ?, ?)",
                [(new_id, *edit) for edit in history],
            )
            if completion.ground_truth:
                _clear_other_ground_truth(conn, completion.task_id, new_id)  # type: ignore[arg-type]
            _refresh_counts(conn, completion.task_id)
            return _load(conn, new_id)  # type: ignore[arg-type]

    def completion_from_prediction(self, prediction_id: int, *, by: str = "user") -> Completion:
        """A new completion holding a copy of the prediction's results (the prediction stays).

        Results whose labels the project config no longer has (the config changed after the
        prediction, or it came from a server deployed with another config) are left out of
        the copy, and the full copy is kept as the first entry of the completion's history.
        The span-text check is skipped (a prediction is kept as the server made it); editing
        the copy checks everything.
        """
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT task_id, results FROM predictions WHERE id = ?", (prediction_id,)
            ).fetchone()
            if row is None:
                raise PredictionNotFound(f"no prediction with id {prediction_id!r} in this project")
            copied = list(results_from_json(row["results"]))
            kept, dropped = split_by_config(copied, getattr(self, "config", None))
            history = []
            if dropped:
                note = (f"created from prediction {prediction_id}; left out {len(dropped)} "
                        f"result(s) whose labels the config lacks: "
                        f"{', '.join(sorted({label_of(r) for r in dropped}))}")
                history.append(CompletionEdit(at=utcnow(), by=by, results=tuple(copied), note=note))
            completion = Completion(
                task_id=row["task_id"],
                results=kept,
                copied_from=prediction_id,
                created_by=by,
                history=history,
            )
            return self.add_completion(completion, keep_mismatched_text=True)

    def update_completion(
        self, completion_id: int, results: Iterable[Result], *, by: str = "user", note: str = ""
    ) -> Completion:
        """Replace a completion's results, appending what it held before to its history.

        The new results pass the same checks as :meth:`add_completion`.
        """
        results = tuple(results)
        new_results = dump_results(results, f"update of completion {completion_id}")
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT results, task_id FROM completions WHERE id = ?", (completion_id,)
            ).fetchone()
            if row is None:
                raise CompletionNotFound(f"no completion with id {completion_id!r} in this project")
            self._check_results(conn, results, row["task_id"], f"completion {completion_id}")
            at = now_iso()
            conn.execute(
                "INSERT INTO completion_edits (completion_id, at, by, results, note) "
                "VALUES (?, ?, ?, ?, ?)",
                (completion_id, at, by, row["results"], note),
            )
            conn.execute(
                "UPDATE completions SET results = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                (new_results, by, at, completion_id),
            )
            return _load(conn, completion_id)

    def set_ground_truth(self, completion_id: int, flag: bool = True) -> Completion:
        """Mark (or unmark) a completion as its task's ground truth; only one per task."""
        with self._db.write() as conn:
            completion = _load(conn, completion_id)
            conn.execute(
                "UPDATE completions SET ground_truth = ? WHERE id = ?", (int(flag), completion_id)
            )
            if flag:
                _clear_other_ground_truth(conn, completion.task_id, completion_id)
            _refresh_counts(conn, completion.task_id)
            return _load(conn, completion_id)

    def get_completion(self, completion_id: int) -> Completion:
        return self._db.read(lambda c: _load(c, completion_id))

    def completions(self, task_id: int) -> list[Completion]:
        """Every completion of a task, oldest first, each with its history."""

        def read(conn: sqlite3.Connection) -> list[Completion]:
            require_task(conn, task_id)
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM completions WHERE task_id = ? ORDER BY id", (task_id,)
                )
            ]
            return [_load(conn, i) for i in ids]

        return self._db.read(read)

    def count_completions(self) -> int:
        return self._db.read(lambda c: c.execute("SELECT count(*) FROM completions").fetchone()[0])

    def completion_labels(self) -> dict[str, list[int]]:
        """Label -> ids of the tasks whose completions use it (sorted), read in chunks."""
        used: dict[str, set[int]] = {}
        last = 0
        while True:
            rows = self._db.fetch_all(
                "SELECT id, task_id, results FROM completions WHERE id > ? ORDER BY id LIMIT ?",
                (last, _SCAN_CHUNK),
            )
            if not rows:
                break
            for row in rows:
                for label in result_labels(results_from_json(row["results"])):
                    used.setdefault(label, set()).add(row["task_id"])
            last = rows[-1]["id"]
        return {label: sorted(tasks) for label, tasks in sorted(used.items())}

    def completions_revision(self) -> str:
        """A short string that changes whenever any completion is added, edited, deleted (with
        its task) or (un)marked as ground truth. Cheap (one query over indexed columns): a
        resource that learns from completions asks it before each batch and re-reads its
        examples only when it changed."""

        def read(conn: sqlite3.Connection) -> str:
            row = conn.execute(
                "SELECT count(*), coalesce(max(id), 0), coalesce(sum(ground_truth), 0),"
                " coalesce(max(updated_at), ''),"
                " (SELECT coalesce(max(id), 0) FROM completion_edits) FROM completions"
            ).fetchone()
            return ":".join(str(v) for v in row)

        return self._db.read(read)

    def completed_texts(self) -> Iterator[tuple[int, str, tuple[Result, ...]]]:
        """``(task id, text, results)`` of every text task with a completion, read in chunks.

        One completion per task: its ground truth, else the one changed last; a skipped one
        (the annotator gave no annotation) is passed over for the task's next one.
        """
        last = 0
        while True:
            rows = self._db.fetch_all(
                "SELECT c.id, c.task_id, c.results, c.meta, c.ground_truth, d.data"
                " FROM completions c JOIN tasks t ON t.id = c.task_id"
                " JOIN task_data d ON d.task_id = c.task_id"
                " WHERE t.kind = 'text' AND c.task_id > ?"
                " ORDER BY c.task_id, c.ground_truth DESC, coalesce(c.updated_at, c.created_at) DESC,"
                " c.id DESC LIMIT ?",
                (last, _SCAN_CHUNK),
            )
            if not rows:
                return
            # a chunk may end in the middle of a task's completions: finish that task next time
            complete = rows if len(rows) < _SCAN_CHUNK else [
                r for r in rows if r["task_id"] != rows[-1]["task_id"]] or rows
            seen: set[int] = set()
            for row in complete:
                if row["task_id"] in seen or json.loads(row["meta"] or "{}").get("skipped"):
                    continue
                text = json.loads(row["data"]).get("text")
                if isinstance(text, str):
                    seen.add(row["task_id"])
                    yield row["task_id"], text, results_from_json(row["results"])
            last = complete[-1]["task_id"]
