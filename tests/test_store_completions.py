"""Completions: editable with history, started from predictions, never altered by them."""

from __future__ import annotations

import sqlite3

import pytest
from store_fixtures import TEXTS, filled_project, prediction, span_of

from preannotate_lab.model import Choice, Completion, CompletionEdit, Relation
from preannotate_lab.store import (
    CompletionNotFound,
    InvalidRecordError,
    PredictionNotFound,
    TaskNotFound,
)


def _raw_completion_rows(path) -> list[tuple]:
    raw = sqlite3.connect(path)
    rows = raw.execute("SELECT * FROM completions ORDER BY id").fetchall()
    edits = raw.execute("SELECT * FROM completion_edits ORDER BY id").fetchall()
    raw.close()
    return rows + edits


def test_completion_from_prediction_then_update_keeps_history(project_path):
    project, ids = filled_project(project_path)
    [pred] = project.add_predictions([prediction(ids[0])])
    completion = project.completion_from_prediction(pred.id, by="ann")
    assert completion.id is not None and completion.copied_from == pred.id
    assert completion.results == list(pred.results) and completion.created_by == "ann"
    assert completion.history == [] and completion.updated_at is None

    fixed = [span_of(TEXTS[0], "Apple", "ORG"), span_of(TEXTS[0], "London", "GPE")]
    updated = project.update_completion(completion.id, fixed, by="reviewer", note="add GPE")
    assert updated.results == fixed
    assert updated.updated_by == "reviewer" and updated.updated_at is not None
    assert updated.updated_at.tzinfo is not None
    [edit] = updated.history
    assert (edit.by, edit.note, edit.results) == ("reviewer", "add GPE", pred.results)

    again = project.update_completion(completion.id, fixed[:1], note="drop GPE")
    assert [e.note for e in again.history] == ["add GPE", "drop GPE"]
    assert again.history[1].results == tuple(fixed)
    assert project.get_completion(completion.id) == again
    assert project.completions(ids[0]) == [again]
    # the prediction it came from is untouched
    assert project.get_prediction(pred.id) == pred
    project.close()


def test_predictions_added_later_leave_completions_byte_identical(project_path):
    project, ids = filled_project(project_path)
    [pred] = project.add_predictions([prediction(ids[0])])
    c = project.completion_from_prediction(pred.id)
    project.update_completion(c.id, [span_of(TEXTS[0], "London", "GPE")], note="mine")
    project.set_ground_truth(c.id)
    before = _raw_completion_rows(project_path)

    project.add_predictions([prediction(ids[0], model_version="m-2")] * 3 + [prediction(ids[1])])

    assert _raw_completion_rows(project_path) == before
    assert project.task_rows(ids=[ids[0]])[1][0]["status"] == "completed"
    project.close()


def test_add_completion_with_history_and_validation(project_path):
    project, ids = filled_project(project_path)
    [pred] = project.add_predictions([prediction(ids[0])])
    old = CompletionEdit(at=pred.created_at, by="importer", results=(Choice(("neg",)),), note="v0")
    results = [
        span_of(TEXTS[1], "Merkel", "PERSON"),
        Choice(("pos",), from_name="sentiment"),
        Relation("a", "b", label="meets"),
    ]
    stored = project.add_completion(
        Completion(task_id=ids[1], results=results, created_by="imp", history=[old], id=999)
    )
    assert stored.id == 1 and stored.results == results and stored.history == [old]

    with pytest.raises(TaskNotFound, match="no task with id 404"):
        project.add_completion(Completion(task_id=404))
    with pytest.raises(PredictionNotFound, match="copied from prediction 77"):
        project.add_completion(Completion(task_id=ids[1], copied_from=77))
    with pytest.raises(
        InvalidRecordError, match=f"prediction {pred.id}, which belongs to task {ids[0]}"
    ):
        project.add_completion(Completion(task_id=ids[1], copied_from=pred.id))
    with pytest.raises(InvalidRecordError, match="result at index 0 is a dict"):
        project.add_completion(Completion(task_id=ids[1], results=[{"label": "X"}]))  # type: ignore[list-item]
    with pytest.raises(CompletionNotFound, match="no completion with id 55"):
        project.update_completion(55, [])
    with pytest.raises(PredictionNotFound):
        project.completion_from_prediction(1234)
    assert len(project.completions(ids[1])) == 1
    project.close()


def test_ground_truth_is_one_per_task_and_drives_status(project_path):
    project, ids = filled_project(project_path)
    a = project.add_completion(Completion(task_id=ids[0]))
    b = project.add_completion(Completion(task_id=ids[0]))
    status = lambda: project.task_rows(ids=[ids[0]])[1][0]["status"]  # noqa: E731
    assert status() == "in_progress"
    assert project.set_ground_truth(a.id).ground_truth
    assert status() == "completed"
    assert project.set_ground_truth(b.id).ground_truth
    assert [c.ground_truth for c in project.completions(ids[0])] == [False, True]
    project.set_ground_truth(b.id, False)
    assert status() == "in_progress"
    project.close()


def test_completion_labels_lists_tasks_per_label(project_path):
    project, ids = filled_project(project_path)
    project.add_completion(Completion(task_id=ids[0], results=[span_of(TEXTS[0], "Apple", "ORG")]))
    project.add_completion(
        Completion(
            task_id=ids[1],
            results=[span_of(TEXTS[1], "Berlin", "GPE"), Choice(("news", "politics"))],
        )
    )
    project.add_completion(Completion(task_id=ids[2], results=[span_of(TEXTS[2], "Brazil", "GPE")]))
    assert project.completion_labels() == {
        "GPE": [ids[1], ids[2]],
        "ORG": [ids[0]],
        "news": [ids[1]],
        "politics": [ids[1]],
    }
    project.close()


def test_a_copied_prediction_is_kept_as_made_but_editing_it_is_checked(project_path):
    # a prediction whose span text is off is copied as it is; a person's save is checked
    project, ids = filled_project(project_path)
    [pred] = project.add_predictions([prediction(ids[1])])  # "Apple" over "Angel"
    copy = project.completion_from_prediction(pred.id, by="ann")
    assert copy.results == list(pred.results)
    with pytest.raises(ValueError, match=rf"(?s)completion {copy.id} of task {ids[1]}.*'Apple'.*'Angel'"):
        project.update_completion(copy.id, pred.results, by="ann")
    fixed = project.update_completion(copy.id, [span_of(TEXTS[1], "Angela", "PERSON")], by="ann")
    assert [s.text for s in fixed.results] == ["Angela"]
    project.close()
