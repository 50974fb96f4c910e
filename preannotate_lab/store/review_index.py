"""The task grid's review columns: each task's least confidence and review flags.

Both come from the ``"review"`` entry that the store writes into every prediction's provenance
(:mod:`preannotate_lab.review`). A page of rows reads them for its own tasks only
(:func:`page_review`). Sorting by confidence or filtering by a flag needs them for every task at
once: :func:`ensure_review_index` keeps them in a temporary table of the connection, indexed for
both sort directions and each flag. It is built once (reading every task's latest prediction:
the cost grows with the size of the provenance rows, ~0.5-2 s for 100,000 tasks on 2 busy
cores), brought up to date by reading only the predictions written since (a running job adds
chunks), and rebuilt only when tasks are added or removed or a prediction is deleted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from ..review import REVIEW_FLAGS, flags_with_confidence

FLAG_COLUMNS = {"models_disagree": "disagree", "rule_model_conflict": "conflict"}
_LATEST = "SELECT max(id) FROM predictions {where} GROUP BY task_id"
# a prediction's (confidence, disagree, conflict) from its provenance
_FACTS = (
    "json_extract(provenance, '$.review.confidence') AS confidence, "
    "coalesce(instr(json_extract(provenance, '$.review.flags'), '\"models_disagree\"'), 0) > 0 "
    "AS disagree, "
    "coalesce(instr(json_extract(provenance, '$.review.flags'), '\"rule_model_conflict\"'), 0) > 0 "
    "AS conflict"
)
_ORDER = {False: "(confidence IS NULL), confidence, task_id",
          True: "(confidence IS NULL), confidence DESC, task_id DESC"}


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


def _flag_sql(review: str, threshold: float, table: str) -> tuple[str, list[Any]]:
    if review not in REVIEW_FLAGS:
        raise ValueError(f"unknown review filter {review!r}; choose from {list(REVIEW_FLAGS)}")
    if review == "low_confidence":
        # spelt so that the (confidence IS NULL, confidence, task_id) index serves it
        return f"({table}.confidence IS NULL) = 0 AND {table}.confidence < ?", [threshold]
    return f"{table}.{FLAG_COLUMNS[review]} = 1", []


def review_condition(review: str, threshold: float) -> tuple[str, list[Any]]:
    """SQL condition on a row of ``tasks`` (and its parameters) for the ``review`` filter."""
    sql, args = _flag_sql(review, threshold, "review_index")
    return f"id IN (SELECT task_id FROM temp.review_index WHERE {sql})", args


def check_review(review: str) -> None:
    """ValueError naming the choices for an unknown review filter."""
    _flag_sql(review, 0.0, "rv")


def confidence_order(descending: bool) -> str:
    """ORDER BY terms over ``temp.review_index AS r`` for the confidence sort (nulls last)."""
    direction = " DESC" if descending else ""
    return f"(r.confidence IS NULL), r.confidence{direction}, r.task_id{direction}"


def index_page(conn: sqlite3.Connection, *, sort: str, descending: bool, review: str | None,
               threshold: float, offset: int, limit: int) -> tuple[int, list[int]]:
    """(matching tasks, ids of one page) from the review index alone, for a query whose only
    conditions are the review filter and whose sort is by confidence or id."""
    where, args = ("", []) if review is None else _flag_sql(review, threshold, "review_index")
    clause = f"WHERE {where}" if where else ""
    if sort == "confidence":
        order = _ORDER[descending]
    else:
        order = "task_id DESC" if descending else "task_id"
    total = conn.execute(f"SELECT count(*) FROM temp.review_index {clause}", args).fetchone()[0]
    if review == "low_confidence" and sort != "confidence":
        # in id order: walk the table by its key and test each row (a unary + keeps SQLite
        # from collecting every match through the confidence index and sorting them)
        clause, args = "WHERE +confidence < ?", [threshold]
    ids = [row[0] for row in conn.execute(
        f"SELECT task_id FROM temp.review_index {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*args, limit, offset])]
    return total, ids


_INDEXES = {"asc": _ORDER[False], "desc": _ORDER[True], "disagree": "disagree, task_id",
            "conflict": "conflict, task_id"}


def needed_indexes(sort: str, descending: bool, review: str | None) -> list[str]:
    """The review index's secondary indexes that a query walks (built on first use only)."""
    needed = []
    if sort == "confidence":
        needed.append("desc" if descending else "asc")
    if review == "low_confidence":
        needed.append("asc")
    elif review in FLAG_COLUMNS:
        needed.append(FLAG_COLUMNS[review])
    return needed


def ensure_review_index(conn: sqlite3.Connection, local: Any,
                        indexes: Sequence[str] = ()) -> None:
    """Make ``temp.review_index`` current for this connection (``local``: its thread's state),
    with the secondary ``indexes`` (of :data:`_INDEXES`) that the query needs.

    One row per task: task_id, confidence (None without one), disagree and conflict (0/1).
    """
    generations = dict(conn.execute(
        "SELECT key, value FROM meta WHERE key IN ('search_generation', 'review_generation')"))
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM predictions").fetchone()[0]
    key = (generations.get("search_generation"), generations.get("review_generation"))
    state = getattr(local, "review_state", None)
    if state is not None and state[0] == key and state[1] == newest:
        _index(conn, indexes)
        return
    local.review_state = None
    if state is not None and state[0] == key and state[1] < newest:
        # only predictions were added since: read just those
        conn.execute(
            f"INSERT OR REPLACE INTO temp.review_index SELECT task_id, {_FACTS} FROM predictions "
            f"WHERE id IN ({_LATEST.format(where='WHERE id > ?')})", (state[1],))
    else:
        _build(conn)
    _index(conn, indexes)
    local.review_state = (key, newest)


def _index(conn: sqlite3.Connection, names: Sequence[str]) -> None:
    for name in names:
        conn.execute(f"CREATE INDEX IF NOT EXISTS temp.review_{name} ON review_index "
                     f"({_INDEXES[name]})")


def _build(conn: sqlite3.Connection) -> None:
    # dropped and made anew: an index is built on first use (a sort sorts once, not at every
    # insert), and only the ones that queries walk
    conn.execute("DROP TABLE IF EXISTS temp.review_index")
    conn.execute("CREATE TEMP TABLE review_index (task_id INTEGER PRIMARY KEY, "
                 "confidence REAL, disagree INTEGER NOT NULL, conflict INTEGER NOT NULL)")
    conn.execute(f"INSERT INTO temp.review_index SELECT task_id, {_FACTS} FROM predictions "
                 f"WHERE id IN ({_LATEST.format(where='')})")
    conn.execute("INSERT OR IGNORE INTO temp.review_index "
                 "SELECT id, NULL, 0, 0 FROM tasks WHERE n_predictions = 0")
