"""The project file: creation, migrations from older schemas, and refusing what is not ours."""

from __future__ import annotations

import pickle
import sqlite3

import pytest
from store_fixtures import filled_project, prediction

from preannotate_lab.model import Task
from preannotate_lab.store import (
    SCHEMA_VERSION,
    Project,
    ProjectFileError,
    SchemaVersionError,
)

APPLICATION_ID = 0x504C6162

# schema version 1, written out by hand so that a change to the migration code that would
# stop old files from opening shows up here
V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'document')), title TEXT NOT NULL DEFAULT '',
    error TEXT, created_at TEXT NOT NULL);
CREATE TABLE task_data (task_id INTEGER PRIMARY KEY REFERENCES tasks (id), data TEXT NOT NULL);
CREATE TABLE predictions (id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks (id), version INTEGER NOT NULL,
    results TEXT NOT NULL, model_version TEXT NOT NULL, server TEXT, config_hash TEXT,
    pipeline_hash TEXT, document_hash TEXT, provenance TEXT NOT NULL DEFAULT '{}', score REAL,
    created_at TEXT NOT NULL, UNIQUE (task_id, version));
CREATE TABLE completions (id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NOT NULL REFERENCES tasks (id), results TEXT NOT NULL,
    copied_from INTEGER REFERENCES predictions (id), created_by TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_by TEXT, updated_at TEXT,
    ground_truth INTEGER NOT NULL DEFAULT 0);
CREATE INDEX completions_task ON completions (task_id);
CREATE TRIGGER predictions_immutable BEFORE UPDATE ON predictions
    BEGIN SELECT RAISE(ABORT, 'predictions are immutable'); END;
