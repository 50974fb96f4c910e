"""The project file's schema and its migrations.

``PRAGMA user_version`` holds the schema version: the number of migrations applied.
``MIGRATIONS[i]`` turns a version-``i`` file into version ``i + 1``; a file of any older
version is brought up to date on open, inside one write transaction, so a crash mid-way
leaves the old version intact. A migration is never edited once released; a change to the
schema is a new function appended to the list.
``PRAGMA application_id`` marks the file as a preannotate_lab project.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from .codec import source_id_of
from .db import Database, retry_busy
from .errors import ProjectFileError, SchemaVersionError
from .keys import content_key
from .text_index import create_text_index

APPLICATION_ID = 0x504C6162  # "PLab"

# the grid status of a task, derived from the per-task counters (a person's work outranks
# the machine's: a task with a completion is "in_progress" even if pre-annotation failed)
STATUS_SQL = """CASE
    WHEN n_ground_truth > 0 THEN 'completed'
    WHEN n_completions > 0 THEN 'in_progress'
    WHEN error IS NOT NULL THEN 'error'
    WHEN n_predictions > 0 THEN 'preannotated'
    ELSE 'new' END"""


def _run(conn: sqlite3.Connection, statements: list[str]) -> None:
    # not executescript(): it commits first, and a migration must stay one transaction
    for statement in statements:
        conn.execute(statement)


def _v1_core_tables(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """CREATE TABLE tasks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('text', 'document')),
            title TEXT NOT NULL DEFAULT '',
            error TEXT,
            created_at TEXT NOT NULL)""",
            # the task's data lives apart so that the grid's scans of tasks stay narrow
            """CREATE TABLE task_data (
            task_id INTEGER PRIMARY KEY REFERENCES tasks (id),
            data TEXT NOT NULL)""",
            """CREATE TABLE predictions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            task_id INTEGER NOT NULL REFERENCES tasks (id),
            version INTEGER NOT NULL,
            results TEXT NOT NULL,
            model_version TEXT NOT NULL,
            server TEXT,
            config_hash TEXT,
            pipeline_hash TEXT,
            document_hash TEXT,
            provenance TEXT NOT NULL DEFAULT '{}',
            score REAL,
            created_at TEXT NOT NULL,
            UNIQUE (task_id, version))""",
            """CREATE TABLE completions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            task_id INTEGER NOT NULL REFERENCES tasks (id),
            results TEXT NOT NULL,
            copied_from INTEGER REFERENCES predictions (id),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_by TEXT,
            updated_at TEXT,
            ground_truth INTEGER NOT NULL DEFAULT 0)""",
            "CREATE INDEX completions_task ON completions (task_id)",
            # predictions are immutable: the file itself refuses to change one
            """CREATE TRIGGER predictions_immutable BEFORE UPDATE ON predictions
            BEGIN SELECT RAISE(ABORT, 'predictions are immutable'); END""",
        ],
    )


def _v2_history_deletions_grid(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        [
            """CREATE TABLE completion_edits (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            completion_id INTEGER NOT NULL REFERENCES completions (id),
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            results TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '')""",
            "CREATE INDEX completion_edits_completion ON completion_edits (completion_id)",
            """CREATE TABLE deletions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            task_id INTEGER NOT NULL,
            deleted_by TEXT NOT NULL,
            deleted_at TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            task TEXT NOT NULL,
            predictions TEXT NOT NULL,
            completions TEXT NOT NULL)""",
            # denormalized per-task counters for the grid, kept in step by every write
            "ALTER TABLE tasks ADD COLUMN n_predictions INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE tasks ADD COLUMN n_completions INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE tasks ADD COLUMN n_ground_truth INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE tasks ADD COLUMN last_preannotated TEXT",
            f"ALTER TABLE tasks ADD COLUMN status TEXT GENERATED ALWAYS AS ({STATUS_SQL}) VIRTUAL",
            """UPDATE tasks SET
            n_predictions = (SELECT count(*) FROM predictions p WHERE p.task_id = tasks.id),
            last_preannotated = (SELECT max(created_at) FROM predictions p
                                 WHERE p.task_id = tasks.id),
            n_completions = (SELECT count(*) FROM completions c WHERE c.task_id = tasks.id),
            n_ground_truth = (SELECT count(*) FROM completions c
                              WHERE c.task_id = tasks.id AND c.ground_truth)""",
            "CREATE INDEX tasks_status ON tasks (status)",
            "CREATE INDEX tasks_kind ON tasks (kind)",
            "CREATE INDEX tasks_title ON tasks (title COLLATE NOCASE)",
            "CREATE INDEX tasks_n_predictions ON tasks (n_predictions)",
            "CREATE INDEX tasks_n_completions ON tasks (n_completions)",
            "CREATE INDEX tasks_last_preannotated ON tasks (last_preannotated)",
            "CREATE INDEX tasks_error ON tasks (error)",
            "CREATE INDEX tasks_created_at ON tasks (created_at)",
            # incremental runs ask "which tasks did this pipeline already see, on which content"
            "CREATE INDEX predictions_pipeline ON predictions (pipeline_hash, task_id, document_hash)",
        ],
    )


def _lacks_fts5(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused a full-text table for want of FTS5 or of one of its tokenizers."""
    return "tokenizer" in str(exc) or "fts5" in str(exc)


