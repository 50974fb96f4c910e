"""Tasks in the project store: add, read, stream, errors, explicit recorded deletion."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from store_fixtures import TEXTS, filled_project, prediction, text_tasks

from preannotate_lab.model import Completion, Span, Task
from preannotate_lab.store import InvalidRecordError, Project, StoreError, TaskNotFound


def test_add_and_get_tasks_round_trip(project_path):
    created = datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    with Project.create(project_path) as project:
        ids = project.add_tasks(
            [
                Task({"text": "Short text.", "meta": {"n": [1, 2]}}, created_at=created),
                Task({"document": "scans/invoice 7.pdf"}, kind="document"),
                Task({"text": "x"}, title="My title", error="bad page"),
            ]
        )
        assert ids == [1, 2, 3]
        first = project.get_task(1)
        assert first.id == 1 and first.kind == "text"
        assert first.data == {"text": "Short text.", "meta": {"n": [1, 2]}}
        assert first.created_at == created and first.created_at.tzinfo is not None
        assert first.created_at.utcoffset() == timedelta(0)  # returned in UTC
        assert project.get_task(2).title == "invoice 7.pdf"
        third = project.get_task(3)
        assert (third.title, third.error) == ("My title", "bad page")
        assert project.count_tasks() == 3 and project.task_ids() == [1, 2, 3]


def test_default_title_is_first_80_characters_of_the_text(project_path):
    text = "word " * 40 + "\n\nmore"
    with Project(project_path) as project:
        [task_id] = project.add_tasks([Task({"text": text})])
        title = project.get_task(task_id).title
        assert len(title) == 80 and title == " ".join(text.split())[:80]


def test_get_missing_task_names_the_id(project_path):
    project, _ = filled_project(project_path)
    with pytest.raises(TaskNotFound, match="no task with id 99"):
        project.get_task(99)
    with pytest.raises(KeyError):  # TaskNotFound is a KeyError for dict-like callers
        project.get_task(99)
    project.close()


@pytest.mark.parametrize(
    "bad, message",
    [
        (Task({"text": 5}), "task at index 1 of this call is a text task without a 'text'"),
        (Task({"text": "x"}, kind="audio"), "task at index 1 of this call has kind 'audio'"),
        (Task({"document": None}, kind="document"), "task at index 1 .*document task without"),
        (Task({"text": "x", "when": datetime.now()}), "task at index 1 .*cannot be stored as JSON"),
        ({"text": "a dict"}, "task at index 1 of this call is a dict, expected a Task"),
    ],
)
def test_bad_task_is_named_and_nothing_is_stored(project_path, bad, message):
    with Project(project_path) as project:
        with pytest.raises(InvalidRecordError, match=message):
            project.add_tasks([Task({"text": "good"}), bad, Task({"text": "good too"})])
        assert project.count_tasks() == 0  # all or nothing
        assert project.add_tasks([Task({"text": "after"})]) == [1]


def test_iter_tasks_streams_in_id_order_in_chunks(project_path):
    with Project(project_path) as project:
        ids = project.add_tasks(Task({"text": f"task number {i}"}) for i in range(1234))
        stream = project.iter_tasks(chunk_size=100)
        first = next(stream)
        assert first.id == ids[0]
        # tasks added while streaming are seen: each chunk is a fresh read, no long snapshot
        project.add_tasks([Task({"text": "late"})])
        rest = list(stream)
        assert [t.id for t in [first, *rest]] == ids + [1235]
        assert [t.id for t in project.iter_tasks([7, 3, 3, 99999, 5], chunk_size=2)] == [3, 5, 7]


def test_set_task_error_sets_and_clears(project_path):
    project, ids = filled_project(project_path)
    project.set_task_error(ids[0], "PDF is truncated")
    assert project.get_task(ids[0]).error == "PDF is truncated"
    project.set_task_error(ids[0], None)
    assert project.get_task(ids[0]).error is None
    with pytest.raises(TaskNotFound, match="42"):
        project.set_task_error(42, "x")
    project.close()


def test_delete_task_is_recorded_with_its_predictions_and_completions(project_path):
    project, ids = filled_project(project_path)
    victim = ids[1]
    [pred] = project.add_predictions([prediction(victim)])
    completion = project.completion_from_prediction(pred.id, by="ann")
    project.update_completion(completion.id, [Span(0, 6, "PERSON", "Angela")], by="ann", note="fix")
    project.add_completion(Completion(task_id=ids[0], results=[]))

    project.delete_task(victim, by="lead", reason="duplicate")

    with pytest.raises(TaskNotFound):
        project.get_task(victim)
    assert project.task_ids() == [i for i in ids if i != victim]
    [record] = project.deletions()
    assert record["task_id"] == victim and record["deleted_by"] == "lead"
    assert record["reason"] == "duplicate"
    assert record["task"]["data"]["text"] == TEXTS[1]
    assert [p["id"] for p in record["predictions"]] == [pred.id]
    assert record["predictions"][0]["results"][0]["label"] == "ORG"
    [kept] = record["completions"]
    assert kept["results"][0]["label"] == "PERSON"
    assert (
        kept["history"][0]["note"] == "fix" and kept["history"][0]["results"][0]["label"] == "ORG"
    )
    assert record["deleted_at"].tzinfo is not None
    # nothing of the task is left behind; other tasks keep theirs
    raw = sqlite3.connect(project_path)
    for table in ("predictions", "completions", "task_data"):
        column = "task_id"
        assert (
            raw.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (victim,)).fetchone()[0]
            == 0
        )
    assert len(project.completions(ids[0])) == 1
    # ids are never reused, so the deletion record keeps pointing at one task only
    assert project.add_tasks(text_tasks(["new one"])) == [ids[-1] + 1]
    with pytest.raises(TaskNotFound):
        project.delete_task(victim)
    raw.close()
    project.close()


def test_closed_project_says_so(project_path):
    project, _ = filled_project(project_path)
    project.close()
    with pytest.raises(StoreError, match="is closed"):
        project.count_tasks()


def test_task_ids_by_source_id_finds_only_the_ids_asked_for(project_path):
    with Project.create(project_path) as project:
        ids = project.add_tasks(
            [Task({"text": f"t{i}", "_source_id": f"s{i % 5000}"}) for i in range(6000)]
            + [Task({"text": "no source id"}), Task({"text": "int id", "_source_id": 7})]
        )
        # more ids than one lookup chunk, most of them absent
        asked = [f"s{i}" for i in range(0, 12_000, 2)] + ["7"]
        found = project.task_ids_by_source_id(asked)
        assert len(found) == 2501  # s0, s2 .. s4998 and "7"
        assert found["s0"] == [ids[0], ids[5000]]  # shared source ids: every task, in id order
        assert found["s4998"] == [ids[4998]]
        assert found["7"] == [ids[-1]]
        assert "s1" not in found and "s5000" not in found
        assert project.task_ids_by_source_id([]) == {}
        assert project.task_ids_by_source_id(iter(["s1", "s1"])) == {"s1": [ids[1], ids[5001]]}
