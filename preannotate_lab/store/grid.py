"""The task grid's page query: sort, filter and search over per-task columns with indexes."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

from .. import settings
from .db import Database
from .review_index import (
    FLAG_COLUMNS,
    check_review,
    confidence_order,
    ensure_review_index,
    index_page,
    needed_indexes,
    page_review,
    review_condition,
)

STATUSES = ("new", "preannotated", "in_progress", "completed", "error")
KINDS = ("text", "document")
# sort key -> SQL expression; every one of them has an index (see schema.py)
SORTS = {
    "id": "id",
    "title": "title COLLATE NOCASE",
    "kind": "kind",
    "status": "status",
    "n_predictions": "n_predictions",
    "n_completions": "n_completions",
    "last_preannotated": "last_preannotated",
    "error": "error",
    "created_at": "created_at",
}
# sort key -> the index that serves it, for walking it when a search matches most tasks
SORT_INDEXES = {
    "title": "tasks_title",
    "kind": "tasks_kind",
    "status": "tasks_status",
    "n_predictions": "tasks_n_predictions",
    "n_completions": "tasks_n_completions",
    "last_preannotated": "tasks_last_preannotated",
    "error": "tasks_error",
    "created_at": "tasks_created_at",
}
# besides SORTS: "confidence", the least confidence of each task's latest prediction (ascending:
# least confident first; tasks without one last), served by the review index
SORT_KEYS = (*SORTS, "confidence")
ROW_COLUMNS = "id, title, kind, status, n_predictions, n_completions, last_preannotated, error"
_WORD = re.compile(r"\w+", re.UNICODE)


def _choices(value: str | Iterable[str], allowed: tuple[str, ...], name: str) -> list[str]:
    values = [value] if isinstance(value, str) else list(value)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"unknown {name} {bad}; choose from {list(allowed)}")
    return values


def fts_query(search: str) -> str | None:
    """FTS5 query for a grid search: every word must start a word of the title or text.

    Words go in as quoted prefix terms, so no user input is read as FTS syntax. None when
    the search has no word characters (say "$"); that is matched as a title substring.
    """
    words = _WORD.findall(search.lower())
    return " AND ".join(f'"{w}"*' for w in words) if words else None


def _like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class GridMixin:
    _db: Database

    def task_rows(
        self,
        offset: int = 0,
        limit: int = 50,
        *,
        sort: str = "id",
        descending: bool = False,
        status: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        search: str | None = None,
        ids: Iterable[int] | None = None,
        review: str | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """One page of the task grid: (number of matching tasks, rows of this page).

        ``status`` and ``kind`` take one value or several; ``search`` matches word prefixes
        of title and text; ``ids`` restricts to a selection; ``review`` keeps the tasks with
        one review flag ("low_confidence", "models_disagree", "rule_model_conflict"). Ties
        sort by id. Each row carries ``confidence`` (the least confident result of the task's
        latest prediction, or None) and ``review_flags``.
        """
        if sort not in SORT_KEYS:
            raise ValueError(f"cannot sort the grid by {sort!r}; choose from {list(SORT_KEYS)}")
        if offset < 0 or limit < 0:
            raise ValueError(f"offset and limit must not be negative (got {offset}, {limit})")
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            values = _choices(status, STATUSES, "status")
            where.append(f"status IN ({', '.join('?' * len(values))})")
            params += values
        if kind is not None:
            values = _choices(kind, KINDS, "kind")
            where.append(f"kind IN ({', '.join('?' * len(values))})")
            params += values
        if ids is not None:
            where.append("id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted({int(i) for i in ids})))
        threshold = settings.REVIEW.low_confidence
        if review:
            check_review(review)
        query = fts_query(search.strip()) if search and search.strip() else None
        if search and search.strip() and query is None:
            where.append("title LIKE ? ESCAPE '\\'")
            params.append(_like_pattern(search.strip()))
        direction = "DESC" if descending else "ASC"
        source = "tasks"
        if sort == "confidence":
            # walk the review index in confidence order, joining each task by its key
            source = "temp.review_index AS r CROSS JOIN tasks ON tasks.id = r.task_id"
            order = confidence_order(descending)
        else:
            order = f"{SORTS[sort]} {direction}" + (f", id {direction}" if sort != "id" else "")
        # only the review filter and a sort by confidence or id: the review index answers alone
        index_only = (sort in ("confidence", "id") and bool(sort == "confidence" or review)
                      and not where and query is None)

        def read(conn: sqlite3.Connection) -> tuple[int, list[dict[str, Any]]]:
            conditions, values = list(where), list(params)
            if sort == "confidence" or review:
                ensure_review_index(conn, self._db.local,
                                    needed_indexes(sort, descending, review or None))
            if index_only:
                total, ids = index_page(conn, sort=sort, descending=descending, review=review or None,
                                        threshold=threshold, offset=offset, limit=limit)
                found = {r["id"]: dict(r) for r in conn.execute(
                    f"SELECT {ROW_COLUMNS} FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(ids),))}
                return total, self._with_review(conn, [found[i] for i in ids if i in found],
                                                threshold)
            count_source = "tasks"
            if review in FLAG_COLUMNS and sort == "id":
                # a flag in id order: walk the flag's (flag, task_id) index, join each task
                column = FLAG_COLUMNS[review]
                walk = (f"temp.review_index AS r INDEXED BY review_{column} "
                        "CROSS JOIN tasks ON tasks.id = r.task_id")
                conditions.append(f"r.{column} = 1")
                return page(conn, walk, walk, f"r.task_id {direction}", conditions, values)
            if review:
                sql, args = review_condition(review, threshold)
                conditions.append(sql)
                values += args
            return page(conn, source, count_source, order, conditions, values)

        def page(conn: sqlite3.Connection, source: str, count_source: str, order: str,
                 conditions: list[str], values: list[Any]) -> tuple[int, list[dict[str, Any]]]:
            hint, total = "", None
            if query is not None:
                hits = self._search_hits(conn, query)
                # walking the review index: the search only tests each row (the unary + keeps
                # SQLite from driving the walk from the hits and sorting them)
                walked = source.startswith("temp.review_index")
                conditions.append(("+tasks.id" if walked else "id")
                                  + " IN (SELECT id FROM temp.search_hits)")
                if not where and not review:
                    total = hits
                # a search matching most tasks: walking the sort index and skipping
                # non-hits beats sorting all the hits (measured: 7 ms vs 40 ms at 90,000)
                top = conn.execute("SELECT coalesce(max(id), 0) FROM tasks").fetchone()[0]
                if sort in SORT_INDEXES and hits * 20 >= top:
                    hint = f"INDEXED BY {SORT_INDEXES[sort]}"
            clause = f"WHERE {' AND '.join(conditions)}" if conditions else ""
            if total is None:
                total = conn.execute(f"SELECT count(*) FROM {count_source} {clause}",
                                     values).fetchone()[0]
            rows = [dict(r) for r in conn.execute(
                f"SELECT {ROW_COLUMNS} FROM {source} {hint} {clause} "
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                [*values, limit, offset],
            ).fetchall()]
            return total, self._with_review(conn, rows, threshold)

        try:
            return self._db.read(read)
        except BaseException:
            # the temp tables may have been rolled back
            self._db.local.search_key = self._db.local.review_state = None
            raise

    @staticmethod
    def _with_review(conn: sqlite3.Connection, rows: list[dict[str, Any]],
                     threshold: float) -> list[dict[str, Any]]:
        """The rows with ``confidence`` and ``review_flags`` of each task's latest prediction."""
        found = page_review(conn, [r["id"] for r in rows], threshold)
        for row in rows:
            row["confidence"], row["review_flags"] = found.get(row["id"], (None, []))
        return rows

    def _search_hits(self, conn: sqlite3.Connection, query: str) -> int:
        """Fill temp.search_hits with the ids matching ``query``; returns how many.

        The hits are kept per connection until the query or the set of tasks changes, so
        paging through one search runs the full-text match once, not once a page.
        """
        row = conn.execute("SELECT value FROM meta WHERE key = 'search_generation'").fetchone()
        key = (query, row[0] if row else None)
        local = self._db.local
        if getattr(local, "search_key", None) != key:
            local.search_key = None
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS search_hits (id INTEGER PRIMARY KEY)")
            conn.execute("DELETE FROM temp.search_hits")
            conn.execute(
                "INSERT INTO temp.search_hits "
                "SELECT rowid FROM task_search WHERE task_search MATCH ?",
                (query,),
            )
            local.search_count = conn.execute("SELECT count(*) FROM temp.search_hits").fetchone()[0]
            local.search_key = key
        return local.search_count
