"""Recovering a damaged project file into a new one: every row that can still be read.

    report = Project.recover("news.sqlite", "news-recovered.sqlite")   # or: preannotate recover
    print(report.summary())

A new project file is made with the current schema, then each table's rows are copied from
the damaged file (see :mod:`.salvage`: rowid ranges, row by row where a range fails) in the
order the foreign keys ask for, with explicit column lists (generated columns are computed,
not copied). What the file derives from those rows (the grid's counters, the search index,
the source-id and content keys) is computed again from what was recovered. Rows whose parent
was lost (a prediction of a lost task) are left out, and the report says which.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .codec import now_iso, search_body, source_id_of
from .db import Database
from .errors import ProjectFileError, SchemaVersionError
from .keys import content_key
from .salvage import TableRead, columns, iter_rows, open_read_only, quote, sequences
from .schema import APPLICATION_ID, SCHEMA_VERSION, prepare
from .tasks import bump_search_generation

# meta keys that describe the new file rather than the project: not copied
_OWNED_META = frozenset({"search_generation"})
# tables the new file derives itself while rows are copied (text_index.py's triggers)
_DERIVED_TABLES = frozenset({"text_index_pending"})

# the grid's per-task counters, recounted from the recovered rows (as migration 2 does)
_RECOUNT = """UPDATE tasks SET
    n_predictions = (SELECT count(*) FROM predictions p WHERE p.task_id = tasks.id),
    last_preannotated = (SELECT max(created_at) FROM predictions p WHERE p.task_id = tasks.id),
    n_completions = (SELECT count(*) FROM completions c WHERE c.task_id = tasks.id),
    n_ground_truth = (SELECT count(*) FROM completions c
                      WHERE c.task_id = tasks.id AND c.ground_truth)"""

_CHUNK = 2_000


@dataclass
class TableRecovery:
    """One table: rows now in the new file, rowids that could not be read, rows left out."""

    table: str
    copied: int = 0  # rows of the damaged file now in the new one
    unreadable: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # read, but rows they need were lost
    unlinked: int = 0  # rows kept whose optional link (e.g. copied_from) pointed at a lost row
    missing: bool = False  # the damaged file has no such table (an older version's file)
    end_unknown_after: int | None = None  # the table's end was unreadable past this rowid

    def to_dict(self) -> dict:
        return {"table": self.table, "copied": self.copied,
                "unreadable": len(self.unreadable), "unreadable_rowids": _ranges(self.unreadable),
                "dropped": len(self.dropped), "dropped_rowids": _ranges(self.dropped),
                "unlinked": self.unlinked, "missing": self.missing,
                "end_unknown_after": self.end_unknown_after}


@dataclass
class RecoveryReport:
    """What :func:`recover_project` copied, per table, and what it could not."""

    damaged: Path
    out: Path
    tables: list[TableRecovery]
    skipped_tables: list[str] = field(default_factory=list)  # unknown to this schema

    @property
    def complete(self) -> bool:
        """True when every row was read and kept."""
        return not any(t.unreadable or t.dropped or t.end_unknown_after is not None
                       for t in self.tables)

    @property
    def lost(self) -> int:
        return sum(len(t.unreadable) + len(t.dropped) for t in self.tables)

    def table(self, name: str) -> TableRecovery:
        return next(t for t in self.tables if t.table == name)

    def to_dict(self) -> dict:
        return {"damaged": str(self.damaged), "out": str(self.out), "complete": self.complete,
                "tables": [t.to_dict() for t in self.tables],
                "skipped_tables": list(self.skipped_tables)}

    def summary(self) -> str:
        lines = [f"recovered {self.damaged} into {self.out}"]
        for t in self.tables:
            line = f"{t.table:<20} {t.copied} row(s) copied"
            if t.unreadable:
                line += (f"; {len(t.unreadable)} rowid(s) could not be read: "
                         f"{_ranges_text(t.unreadable)}")
            if t.dropped:
                line += (f"; {len(t.dropped)} left out, rows they need were lost: "
                         f"{_ranges_text(t.dropped)}")
            if t.unlinked:
                line += f"; {t.unlinked} kept without their link to a lost row"
            if t.end_unknown_after is not None:
                line += ("; none of its rows could be read" if not t.copied + len(t.dropped)
                         else f"; the table's end could not be read: rows after rowid "
                              f"{t.end_unknown_after} may be lost")
            if t.missing:
                line += " (the damaged file has no such table)"
            lines.append(line)
        if self.skipped_tables:
            lines.append(f"not copied (unknown to this version): {', '.join(self.skipped_tables)}")
        lines.append("every row was recovered" if self.complete else
                     "some rows were lost: compare with a backup if you have one")
        return "\n".join(lines)


def recover_project(damaged: str | os.PathLike[str], out: str | os.PathLike[str]) -> RecoveryReport:
    """Copy every readable row of the damaged project file ``damaged`` into a new file ``out``.

    Refuses to overwrite ``out``; never writes to ``damaged``. If recovery fails half-way,
    ``out`` is removed again.
    """
    damaged, out = Path(damaged), Path(out)
    _check_paths(damaged, out)
    try:
        source = open_read_only(damaged)
    except sqlite3.DatabaseError as exc:
        raise ProjectFileError(f"cannot read {damaged} at all (SQLite: {exc}); restore a backup") from exc
    try:
        _check_source(source, damaged)
        _create(out)
        try:
            return _copy_all(source, damaged, out)
        except BaseException:
            for suffix in ("", "-wal", "-shm"):
                Path(str(out) + suffix).unlink(missing_ok=True)
            raise
    finally:
        source.close()


def _check_paths(damaged: Path, out: Path) -> None:
    if not damaged.is_file():
        raise ProjectFileError(f"no project file at {damaged}; give the damaged file to recover")
    if out.exists() or Path(str(out) + "-wal").exists():
        raise ProjectFileError(f"{out} already exists; recovery writes a new file: give another name")
    if not out.parent.is_dir():
        raise ProjectFileError(f"cannot create {out}: folder {out.parent} does not exist")


def _create(out: Path) -> None:
    """An empty project file of the current schema. Its meta (name, created_at, the folders
    documents may be read from) comes from the damaged file; what was lost of it the first
    open fills in, as for a project made by an older version (the folders from the tasks)."""
    db = Database(out)
    try:
        prepare(db, may_create=True)
    finally:
        db.close()


def _check_source(source: sqlite3.Connection, damaged: Path) -> None:
    """A preannotate_lab project of a version this one reads, whose schema can be read."""
    try:
        app_id = source.execute("PRAGMA application_id").fetchone()[0]
        version = source.execute("PRAGMA user_version").fetchone()[0]
        source.execute("SELECT name FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as exc:
        raise ProjectFileError(
            f"{damaged} is damaged where SQLite keeps its list of tables (SQLite: {exc}); "
            "nothing can be recovered from it: restore a backup"
        ) from exc
    if app_id != APPLICATION_ID:
        raise ProjectFileError(f"{damaged} is not a preannotate_lab project "
                               f"(SQLite application id {app_id:#x}); nothing to recover")
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{damaged} was written by a newer preannotate_lab (schema version {version}); "
            "recover it with that version"
        )


def _copy_all(source: sqlite3.Connection, damaged: Path, out: Path) -> RecoveryReport:
    target = sqlite3.connect(str(out), isolation_level=None)
    try:
        # parents may be lost while their children survive: those are found after copying
        # (_drop_orphans), so rows go in without the check and the check runs at the end
        target.execute("PRAGMA foreign_keys = OFF")
        target.execute("BEGIN IMMEDIATE")
        tables = _tables_in_order(target)
        have = set(_ordinary_tables(source))
        report = RecoveryReport(damaged, out, [TableRecovery(t) for t in tables])
        report.skipped_tables = sorted(have - set(tables))
        seqs = {t: seq for t, seq in sequences(source).items() if t in tables}
        for rec in report.tables:
            if rec.table not in have:
                rec.missing = True
                continue
            names = [c for c in columns(target, rec.table) if c in set(columns(source, rec.table))]
            _copy_table(source, target, rec, names, seqs.get(rec.table))
        _drop_orphans(target, report)
        _unlink_lost(target, report)
        _derive(target)
        _keep_sequences(target, seqs)
        for key, value in (("recovered_from", str(damaged)), ("recovered_at", now_iso())):
            target.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        for rec in report.tables:
            rec.copied -= len(rec.dropped)
        target.execute("COMMIT")
        problems = target.execute("PRAGMA foreign_key_check").fetchall()
        if problems:  # _drop_orphans missed a kind of link: a bug, not damage
            raise ProjectFileError(f"recovery left rows whose parent is missing: {problems[:5]}")
        return report
    finally:
        target.close()


def _ordinary_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables that hold rows, in creation order: not SQLite's own, not the search index's."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
    # the full-text index and its shadow tables are rebuilt from the tasks, never copied
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    return [name for name, _ in rows
            if name not in virtual and not any(name.startswith(v + "_") for v in virtual)
            and name not in _DERIVED_TABLES]


def _tables_in_order(conn: sqlite3.Connection) -> list[str]:
    """The new file's tables, each after the tables its foreign keys name."""
    names = _ordinary_tables(conn)
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for fk in conn.execute(f"PRAGMA foreign_key_list({quote(name)})").fetchall():
            if fk[2] != name and fk[2] in names:
                visit(fk[2])
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def _copy_table(source: sqlite3.Connection, target: sqlite3.Connection, rec: TableRecovery,
                names: list[str], seq: int | None) -> None:
    read = TableRead()
    # meta rows may replace the new file's own (its name, created_at: the project's, kept)
    verb = "INSERT OR REPLACE" if rec.table == "meta" else "INSERT"
    insert = (f"{verb} INTO {quote(rec.table)} ({', '.join(map(quote, names))}) "
              f"VALUES ({', '.join('?' * len(names))})")
    for rows in iter_rows(source, rec.table, names, read, seq):
        if rec.table == "meta":
            rows = [r for r in rows if r[names.index("key") + 1] not in _OWNED_META]
        _insert(target, insert, rows, rec)
    rec.unreadable.extend(read.unreadable)
    rec.end_unknown_after = read.end_unknown_after