def _v3_search(conn: sqlite3.Connection) -> None:
    try:
        conn.execute(
            "CREATE VIRTUAL TABLE task_search USING fts5"
            "(title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    except sqlite3.OperationalError as exc:
        if not _lacks_fts5(exc):
            raise  # not a missing feature: the plain error says more than a guess would
        raise ProjectFileError(
            f"this Python's SQLite {sqlite3.sqlite_version} lacks the FTS5 extension that "
            "project search needs; use a Python build whose sqlite3 includes FTS5"
        ) from exc
    conn.execute(
        """INSERT INTO task_search (rowid, title, body)
           SELECT id, title, CASE kind
               WHEN 'document' THEN coalesce(json_extract(data, '$.document'),
                                             json_extract(data, '$.image'), '')
               ELSE coalesce(json_extract(data, '$.text'), '') END
           FROM tasks JOIN task_data ON task_data.task_id = tasks.id"""
    )


def _v4_source_id(conn: sqlite3.Connection) -> None:
    # imports look duplicates up by the id a task had in its file; without this column
    # that meant reading every task's data once per import
    conn.execute("ALTER TABLE tasks ADD COLUMN source_id TEXT")
    # text and integer ids (all that the importers write) are copied in SQL; the column
    # must equal Python's str() of the value, so any other JSON type goes through Python
    conn.execute(
        """UPDATE tasks SET source_id = (
               SELECT CASE json_type(d.data, '$._source_id')
                   WHEN 'text' THEN json_extract(d.data, '$._source_id')
                   WHEN 'integer' THEN CAST(json_extract(d.data, '$._source_id') AS TEXT)
                   END
               FROM task_data d WHERE d.task_id = tasks.id)"""
    )
    others = conn.execute(
        """SELECT task_id, data FROM task_data
           WHERE json_type(data, '$._source_id') NOT IN ('text', 'integer', 'null')"""
    ).fetchall()
    conn.executemany(
        "UPDATE tasks SET source_id = ? WHERE id = ?",
        [(source_id_of(json.loads(data)), task_id) for task_id, data in others],
    )
    conn.execute("CREATE INDEX tasks_source_id ON tasks (source_id)")


def _v5_content_key_task_history(conn: sqlite3.Connection) -> None:
    # a task without a source id is recognised on re-import by a hash of its content
    # (see tasks.content_key); the update of a task in place keeps what it held before
    conn.execute("ALTER TABLE tasks ADD COLUMN content_key TEXT")
    last = 0
    # in chunks by id, not one cursor: updating the table a live cursor scans is undefined
    while rows := conn.execute(
        "SELECT t.id, t.kind, d.data FROM tasks t JOIN task_data d ON d.task_id = t.id "
        "WHERE t.id > ? ORDER BY t.id LIMIT 5000",
        (last,),
    ).fetchall():
        conn.executemany(
            "UPDATE tasks SET content_key = ? WHERE id = ?",
            [(content_key(kind, json.loads(data)), task_id) for task_id, kind, data in rows],
        )
        last = rows[-1][0]
    conn.execute("CREATE INDEX tasks_content_key ON tasks (content_key)")
    conn.execute(
        """CREATE TABLE task_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL,
        changed_by TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        task TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX task_history_task ON task_history (task_id)")


def _v6_completion_meta(conn: sqlite3.Connection) -> None:
    # what a completion brought from another tool that has no column of its own: a skip
    # (Label Studio's ``was_cancelled``), its id there, ``lead_time``, the original author
    columns = {row[1] for row in conn.execute("PRAGMA table_info(completions)")}
    if "meta" not in columns:  # a file downgraded by hand may have it already
        conn.execute("ALTER TABLE completions ADD COLUMN meta TEXT NOT NULL DEFAULT '{}'")


def _v7_labelstudio_links(conn: sqlite3.Connection) -> None:
    # a live Label Studio project this one is synced with (server URL + its project id), and
    # which of our records is which record there; ``digest`` is what the record said when it
    # was last synced, so push and pull see what changed on either side since then
    conn.execute(
        """CREATE TABLE IF NOT EXISTS labelstudio_targets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        ls_project INTEGER NOT NULL,
        config_hash TEXT,
        synced_at TEXT NOT NULL,
        UNIQUE (url, ls_project))"""
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS labelstudio_links (
        target_id INTEGER NOT NULL REFERENCES labelstudio_targets (id),
        kind TEXT NOT NULL CHECK (kind IN ('task', 'prediction', 'completion')),
        local_id INTEGER NOT NULL,
        remote_id INTEGER NOT NULL,
        digest TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (target_id, kind, local_id))"""
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS labelstudio_links_remote "
        "ON labelstudio_links (target_id, kind, remote_id)"
    )


