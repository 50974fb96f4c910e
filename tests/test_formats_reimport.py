"""Re-importing: duplicates without ids are recognised, and overwrite never loses human work."""

from __future__ import annotations

import json
from pathlib import Path

from formats_fixtures import new_project

from preannotate_lab.formats.importing import import_path
from preannotate_lab.model import Completion, Span
from preannotate_lab.store import Project

SAMPLE = Path(__file__).parent.parent / "preannotate_lab" / "data" / "sample_tasks.jsonl"
CONFIG = """<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="PERSON"/>
</Labels><Text name="text" value="$text"/></View>"""
TEXT = "Apple hired Tim Cook in Cupertino."


def _ls_file(path: Path, text: str = TEXT, *, title: str | None = None) -> Path:
    data = {"text": text, **({"title": title} if title else {})}
    task = {"id": "t-1", "data": data,
            "predictions": [{"id": 7, "model_version": "m1", "result": [
                {"id": "p1", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 0, "end": 5, "text": "Apple", "labels": ["ORG"]}}]}],
            "annotations": [{"created_username": "ann", "parent_prediction": 7, "result": [
                {"id": "c1", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 0, "end": 5, "text": "Apple", "labels": ["ORG"]}}]}]}
    path.write_text(json.dumps([task]), "utf-8")
    return path


def test_a_file_without_ids_imported_twice_adds_nothing_the_second_time(tmp_path):
    project = new_project(tmp_path)
    first = import_path(project, SAMPLE)
    assert first.n_tasks == 20 and first.skipped_duplicates == []
    again = import_path(project, SAMPLE)
    assert again.n_tasks == 0 and project.count_tasks() == 20
    assert len(again.skipped_duplicates) == 20
    assert all(name.startswith("content:") for name in again.skipped_duplicates)


def test_content_keys_count_repeats_and_ignore_field_order(tmp_path):
    project = new_project(tmp_path)
    path = tmp_path / "rep.jsonl"
    path.write_text('{"text": "same", "n": 1}\n{"text": "same", "n": 1}\n', "utf-8")
    assert import_path(project, path).n_tasks == 2  # a file may repeat a text on purpose
    path.write_text('{"n": 1, "text": "same"}\n{"n": 1, "text": "same"}\n{"text": "same", "n": 1}\n', "utf-8")
    report = import_path(project, path)
    assert report.n_tasks == 1 and len(report.skipped_duplicates) == 2
    assert project.count_tasks() == 3


def test_overwrite_updates_in_place_and_keeps_every_completion(tmp_path):
    project = new_project(tmp_path)
    project.set_config(CONFIG)
    path = _ls_file(tmp_path / "t.json")
    [task_id] = import_path(project, path).task_ids
    [imported] = project.completions(task_id)
    human = project.add_completion(Completion(
        task_id=task_id, results=[Span(12, 20, "PERSON", "Tim Cook")], created_by="reviewer"))
    project.update_completion(imported.id, [Span(0, 5, "ORG", "Apple"), Span(12, 20, "PERSON", "Tim Cook")],
                              by="ann")

    # the same content again: nothing of anyone's work goes away, the id stays
    same = import_path(project, path, on_duplicate="overwrite")
    assert same.task_ids == [] and same.updated_task_ids == [task_id] and same.overwritten == ["t-1"]
    assert project.task_ids() == [task_id] and project.deletions() == []
    completions = project.completions(task_id)
    assert [c.id for c in completions][:2] == [imported.id, human.id]
    assert completions[0].results[1].label == "PERSON"  # the edit is kept
    assert len(project.predictions(task_id)) == 1  # an identical prediction is not stored twice

    # new text and title: data replaced in place, old data in the history, work kept
    changed = _ls_file(tmp_path / "t2.json", TEXT + " Really.", title="Hiring")
    report = import_path(project, changed, on_duplicate="overwrite")
    assert report.updated_task_ids == [task_id] and "updated 1 stored task(s) in place" in report.summary()
    task = project.get_task(task_id)
    assert task.data["text"] == TEXT + " Really." and task.title == "Hiring"
    [history] = project.task_history(task_id)
    assert history["task"]["data"]["text"] == TEXT and history["changed_by"] == "import"
    assert [c.id for c in project.completions(task_id)][:2] == [imported.id, human.id]
    assert [p.version for p in project.predictions(task_id)] == [1]  # same results, same model
    assert project.deletions() == []


def test_overwrite_adds_new_predictions_and_completions_only_once(tmp_path):
    project = new_project(tmp_path)
    project.set_config(CONFIG)
    path = _ls_file(tmp_path / "t.json")
    [task_id] = import_path(project, path).task_ids
    tasks = json.loads(path.read_text("utf-8"))
    tasks[0]["predictions"][0]["model_version"] = "m2"
    tasks[0]["annotations"].append({"created_username": "other", "result": []})
    path.write_text(json.dumps(tasks), "utf-8")
    for _ in range(2):
        report = import_path(project, path, on_duplicate="overwrite")
    assert [p.model_version for p in project.predictions(task_id)] == ["m1", "m2"]
    assert [c.created_by for c in project.completions(task_id)] == ["ann", "other"]
    assert report.n_completions == 0 and report.completions_kept == 2


def test_a_project_from_before_content_keys_finds_its_tasks(tmp_path):
    path = tmp_path / "old.sqlite"
    project = Project.create(path)
    import_path(project, SAMPLE)
    # as a version-4 file had it: no content keys yet
    with project.transaction() as conn:
        conn.execute("UPDATE tasks SET content_key = NULL")
    assert import_path(project, SAMPLE).n_tasks == 20  # proves the key is what finds them
    project.close()
    import sqlite3

    raw = sqlite3.connect(path)
    raw.execute("DROP INDEX tasks_content_key")
    raw.execute("ALTER TABLE tasks DROP COLUMN content_key")
    raw.execute("DROP TABLE task_history")
    raw.execute("PRAGMA user_version = 4")
    raw.commit()
    raw.close()
    with Project.open(path) as reopened:  # migrated: every stored task gets its key
        report = import_path(reopened, SAMPLE)
        assert report.n_tasks == 0 and len(report.skipped_duplicates) == 20