def _insert(target: sqlite3.Connection, insert: str, rows: list[tuple], rec: TableRecovery) -> None:
    """Insert a batch; if a row breaks a constraint (damage that read as data), row by row."""
    target.execute("SAVEPOINT batch")
    try:
        target.executemany(insert, [r[1:] for r in rows])
        target.execute("RELEASE batch")
        rec.copied += len(rows)
        return
    except sqlite3.IntegrityError:
        target.execute("ROLLBACK TO batch")
        target.execute("RELEASE batch")
    for row in rows:
        try:
            target.execute(insert, row[1:])
            rec.copied += 1
        except sqlite3.IntegrityError:
            # what it read is not a valid row of this table: damage that read as data
            rec.unreadable.append(row[0])


def _drop_orphans(conn: sqlite3.Connection, report: RecoveryReport) -> None:
    """Leave out rows whose parent row was lost; clear optional links to lost rows."""
    # every read of a task joins its data: a task whose data was lost cannot be shown
    _delete(conn, report.table("tasks"), "id NOT IN (SELECT task_id FROM task_data)")
    for rec in report.tables:  # in dependency order: a parent loses its orphans first
        # a primary key (task_data.task_id) is required too: NULL there would mean a new rowid
        required = {r[1]: r[3] or r[5] for r in conn.execute(f"PRAGMA table_info({quote(rec.table)})")}
        for fk in conn.execute(f"PRAGMA foreign_key_list({quote(rec.table)})").fetchall():
            parent, child, key = quote(fk[2]), quote(fk[3]), quote(fk[4] or "rowid")
            lost = f"{child} IS NOT NULL AND {child} NOT IN (SELECT {key} FROM {parent})"
            if required[fk[3]]:
                _delete(conn, rec, lost)
            else:
                rec.unlinked += conn.execute(
                    f"UPDATE {quote(rec.table)} SET {child} = NULL WHERE {lost}").rowcount


