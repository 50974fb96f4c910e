"""Predictions: immutable, versioned 1, 2, ... per task, written in bulk."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace

from ..model import Prediction, Result, results_from_json
from ..review import review_facts
from .codec import PREDICTION_COLUMNS, dump_json, dump_results, prediction_from_row, to_iso
from .db import Database
from .errors import InvalidRecordError, PredictionNotFound, TaskNotFound
from .runs import first_of_run
from .tasks import next_id, require_task

_LOOKUP_CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


class PredictionMixin:
    _db: Database

    def add_predictions(
        self, predictions: Iterable[Prediction], *, skip_existing: bool = False
    ) -> list[Prediction]:
        """Store predictions in one transaction; returns them with ``id`` and ``version`` set.

        Versions count up per task in input order. All or nothing: an unknown task id or a
        result that cannot be stored leaves the project as it was. Completions are never
        touched.

        ``skip_existing``: leave out a prediction when its task already has one of the same
        ``pipeline_hash`` and ``document_hash`` (stored before, or earlier in this call). The
        check runs inside the write transaction, so two runs of one pipeline writing at once
        store each task once. Predictions without both hashes are always stored. Only the
        stored predictions are returned.

        Always: a prediction whose provenance names a run (``provenance["run_id"]``) is left
        out when its task already has one of that run (see :mod:`.runs`), so a chunk written
        twice (resubmitted after a lost worker, a resumed job) stores each task once.
        """
        items = list(predictions)
        for i, p in enumerate(items):
            if not isinstance(p, Prediction):
                raise InvalidRecordError(
                    f"prediction at index {i} of this call is a {type(p).__name__}, expected a Prediction"
                )
        if not items:
            return []
        encoded = [
            (
                dump_results(p.results, f"prediction at index {i} (task {p.task_id})"),
                dump_json(
                    dict(p.provenance), f"provenance of prediction at index {i} (task {p.task_id})"
                ),
                to_iso(p.created_at),
            )
            for i, p in enumerate(items)
        ]
        task_ids = sorted({p.task_id for p in items})
        stored: list[Prediction] = []
        with self._db.write() as conn:
            # the versions these predictions follow, for the review's "models disagree"
            previous = _latest_results(conn, task_ids)
            counts: dict[int, int] = {}  # task id -> how many predictions it has
            versions: dict[int, int] = {}  # task id -> its highest version so far
            for start in range(0, len(task_ids), _LOOKUP_CHUNK):
                part = json.dumps(task_ids[start : start + _LOOKUP_CHUNK])
                for task_id, count, version in conn.execute(
                    "SELECT id, n_predictions, (SELECT coalesce(max(version), 0) FROM predictions"
                    " WHERE task_id = tasks.id) FROM tasks "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    (part,),
                ):
                    counts[task_id], versions[task_id] = count, version
            missing = [t for t in task_ids if t not in counts]
            if missing:
                raise TaskNotFound(
                    f"predictions name tasks that are not in this project: {missing[:20]}"
                    + (" ..." if len(missing) > 20 else "")
                )
            keep = first_of_run(conn, items)
            if skip_existing:
                keep = [k and n for k, n in zip(keep, _not_yet_stored(conn, items), strict=True)]
            if not all(keep):
                items = [p for p, k in zip(items, keep, strict=True) if k]
                encoded = [e for e, k in zip(encoded, keep, strict=True) if k]
                if not items:
                    return []
            first = next_id(conn, "predictions")
            rows = []
            latest: dict[int, str] = {}
            for i, (p, (results, provenance, created)) in enumerate(
                zip(items, encoded, strict=True)
            ):
                counts[p.task_id] += 1
                versions[p.task_id] += 1
                # what the task grid sorts and filters by, computed once here (see review.py)
                facts = review_facts(p.results, p.provenance, previous.get(p.task_id))
                previous[p.task_id] = p.results
                p = replace(p, provenance={**p.provenance, "review": facts})
                provenance = _with_review(provenance, facts)
                stored.append(replace(p, id=first + i, version=versions[p.task_id]))
                latest[p.task_id] = max(latest.get(p.task_id, created), created)
                rows.append(
                    (
                        first + i,
                        p.task_id,
                        versions[p.task_id],
                        results,
                        p.model_version,
                        p.server,
                        p.config_hash,
                        p.pipeline_hash,
                        p.document_hash,
                        provenance,
                        p.score,
                        created,
                    )
                )
            conn.executemany(
                f"INSERT INTO predictions ({PREDICTION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany(
                "UPDATE tasks SET n_predictions = ?, last_preannotated = max(coalesce("
                "last_preannotated, ''), ?) WHERE id = ?",
                [(counts[t], latest[t], t) for t in latest],
            )
        return stored

    def predictions(self, task_id: int) -> list[Prediction]:
        """Every prediction of a task, oldest (version 1) first."""

        def read(conn):
            require_task(conn, task_id)
            return conn.execute(
                f"SELECT {PREDICTION_COLUMNS} FROM predictions WHERE task_id = ? ORDER BY version",
                (task_id,),
            ).fetchall()

        return [prediction_from_row(r) for r in self._db.read(read)]

    def latest_prediction(self, task_id: int) -> Prediction | None:
        def read(conn):
            require_task(conn, task_id)
            return conn.execute(
                f"SELECT {PREDICTION_COLUMNS} FROM predictions WHERE task_id = ? "
                "ORDER BY version DESC LIMIT 1",
                (task_id,),
            ).fetchone()

        row = self._db.read(read)
        return prediction_from_row(row) if row is not None else None

    def get_prediction(self, prediction_id: int) -> Prediction:
        row = self._db.read(
            lambda c: c.execute(
                f"SELECT {PREDICTION_COLUMNS} FROM predictions WHERE id = ?", (prediction_id,)
            ).fetchone()
        )
        if row is None:
            raise PredictionNotFound(f"no prediction with id {prediction_id!r} in this project")
        return prediction_from_row(row)

    def prediction_index(self, pipeline_hash: str) -> dict[int, set[str | None]]:
        """Task id -> document hashes already predicted by this pipeline (for incremental runs)."""
        rows = self._db.read(
            lambda c: c.execute(
                "SELECT task_id, document_hash FROM predictions WHERE pipeline_hash = ?",
                (pipeline_hash,),
            ).fetchall()
        )
        index: dict[int, set[str | None]] = {}
        for task_id, document_hash in rows:
            index.setdefault(task_id, set()).add(document_hash)
        return index

    def predicted_task_ids(self, pipeline_hash: str | None = None) -> set[int]:
        """Ids of tasks with at least one prediction (or one from ``pipeline_hash``).

        Indexed queries (tasks.n_predictions; predictions by pipeline hash), so a project of
        100,000 tasks answers without reading task rows.
        """
        args: tuple[str, ...]
        if pipeline_hash is None:
            sql, args = "SELECT id FROM tasks WHERE n_predictions > 0", ()
        else:
            sql = "SELECT DISTINCT task_id FROM predictions WHERE pipeline_hash = ?"
            args = (pipeline_hash,)
        rows = self._db.read(lambda c: c.execute(sql, args).fetchall())
        return {row[0] for row in rows}

    def count_predictions(self) -> int:
        return self._db.read(lambda c: c.execute("SELECT count(*) FROM predictions").fetchone()[0])


def _with_review(provenance: str, facts: dict) -> str:
    """The provenance JSON text with ``"review"`` set (the rest was checked by dump_json).

    Spliced in as the last key rather than re-encoding the whole provenance, which a job's
    writer would otherwise do once per task (the server's provenance is the same large dict
    for every task of a job).
    """
    review = json.dumps(facts, ensure_ascii=False, sort_keys=True, allow_nan=False)
    if provenance == "{}":
        return f'{{"review": {review}}}'
    if '"review"' not in provenance:
        return f'{provenance[:-1]}, "review": {review}}}'
    data = json.loads(provenance)  # a provenance that names "review" somewhere: re-encode it
    data["review"] = facts
    return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)


def _latest_results(conn, task_ids: list[int]) -> dict[int, tuple[Result, ...]]:
    """Task id -> the results of its latest stored prediction, for the tasks that have one."""
    out: dict[int, tuple[Result, ...]] = {}
    for start in range(0, len(task_ids), _LOOKUP_CHUNK):
        part = json.dumps(task_ids[start : start + _LOOKUP_CHUNK])
        for task_id, results in conn.execute(
            "SELECT task_id, results FROM predictions WHERE id IN (SELECT max(id) FROM "
            "predictions WHERE task_id IN (SELECT value FROM json_each(?)) GROUP BY task_id)",
            (part,),
        ):
            out[task_id] = results_from_json(results)
    return out


def _not_yet_stored(conn, items: list[Prediction]) -> list[bool]:
    """Per prediction: False when its (task, pipeline hash, document hash) is already stored.

    Uses the predictions_pipeline index (pipeline_hash, task_id, document_hash).
    """
    keys = sorted({(p.pipeline_hash, p.task_id, p.document_hash) for p in items
                   if p.pipeline_hash is not None and p.document_hash is not None})
    existing: set[tuple[str | None, int, str | None]] = set()
    for start in range(0, len(keys), _LOOKUP_CHUNK):
        part = json.dumps([list(k) for k in keys[start : start + _LOOKUP_CHUNK]])
        existing.update(
            (row[0], row[1], row[2])
            for row in conn.execute(
                "SELECT p.pipeline_hash, p.task_id, p.document_hash FROM json_each(?) AS k "
                "JOIN predictions AS p ON p.pipeline_hash = json_extract(k.value, '$[0]') "
                "AND p.task_id = json_extract(k.value, '$[1]') "
                "AND p.document_hash = json_extract(k.value, '$[2]')",
                (part,),
            )
        )
    keep = []
    for p in items:
        key = (p.pipeline_hash, p.task_id, p.document_hash)
        if p.pipeline_hash is None or p.document_hash is None:
            keep.append(True)
        elif key in existing:
            keep.append(False)
        else:
            existing.add(key)  # a second copy in this same call is a duplicate too
            keep.append(True)
    return keep
