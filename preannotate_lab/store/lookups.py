"""Bulk lookups of the results that a rule is compared with: latest predictions, reference completions."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..model import Result, results_from_json
from .db import Database

_CHUNK = 5_000


def _chunks(ids: Iterable[int]) -> Iterable[str]:
    wanted = sorted({int(i) for i in ids})
    for start in range(0, len(wanted), _CHUNK):
        yield json.dumps(wanted[start:start + _CHUNK])


class LookupsMixin:
    _db: Database

    def latest_prediction_ids(self, task_ids: Iterable[int]) -> dict[int, int]:
        """Task id -> id of its latest prediction, for the tasks of ``task_ids`` that have one.

        Versions count up with ids within a task, so the latest is the highest id.
        """
        out: dict[int, int] = {}
        for part in _chunks(task_ids):
            out.update((r[0], r[1]) for r in self._db.fetch_all(
                "SELECT task_id, max(id) FROM predictions "
                "WHERE task_id IN (SELECT value FROM json_each(?)) GROUP BY task_id", (part,)))
        return out

    def prediction_results(self, prediction_ids: Iterable[int]) -> dict[int, tuple[Result, ...]]:
        """Prediction id -> its results (predictions are immutable: callers may cache these)."""
        out: dict[int, tuple[Result, ...]] = {}
        for part in _chunks(prediction_ids):
            for pid, results in self._db.fetch_all(
                    "SELECT id, results FROM predictions "
                    "WHERE id IN (SELECT value FROM json_each(?))", (part,)):
                out[pid] = results_from_json(results)
        return out

    def reference_results(self) -> dict[int, tuple[Result, ...]]:
        """Task id -> the results of its reference completion: the ground-truth one, else the
        latest; tasks without a completion are absent. Skipped completions do not count."""
        rows = self._db.fetch_all(
            "SELECT task_id, results FROM completions c WHERE id = ("
            " SELECT id FROM completions c2 WHERE c2.task_id = c.task_id"
            " AND coalesce(json_extract(c2.meta, '$.skipped'), 0) = 0"
            " ORDER BY c2.ground_truth DESC, c2.id DESC LIMIT 1) ORDER BY task_id")
        return {task_id: results_from_json(results) for task_id, results in rows}

    def completions_signature(self) -> tuple[int, int, int, str]:
        """Changes whenever a completion is added, edited, marked or deleted (for callers' caches)."""
        row = self._db.fetch_all(
            "SELECT count(*), coalesce(max(id), 0), coalesce(sum(ground_truth * id), 0),"
            " coalesce(max(coalesce(updated_at, created_at)), '') FROM completions")[0]
        return (row[0], row[1], row[2], row[3])