def _unlink_lost(conn: sqlite3.Connection, report: RecoveryReport) -> None:
    """Forget Label Studio links of records lost here: a pull then brings those back."""
    if "labelstudio_links" not in {t.table for t in report.tables}:
        return
    for kind, table in (("task", "tasks"), ("prediction", "predictions"),
                        ("completion", "completions")):
        lost = report.table(table)
        ids = json.dumps(sorted(set(lost.unreadable + lost.dropped)))
        # a task deleted before the damage keeps its link, so a pull does not bring it back
        _delete(conn, report.table("labelstudio_links"),
                "kind = ? AND local_id IN (SELECT value FROM json_each(?))"
                + (" AND local_id NOT IN (SELECT task_id FROM deletions "
                   "WHERE json_extract(task, '$.kept') IS NULL)" if kind == "task" else ""),
                (kind, ids))


def _delete(conn: sqlite3.Connection, rec: TableRecovery, where: str, params: tuple = ()) -> None:
    table = quote(rec.table)
    rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM {table} WHERE {where}", params)]
    conn.execute(f"DELETE FROM {table} WHERE {where}", params)
    rec.dropped.extend(rowids)


def _derive(conn: sqlite3.Connection) -> None:
    """What the file derives from tasks and their data, computed from the recovered rows."""
    conn.execute(_RECOUNT)
    conn.execute("DELETE FROM task_search")
    last = 0
    # in chunks by id, not one cursor: updating the table a live cursor scans is undefined
    while rows := conn.execute(
        "SELECT t.id, t.kind, t.title, d.data FROM tasks t JOIN task_data d ON d.task_id = t.id "
        "WHERE t.id > ? ORDER BY t.id LIMIT ?", (last, _CHUNK)).fetchall():
        parsed = [(task_id, kind, title, json.loads(data)) for task_id, kind, title, data in rows]
        conn.executemany("UPDATE tasks SET source_id = ?, content_key = ? WHERE id = ?",
                         [(source_id_of(d), content_key(k, d), i) for i, k, _, d in parsed])
        conn.executemany("INSERT INTO task_search (rowid, title, body) VALUES (?, ?, ?)",
                         [(i, t, search_body(k, d)) for i, k, t, d in parsed])
        last = rows[-1][0]
    bump_search_generation(conn)


def _keep_sequences(conn: sqlite3.Connection, seqs: dict[str, int]) -> None:
    """Ids of rows deleted (or lost) before recovery are not handed out again."""
    for name, seq in seqs.items():
        if conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                        (seq, name)).rowcount == 0:
            conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))


def _ranges(ids: list[int]) -> list[list[int]]:
    """[[first, last], ...] of runs of consecutive ids."""
    runs: list[list[int]] = []
    for i in sorted(set(ids)):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _ranges_text(ids: list[int]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in _ranges(ids))
