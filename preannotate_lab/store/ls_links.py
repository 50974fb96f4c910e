"""Which Label Studio project this project is synced with, and which record is which there.

A *target* is one Label Studio project on one server (URL + its project id). A *link* ties
one of our tasks, predictions or completions to its id in that project, with the digest of
what it said when last synced (so a sync sees what changed since on either side). Written
by ``labelstudio_sync``; nothing else reads these tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from .codec import now_iso
from .db import Database

LINK_KINDS = ("task", "prediction", "completion")


@dataclass(frozen=True)
class LinkTarget:
    """A Label Studio project we pushed to: its server, its id there, the config last sent."""

    id: int
    url: str
    ls_project: int
    config_hash: str | None
    synced_at: str


def _target(row: sqlite3.Row | None) -> LinkTarget | None:
    if row is None:
        return None
    return LinkTarget(id=row["id"], url=row["url"], ls_project=row["ls_project"],
                      config_hash=row["config_hash"], synced_at=row["synced_at"])


def _kind(kind: str) -> str:
    if kind not in LINK_KINDS:
        raise ValueError(f"link kind must be one of {LINK_KINDS}, not {kind!r}")
    return kind


class LabelStudioLinksMixin:
    _db: Database

    def labelstudio_target(self, url: str | None = None, ls_project: int | None = None) -> LinkTarget | None:
        """The target with that URL and project id; without a project id the one synced last
        (on that URL, or on any)."""
        where: list[str] = []
        args: list[object] = []
        if url is not None:
            where.append("url = ?")
            args.append(url)
        if ls_project is not None:
            where.append("ls_project = ?")
            args.append(ls_project)
        sql = "SELECT * FROM labelstudio_targets"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY synced_at DESC, id DESC LIMIT 1"
        return self._db.read(lambda c: _target(c.execute(sql, args).fetchone()))

    def save_labelstudio_target(self, url: str, ls_project: int, config_hash: str | None) -> LinkTarget:
        """Record (or refresh) a target as synced now, with the config hash sent there."""
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO labelstudio_targets (url, ls_project, config_hash, synced_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (url, ls_project) DO UPDATE SET "
                "config_hash = excluded.config_hash, synced_at = excluded.synced_at",
                (url, ls_project, config_hash, now_iso()),
            )
            row = conn.execute("SELECT * FROM labelstudio_targets WHERE url = ? AND ls_project = ?",
                               (url, ls_project)).fetchone()
        found = _target(row)
        assert found is not None  # just written in this transaction
        return found

    def labelstudio_links(self, target_id: int, kind: str) -> dict[int, tuple[int, str]]:
        """Our id -> (its id in Label Studio, digest when last synced), for one kind."""
        rows = self._db.read(lambda c: c.execute(
            "SELECT local_id, remote_id, digest FROM labelstudio_links "
            "WHERE target_id = ? AND kind = ?", (target_id, _kind(kind))).fetchall())
        return {r["local_id"]: (r["remote_id"], r["digest"]) for r in rows}

    def save_labelstudio_links(self, target_id: int, kind: str,
                               links: Iterable[tuple[int, int, str]]) -> None:
        """Record (our id, its id there, digest) links; an existing link of our id is replaced."""
        rows = [(target_id, _kind(kind), local, remote, digest) for local, remote, digest in links]
        if not rows:
            return
        with self._db.write() as conn:
            conn.executemany(
                "INSERT INTO labelstudio_links (target_id, kind, local_id, remote_id, digest) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (target_id, kind, local_id) DO UPDATE SET "
                "remote_id = excluded.remote_id, digest = excluded.digest", rows)
