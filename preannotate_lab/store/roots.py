"""The folders a project may read document files from (see :mod:`preannotate_lab.paths`).

Kept in the ``meta`` table under ``document_roots`` as a JSON list of real paths: the folders
tasks were imported from, the folders of files a Python caller added with ``add_tasks``, and
folders the user allowed with :meth:`allow_root`. Each entry records who added it and when.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from ..model import Task, document_path
from ..paths import is_url, real
from .codec import now_iso
from .db import Database

META_KEY = "document_roots"


def read_roots(conn: sqlite3.Connection) -> list[dict]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    if row is None:
        return []
    try:
        value = json.loads(row[0])
    except ValueError:
        return []  # a damaged entry allows nothing rather than anything
    return [r for r in value if isinstance(r, dict) and isinstance(r.get("path"), str)]


def add_roots(conn: sqlite3.Connection, folders: Iterable[str | os.PathLike[str]], by: str) -> list[str]:
    """Record folders (real paths) not yet covered by a recorded root; returns those added."""
    entries = read_roots(conn)
    have = [Path(e["path"]) for e in entries]
    added = []
    for folder in sorted({str(real(f)) for f in folders}, key=len):  # wider roots first
        path = Path(folder)
        if any(path == h or h in path.parents for h in have):
            continue
        entries.append({"path": folder, "by": by, "at": now_iso()})
        have.append(path)
        added.append(folder)
    if added:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (META_KEY, json.dumps(entries, ensure_ascii=False)))
    return added


def seed_legacy_roots(conn: sqlite3.Connection) -> list[str]:
    """Give a project made before document roots existed the folders its tasks already name.

    Those files were imported when any path was accepted; refusing them now would break every
    document task of an older project. A project that has the key (even an empty list) was
    made or opened since, and is left alone.
    """
    if conn.execute("SELECT 1 FROM meta WHERE key = ?", (META_KEY,)).fetchone() is not None:
        return []
    rows = conn.execute("SELECT d.data FROM tasks AS t JOIN task_data AS d ON d.task_id = t.id "
                        "WHERE t.kind = 'document'").fetchall()
    folders = task_folders(Task(json.loads(data), kind="document") for (data,) in rows)
    added = add_roots(conn, folders, by="earlier import")
    if not added:  # mark the project as seen, so a later first import is not taken for old tasks
        conn.execute("INSERT INTO meta (key, value) VALUES (?, '[]')", (META_KEY,))
    return added


def task_folders(tasks: Iterable[Task]) -> set[str]:
    """The real folders of the local files that document tasks name by absolute path."""
    out = set()
    for task in tasks:
        path = document_path(task.data) if task.kind == "document" else None
        if path and not is_url(path) and os.path.isabs(path):
            out.add(str(real(path).parent))
    return out


class RootsMixin:
    _db: Database

    def document_roots(self) -> list[str]:
        """The folders this project may read document files from (real paths)."""
        return [r["path"] for r in self._db.read(read_roots)]

    def document_root_records(self) -> list[dict]:
        """Each allowed folder with who allowed it (``import``, ``add_tasks``, ``user``) and when."""
        return self._db.read(read_roots)

    def allow_root(self, folder: str | os.PathLike[str], *, by: str = "user") -> str:
        """Allow document tasks to name files under ``folder`` (its real path is recorded).

        For files a task file names outside the folders it was imported from, when you trust
        them. Returns the real path recorded. Refuses a file or a missing folder.
        """
        path = real(folder)
        if not path.is_dir():
            what = "a file" if path.exists() else "missing"
            raise ValueError(f"allow_root: {folder!s} is {what}; give an existing folder")
        with self._db.write() as conn:
            add_roots(conn, [path], by)
        return str(path)
