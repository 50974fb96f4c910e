"""Job runs: a record per pre-annotation run, and the one rule that a run predicts a task once.

A run is identified by its ``run_id`` (a job's id that survives the kernel). Every prediction a
run writes carries it in its provenance (``provenance["run_id"]``); :func:`first_of_run`, called
by ``add_predictions`` on every write, leaves out a prediction when its task already holds one
of the same run. So a chunk computed twice (a worker lost after it finished, a resumed job)
never doubles a prediction, whatever wrote it.

The run's record (server, pipeline, task selection, options, state) lives in the ``meta`` table
under ``run:<run_id>``: no schema change, and a kernel restarted after a crash finds what to
resume there.
"""

from __future__ import annotations

import json
from typing import Any

from .db import Database
from .errors import InvalidRecordError

RUN_KEY = "run_id"  # the provenance key that names a prediction's run
_META_PREFIX = "run:"
_LOOKUP_CHUNK = 900


def run_of(provenance: Any) -> str | None:
    """The run id a prediction's provenance names (None: written outside a run)."""
    value = provenance.get(RUN_KEY) if hasattr(provenance, "get") else None
    return value if isinstance(value, str) and value else None


def first_of_run(conn, items: list[Any]) -> list[bool]:
    """Per prediction: False when its task already has a prediction of the same run (stored
    before, or earlier in this same call). Predictions without a run id are always kept."""
    wanted = sorted({(p.task_id, run_of(p.provenance)) for p in items
                     if run_of(p.provenance) is not None})
    existing: set[tuple[int, str | None]] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        part = wanted[start:start + _LOOKUP_CHUNK]
        tasks = json.dumps(sorted({t for t, _ in part}))
        runs = json.dumps(sorted({r for _, r in part}))
        existing.update(
            (row[0], row[1]) for row in conn.execute(
                "SELECT task_id, json_extract(provenance, '$.run_id') FROM predictions "
                "WHERE task_id IN (SELECT value FROM json_each(?)) "
                "AND json_extract(provenance, '$.run_id') IN (SELECT value FROM json_each(?))",
                (tasks, runs)))
    keep = []
    for p in items:
        run = run_of(p.provenance)
        if run is None:
            keep.append(True)
        elif (p.task_id, run) in existing:
            keep.append(False)
        else:
            existing.add((p.task_id, run))
            keep.append(True)
    return keep


class RunsMixin:
    """Run records of a project (``record_run``, ``get_run``, ``runs``, ``run_task_ids``)."""

    _db: Database

    def record_run(self, run_id: str, **fields: Any) -> dict[str, Any]:
        """Create or update the record of run ``run_id`` with ``fields`` (JSON values);
        returns the whole record."""
        if not isinstance(run_id, str) or not run_id or ":" in run_id:
            raise InvalidRecordError(f"a run id is a non-empty string without ':', not {run_id!r}")
        key = _META_PREFIX + run_id
        with self._db.write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            record = json.loads(row[0]) if row else {"run_id": run_id}
            record.update(fields)
            try:
                text = json.dumps(record, sort_keys=True, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise InvalidRecordError(f"run {run_id}: its record cannot be stored as JSON: "
                                         f"{exc}") from exc
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (key, text))
        return record

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """The record of run ``run_id``, or None."""
        row = self._db.read(lambda c: c.execute(
            "SELECT value FROM meta WHERE key = ?", (_META_PREFIX + run_id,)).fetchone())
        return json.loads(row[0]) if row else None

    def runs(self, state: str | None = None) -> list[dict[str, Any]]:
        """Every run record (or those in ``state``), oldest first."""
        rows = self._db.read(lambda c: c.execute(
            "SELECT value FROM meta WHERE key >= ? AND key < ?",
            (_META_PREFIX, _META_PREFIX[:-1] + ";")).fetchall())
        records = [json.loads(row[0]) for row in rows]
        if state is not None:
            records = [r for r in records if r.get("state") == state]
        return sorted(records, key=lambda r: (str(r.get("created_at", "")), r["run_id"]))

    def run_task_ids(self, run_id: str) -> set[int]:
        """Ids of the tasks that hold a prediction of run ``run_id``."""
        rows = self._db.read(lambda c: c.execute(
            "SELECT task_id FROM predictions WHERE json_extract(provenance, '$.run_id') = ?",
            (run_id,)).fetchall())
        return {row[0] for row in rows}
