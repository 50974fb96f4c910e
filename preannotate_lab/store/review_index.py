"""The task grid's review columns: each task's least confidence and review flags.

Both come from the ``"review"`` entry that the store writes into every prediction's provenance
(:mod:`preannotate_lab.review`). A page of rows reads them for its own tasks only
(:func:`page_review`). Sorting by confidence or filtering by a flag needs them for every task at
once: :func:`ensure_review_index` keeps them in a temporary table of the connection, with the
sort order precomputed and indexed, rebuilt only when the tasks or the predictions changed
(one build for 100,000 tasks, then each page walks an index).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..review import REVIEW_FLAGS, flags_with_confidence

# stored flags as bits of the index's ``flags`` column
FLAG_BITS = {"models_disagree": 1, "rule_model_conflict": 2}
_LATEST = "SELECT max(id) FROM predictions {where} GROUP BY task_id"


def page_review(conn: sqlite3.Connection, task_ids: list[int],
                threshold: float) -> dict[int, tuple[float | None, list[str]]]:
    """Task id -> (least confidence, review flags) of its latest prediction, for a page's tasks."""
    out: dict[int, tuple[float | None, list[str]]] = {}
    if not task_ids:
        return out
    rows = conn.execute(
        "SELECT task_id, json_extract(provenance, '$.review') FROM predictions WHERE id IN ("
        + _LATEST.format(where="WHERE task_id IN (SELECT value FROM json_each(?))") + ")",
        (json.dumps(task_ids),),
    )
    for task_id, text in rows:
        facts = json.loads(text) if text else {}
        confidence = facts.get("confidence")
        out[task_id] = (confidence, flags_with_confidence(facts.get("flags") or (), confidence,
                                                          threshold))
    return out


def review_condition(review: str, threshold: float) -> tuple[str, list[Any]]:
    """SQL condition on ``tasks.id`` (and its parameters) for the grid's ``review`` filter."""
    if review not in REVIEW_FLAGS:
        raise ValueError(f"unknown review filter {review!r}; choose from {list(REVIEW_FLAGS)}")
    if review == "low_confidence":
        return ("id IN (SELECT task_id FROM temp.review_index WHERE confidence < ?)", [threshold])
    return ("id IN (SELECT task_id FROM temp.review_index WHERE flags & ?)", [FLAG_BITS[review]])


def ensure_review_index(conn: sqlite3.Connection, local: Any) -> None:
    """Make ``temp.review_index`` current for this connection (``local``: its thread's state).

    Columns: task_id, confidence, flags (bits of :data:`FLAG_BITS`), rank_asc and rank_desc (the
    position of the task when sorted by confidence, least or most confident first; tasks
    without a confidence last, ties by id).
    """
    generations = dict(conn.execute(
        "SELECT key, value FROM meta WHERE key IN ('search_generation', 'review_generation')"))
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM predictions").fetchone()[0]
    key = (generations.get("search_generation"), generations.get("review_generation"), newest)
    if getattr(local, "review_key", None) == key:
        return
    local.review_key = None
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS review_index (task_id INTEGER PRIMARY KEY, "
                 "confidence REAL, flags INTEGER NOT NULL, rank_asc INTEGER, rank_desc INTEGER)")
    conn.execute("DELETE FROM temp.review_index")
    bits = " | ".join(f"(CASE WHEN instr(l.flags, '\"{flag}\"') THEN {bit} ELSE 0 END)"
                      for flag, bit in FLAG_BITS.items())
    conn.execute(
        f"""INSERT INTO temp.review_index (task_id, confidence, flags, rank_asc, rank_desc)
        WITH latest AS (
            SELECT task_id, json_extract(provenance, '$.review.confidence') AS confidence,
                   coalesce(json_extract(provenance, '$.review.flags'), '') AS flags
            FROM predictions WHERE id IN ({_LATEST.format(where="")}))
        SELECT t.id, l.confidence, coalesce({bits}, 0),
               row_number() OVER (ORDER BY l.confidence IS NULL, l.confidence, t.id),
               row_number() OVER (ORDER BY l.confidence IS NULL, l.confidence DESC, t.id DESC)
        FROM tasks t LEFT JOIN latest l ON l.task_id = t.id"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS temp.review_rank_asc ON review_index (rank_asc)")
    conn.execute("CREATE INDEX IF NOT EXISTS temp.review_rank_desc ON review_index (rank_desc)")
    local.review_key = key
