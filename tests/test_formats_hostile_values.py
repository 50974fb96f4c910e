"""Values no store can keep, refused per item: non-finite scores, lone surrogates, bad files.

Each bad task is left out with a message naming the field; the rest of its file and the other
files of the same import are stored, and exports afterwards work. ``delete_prediction``
removes one prediction and records it like a task deletion.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from preannotate_lab.formats import TaskImportError, export_project, import_path
from preannotate_lab.model import Completion, Prediction, Span, Task
from preannotate_lab.project import Project
from preannotate_lab.store import PredictionNotFound


def _task(i: int, text: str, score: str = "0.9", confidence: str = "0.8") -> str:
    # written by hand: json.dumps cannot write Infinity inside a string we want as a number
    result = ('{"from_name": "label", "to_name": "text", "type": "labels", '
              f'"value": {{"start": 0, "end": 4, "text": "Anna", "labels": ["PER"], '
              f'"confidence": {confidence}}}}}')
    return (f'{{"id": {i}, "data": {{"text": "{text}"}}, "predictions": '
            f'[{{"model_version": "m1", "score": {score}, "result": [{result}]}}]}}')


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "p.sqlite") as project:
        yield project


def test_non_finite_scores_and_lone_surrogates_leave_out_only_their_task(project, tmp_path):
    hostile = tmp_path / "hostile.json"
    hostile.write_text("[" + ",".join([
        _task(1, "Anna is fine"),
        _task(2, "Anna scores Infinity", score="Infinity"),
        _task(3, "Anna overflows", confidence="1e400"),
        _task(4, "Anna \\ud800 is broken"),
        _task(5, "Anna is NaN", score="NaN"),
        _task(6, "Anna is fine too"),
    ]) + "]", "utf-8")
    beside = tmp_path / "beside.jsonl"
    beside.write_text('{"text": "Bob in the other file"}\n', "utf-8")
    report = import_path(project, [hostile, beside])
    assert report.n_tasks == 3 and report.n_predictions == 2
    errors = {e.position: e.message for e in report.errors}
    assert set(errors) == {"task #1", "task #2", "task #3", "task #4"}
    assert "prediction #0 score is inf" in errors["task #1"]
    assert "prediction #0" in errors["task #2"] and "infinite" in errors["task #2"]  # the reader's check
    assert "data.text holds an invalid Unicode character U+D800" in errors["task #3"]
    assert "character 5" in errors["task #3"]
    assert "prediction #0 score is nan" in errors["task #4"]
    assert all(e.input == "hostile.json" for e in report.errors)
    # nothing stored blocks an export with predictions
    out = export_project(project, "labelstudio", tmp_path / "out.json")
    assert out.n_tasks == 3
    assert all(math_ok(t) for t in json.loads((tmp_path / "out.json").read_text()))


def math_ok(task: dict) -> bool:
    return all(p["score"] is None or abs(p["score"]) < 1e300 for p in task.get("predictions", []))


def test_a_bad_file_is_reported_and_the_files_beside_it_import(project, tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "fine"}\n{"text": "also fine"}\n', "utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    broken = tmp_path / "broken.json"
    broken.write_text("[{", "utf-8")
    report = project.read_tasks([good, latin1, broken])
    assert report.n_tasks == 2
    assert {(e.input, e.position) for e in report.errors} == {("latin1.txt", "file"), ("broken.json", "file")}
    assert "not UTF-8" in next(e.message for e in report.errors if e.input == "latin1.txt")
    # the lower-level import keeps all or nothing unless asked, and nothing readable raises
    with pytest.raises(TaskImportError, match="broken.json"):
        import_path(project, [good, broken])
    with pytest.raises(TaskImportError, match="no input could be read"):
        project.read_tasks([latin1, broken])


def test_cli_import_reports_the_bad_file_and_imports_the_rest(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "fine"}\n', "utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"data": {"text": "x"}, "predictions": [{"score": Infinity, "result": []}]}, {', "utf-8")
    cli = [sys.executable, "-m", "preannotate_lab.cli"]
    subprocess.run([*cli, "init", str(tmp_path / "p.sqlite")], check=True, capture_output=True)
    proc = subprocess.run([*cli, "import", str(tmp_path / "p.sqlite"), str(bad), str(good), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["imported"] == 1
    assert "bad.json, file: not read" in proc.stderr and "Traceback" not in proc.stderr


def test_delete_prediction_is_recorded_and_the_task_stays(project):
    [task_id] = project.add_tasks([Task({"text": "Anna met Bob"})])
    first, second = project.add_predictions([
        Prediction(task_id=task_id, results=(Span(0, 4, "PER", "Anna"),), model_version="m1", score=0.5),
        Prediction(task_id=task_id, results=(Span(9, 12, "PER", "Bob"),), model_version="m2", score=0.7),
    ])
    copy = project.add_completion(Completion(task_id=task_id, results=second.results, created_by="me",
                                             copied_from=second.id))
    project.delete_prediction(second.id, by="lead", reason="bad score")
    assert [p.id for p in project.predictions(task_id)] == [first.id]
    assert project.latest_prediction(task_id).id == first.id
    assert project.task_rows(0, 10)[1][0]["n_predictions"] == 1
    completion = project.completions(task_id)[0]
    assert completion.id == copy.id and completion.copied_from is None
    assert tuple(completion.results) == tuple(second.results)
    [record] = project.deletions()
    assert record["what"] == "prediction" and record["task_id"] == task_id
    assert record["deleted_by"] == "lead" and record["reason"] == "bad score"
    assert record["predictions"][0]["id"] == second.id
    assert record["predictions"][0]["copied_into"] == [copy.id]
    assert record["task"]["data"]["text"] == "Anna met Bob"
    with pytest.raises(PredictionNotFound, match=str(second.id)):
        project.delete_prediction(second.id)
    project.delete_task(task_id)
    assert [r["what"] for r in project.deletions()] == ["prediction", "task"]


@pytest.mark.parametrize("broken", [
    {"data": {"text": "Ada"}, "predictions": [{"result": [{"type": "labels", "from_name": "label",
                                                           "to_name": "text", "value": [1, 2]}]}]},
    {"data": {"text": "Ada"}, "annotations": [{"result": [{"type": "labels", "value": {
        "start": 0, "end": 3, "labels": [7]}}]}]},
    {"data": {"text": "Ada"}, "predictions": "not a list"},
    {"data": {"text": "Ada"}, "annotations": [["a list", "not an object"]]},
    {"data": ["a list"]},
])
def test_a_task_of_an_unexpected_shape_is_reported_and_the_others_import(tmp_path, broken):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([{"data": {"text": "Grace Hopper wrote code."}}, broken]))
    project = Project(tmp_path / "p.sqlite")
    report = project.read_tasks(path)
    assert project.count_tasks() == 1 and report.n_tasks == 1
    assert len(report.errors) == 1 and report.errors[0].position.endswith("1")
    project.close()