"""
SPAN = '[{"kind": "span", "start": 0, "end": 5, "label": "ORG", "text": "Apple", "id": "s1"}]'
T0 = "2024-01-01T00:00:00.000000+00:00"


def _write_v1_file(path) -> None:
    raw = sqlite3.connect(path)
    raw.executescript(V1_SCHEMA)
    raw.executescript(f"""
        PRAGMA application_id = {APPLICATION_ID};
        PRAGMA user_version = 1;
        INSERT INTO meta VALUES ('name', 'old project'), ('created_at', '{T0}');
        INSERT INTO tasks VALUES (1, 'text', 'Apple in London', NULL, '{T0}'),
                                 (2, 'text', 'Merkel in Berlin', 'bad regex', '{T0}'),
                                 (3, 'document', 'scan.pdf', NULL, '{T0}');
        INSERT INTO task_data VALUES (1, '{{"text": "Apple in London"}}'),
                                     (2, '{{"text": "Merkel in Berlin"}}'),
                                     (3, '{{"document": "docs/scan.pdf"}}');
        INSERT INTO predictions VALUES
            (1, 1, 1, '{SPAN}', 'm1', NULL, NULL, 'P', 'd1', '{{}}', NULL, '{T0}'),
            (2, 1, 2, '{SPAN}', 'm2', NULL, NULL, 'P', 'd1', '{{}}', NULL,
             '2024-02-01T00:00:00.000000+00:00'),
            (3, 3, 1, '[]', 'm1', NULL, NULL, 'P', NULL, '{{}}', NULL, '{T0}');
        INSERT INTO completions VALUES (1, 1, '{SPAN}', 2, 'ann', '{T0}', NULL, NULL, 1);
    """)
    raw.close()


def test_version_1_file_is_migrated_on_open(project_path):
    _write_v1_file(project_path)
    with Project.open(project_path) as project:
        assert project.name == "old project"
        total, rows = project.task_rows()
        assert total == 3
        assert [(r["status"], r["n_predictions"], r["n_completions"]) for r in rows] == [
            ("completed", 2, 1),
            ("error", 0, 0),
            ("preannotated", 1, 0),
        ]
        assert rows[0]["last_preannotated"] == "2024-02-01T00:00:00.000000+00:00"
        assert [r["id"] for r in project.task_rows(search="london")[1]] == [1]
        assert [r["id"] for r in project.task_rows(search="scan")[1]] == [3]
        # new writes continue where the old file left off
        [p] = project.add_predictions([prediction(1)])
        assert (p.id, p.version) == (4, 3)
        c = project.update_completion(1, [], note="after migration")
        assert c.history[0].results[0].label == "ORG"
        assert project.add_tasks([Task({"text": "new"})]) == [4]
        project.delete_task(2, reason="migrated test")
    raw = sqlite3.connect(project_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_newer_schema_is_refused_with_a_clear_message(project_path):
    Project.create(project_path).close()
    raw = sqlite3.connect(project_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(SchemaVersionError, match=r"newer preannotate_lab .*upgrade"):
        Project.open(project_path)


def test_file_that_is_not_sqlite_is_refused_naming_it(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(ProjectFileError, match=r"notes\.sqlite is not a preannotate_lab project"):
        Project(path)
    assert path.read_text().startswith("these are my notes")  # left as it was


def test_sqlite_file_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE users (name TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(ProjectFileError, match="other.db is not a preannotate_lab project"):
        Project(path)
    raw = sqlite3.connect(path)
    assert [r[0] for r in raw.execute("SELECT name FROM sqlite_master")] == ["users"]
    raw.close()


def test_create_and_open_insist_on_new_and_existing(tmp_path):
    path = tmp_path / "p.sqlite"
    with pytest.raises(ProjectFileError, match="no project file at .*Project.create"):
        Project.open(path)
    with pytest.raises(ProjectFileError, match="folder .*missing.* does not exist"):
        Project(tmp_path / "missing" / "p.sqlite")
    Project.create(path, name="News").close()
    with pytest.raises(ProjectFileError, match="already exists; use Project.open"):
        Project.create(path)
    with Project(path) as project:
        assert project.name == "News" and project.config is None and project.config_hash is None
    empty = tmp_path / "empty.sqlite"
    empty.touch()  # an empty file counts as new
    Project.create(empty).close()


def test_project_survives_pickling(project_path):
    project, ids = filled_project(project_path)
    clone = pickle.loads(pickle.dumps(project))
    assert clone.path == project.path and clone.task_ids() == ids
    clone.close()
    project.close()


def _write_v3_file(path, data_rows: list[str]) -> None:
    """A version-3 file (before tasks.source_id) holding text tasks with these data JSONs."""
    from preannotate_lab.store.schema import MIGRATIONS

    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN")
    for step in MIGRATIONS[:3]:
        step(raw)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 3")
    raw.execute("INSERT INTO meta VALUES ('name', 'v3 project'), ('created_at', ?)", (T0,))
    for task_id, data in enumerate(data_rows, start=1):
        raw.execute("INSERT INTO tasks (id, kind, title, created_at) VALUES (?, 'text', ?, ?)",
                    (task_id, f"t{task_id}", T0))
        raw.execute("INSERT INTO task_data VALUES (?, ?)", (task_id, data))
    raw.execute("COMMIT")
    assert "source_id" not in [r[1] for r in raw.execute("PRAGMA table_info(tasks)")]
    raw.close()


def test_version_3_file_gets_source_ids_from_existing_task_data(project_path):
    rows = [
        '{"text": "a", "_source_id": "doc-7"}',
        '{"text": "b", "_source_id": 42}',
        '{"text": "c", "_source_id": 1.5}',
        '{"text": "d", "_source_id": true}',
        '{"text": "e", "_source_id": [1, "x"]}',
        '{"text": "f", "_source_id": null}',
        '{"text": "g"}',
        '{"text": "h", "_source_id": "doc-7"}',
        '{"text": "i", "meta": {"_source_id": "nested, not ours"}}',
    ]
    _write_v3_file(project_path, rows)
    with Project.open(project_path) as project:
        column = project._db.read(
            lambda c: [r[0] for r in c.execute("SELECT source_id FROM tasks ORDER BY id")]
        )
        # exactly what the store writes for new tasks: str() of the Python value
        assert column == ["doc-7", "42", "1.5", "True", "[1, 'x']", None, None, "doc-7", None]
        assert project.task_ids_by_source_id(["doc-7", "42", 42, "True", "missing", "nested, not ours"]) == {
            "doc-7": [1, 8], "42": [2], "True": [4],
        }
        # tasks added after the migration are found the same way
        [new_id] = project.add_tasks([Task({"text": "j", "_source_id": 42})])
        assert project.task_ids_by_source_id(["42"]) == {"42": [2, new_id]}
        project.delete_task(2)
        assert project.task_ids_by_source_id(["42"]) == {"42": [new_id]}
        assert project.get_task(1).data == {"text": "a", "_source_id": "doc-7"}  # data untouched
        assert project.name == "v3 project" and project.count_tasks() == 9
    raw = sqlite3.connect(project_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 8
    raw.close()


def test_source_id_lookup_uses_the_index(project_path):
    with Project.create(project_path) as project:
        plan = project._db.read(
            lambda c: c.execute(
                "EXPLAIN QUERY PLAN SELECT source_id, id FROM tasks WHERE source_id IN "
                "(SELECT value FROM json_each(?)) ORDER BY id",
                ('["a"]',),
            ).fetchall()
        )
    details = " | ".join(r[-1] for r in plan)
    assert "USING INDEX tasks_source_id" in details or "USING COVERING INDEX tasks_source_id" in details, details
