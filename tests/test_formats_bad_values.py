"""Bad values in one task are that task's item error (or a clear file error), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_fixtures import new_project

from preannotate_lab.formats import import_path
from preannotate_lab.formats.errors import TaskImportError
from preannotate_lab.formats.labelstudio import parse_task
from preannotate_lab.formats.parsed import TaskProblem, parse_time


@pytest.fixture
def project(tmp_path: Path):
    project = new_project(tmp_path)
    yield project
    project.close()


def _write(path: Path, tasks: list) -> Path:
    path.write_text(json.dumps(tasks), "utf-8")
    return path


def test_parse_time_gives_utc_or_names_the_value():
    moment = parse_time("2022-10-29T14:07:12+02:00")
    assert moment is not None and moment.utcoffset().total_seconds() == 0 and moment.hour == 12
    assert parse_time("not a time") is None
    with pytest.raises(TaskProblem, match="created_at '9999-12-31T23:00:00-05:00'.*out of range"):
        parse_time("9999-12-31T23:00:00-05:00", "created_at")


def test_out_of_range_dates_are_item_errors(project, tmp_path: Path):
    late = "9999-12-31T23:00:00-05:00"
    path = _write(tmp_path / "t.json", [
        {"data": {"text": "good task"}},
        {"data": {"text": "Hello"}, "created_at": late},
        {"data": {"text": "Hi"}, "annotations": [{"result": [], "updated_at": late}]},
    ])
    report = import_path(project, path)
    assert [t.text for t in project.iter_tasks()] == ["good task"]
    assert [e.position for e in report.errors] == ["task #1", "task #2"]
    assert "created_at" in report.errors[0].message
    assert "annotation #0 updated_at" in report.errors[1].message


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_deeply_nested_json_is_a_clear_file_error(project, tmp_path: Path, suffix: str):
    path = tmp_path / f"deep{suffix}"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n", "utf-8")
    with pytest.raises(TaskImportError, match=rf"deep{suffix}.* nests JSON .*too deeply"):
        import_path(project, path)
    assert project.count_tasks() == 0


def test_nan_in_results_is_an_item_error(project, tmp_path: Path):
    box = {"x": "nan", "y": 1, "width": 2, "height": 2, "rectanglelabels": ["A"]}
    path = _write(tmp_path / "nan.json", [
        {"data": {"text": "fine"}},
        {"data": {"text": "Hello world"}, "annotations": [{"result": [
            {"id": "a", "from_name": "l", "to_name": "t", "type": "rectanglelabels",
             "original_width": 100, "original_height": 100, "value": box}]}]},
    ])
    report = import_path(project, path, check_labels=False)
    assert project.count_tasks() == 1
    [error] = report.errors
    assert error.position == "task #1" and "NaN or infinite" in error.message


def test_nan_in_a_flat_record_is_an_item_error(project, tmp_path: Path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "bad", "score": NaN}\n', "utf-8")
    report = import_path(project, path)
    assert project.count_tasks() == 1
    assert [e.position for e in report.errors] == ["line 2"]


def test_span_text_that_does_not_match_the_offsets_is_warned(project, tmp_path: Path):
    result = [
        {"id": "a", "from_name": "l", "to_name": "t", "type": "labels",
         "value": {"start": 0, "end": 5, "text": "world", "labels": ["A"]}},
        {"id": "b", "from_name": "l", "to_name": "t", "type": "labels",
         "value": {"start": 6, "end": 11, "text": "world", "labels": ["A"]}},
    ]
    task = {"data": {"text": "Hello world"}, "annotations": [{"result": result}]}
    parsed = parse_task(task, position="task #0", source="t.json")
    [warning] = parsed.warnings
    assert "span a [0, 5)" in warning and "'world'" in warning and "'Hello'" in warning
    # the parser changes nothing: the stored text is passed on as the file has it
    assert [s.text for s in parsed.completions[0].results] == ["world", "world"]
    report = import_path(project, _write(tmp_path / "t.json", [task]), check_labels=False)
    assert any("span a [0, 5)" in w and "'Hello'" in w for w in report.warnings)