def _v8_text_index(conn: sqlite3.Connection) -> None:
    # a trigram index over the tasks' text, kept current by triggers (see text_index.py): the
    # rule studio's statistics run a pattern only on the tasks holding its literal parts
    try:
        create_text_index(conn)
    except sqlite3.OperationalError as exc:
        if not _lacks_fts5(exc):
            raise  # not a missing feature: the plain error says more than a guess would
        raise ProjectFileError(
            f"this Python's SQLite {sqlite3.sqlite_version} lacks the FTS5 trigram tokenizer "
            "(SQLite 3.34 or later) that the text index needs; use a newer Python build"
        ) from exc


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_core_tables,
    _v2_history_deletions_grid,
    _v3_search,
    _v4_source_id,
    _v5_content_key_task_history,
    _v6_completion_meta,
    _v7_labelstudio_links,
    _v8_text_index,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _not_a_project(path: Path, why: str) -> ProjectFileError:
    return ProjectFileError(
        f"{path} is not a preannotate_lab project ({why}); "
        "open a project file or give a new file name to create one"
    )


def prepare(db: Database, *, may_create: bool) -> None:
    """Check that the file is a project of a readable version, creating or migrating it."""
    try:
        # WAL cannot be switched inside a transaction; on a non-database file opening the
        # connection or this pragma is the first read of the header, so it shows up here
        conn = db.connection()
        retry_busy(
            lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone(), db.path, db.patience
        )
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
            raise
        raise _not_a_project(db.path, f"not an SQLite database: {exc}") from exc

    with db.write() as conn:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == 0 and version == 0:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise _not_a_project(db.path, "an SQLite database of another program")
            if not may_create:
                raise _not_a_project(db.path, "an empty SQLite database")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        elif app_id != APPLICATION_ID:
            raise _not_a_project(db.path, f"SQLite application id {app_id:#x}")
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{db.path} was written by a newer preannotate_lab (schema version {version}; "
                f"this one reads up to {SCHEMA_VERSION}); upgrade preannotate_lab to open it"
            )
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
