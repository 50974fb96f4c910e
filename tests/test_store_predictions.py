"""Predictions in the project store: immutable, versioned per task, written in bulk."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from store_fixtures import filled_project, prediction

from preannotate_lab.model import Box, Choice, Prediction, Relation, Span
from preannotate_lab.store import InvalidRecordError, PredictionNotFound, TaskNotFound


def test_versions_count_up_per_task_and_results_round_trip(project_path):
    project, ids = filled_project(project_path)
    box = Box(page=0, x=1.5, y=2, width=30, height=10, page_width=1000, page_height=1400)
    rich = Prediction(
        task_id=ids[0],
        results=(
            Span(0, 5, "ORG", "Apple", confidence=0.91, source="en_core_web_sm", boxes=(box,)),
            Span(54, 60, "GPE", "London", assertion="absent", from_name="label"),
            Choice(("positive",), confidence=0.7),
            Relation("a", "b", label="located_in", direction="bi"),
        ),
        model_version="en_core_web_sm-3.8.0",
        server="ner-1",
        config_hash="c1",
        pipeline_hash="p1",
        document_hash="d1",
        provenance={"resources": [{"name": "ner", "version": "3.8.0"}], "seconds": 0.2},
        score=0.8,
        created_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    stored = project.add_predictions(
        [rich, prediction(ids[1]), prediction(ids[0], model_version="m-2"), prediction(ids[0])]
    )
    assert [(p.task_id, p.version) for p in stored] == [
        (ids[0], 1),
        (ids[1], 1),
        (ids[0], 2),
        (ids[0], 3),
    ]
    assert len({p.id for p in stored}) == 4
    more = project.add_predictions([prediction(ids[1]), prediction(ids[0])])
    assert [p.version for p in more] == [2, 4]

    history = project.predictions(ids[0])
    assert [p.version for p in history] == [1, 2, 3, 4]
    assert history[0] == stored[0]  # every field, results and provenance included
    assert history[0].results == rich.results
    # the store adds what the grid's review needs: the least confidence, the flags
    assert history[0].provenance == {**rich.provenance,
                                     "review": {"confidence": 0.7, "flags": []}}
    assert project.latest_prediction(ids[0]) == more[1]
    assert project.get_prediction(stored[2].id).model_version == "m-2"
    assert project.latest_prediction(ids[2]) is None
    assert project.predictions(ids[2]) == []


def test_unknown_task_or_bad_result_stores_nothing(project_path):
    project, ids = filled_project(project_path)
    with pytest.raises(TaskNotFound, match=r"\[77\]"):
        project.add_predictions([prediction(ids[0]), prediction(77)])
    bad = Prediction(task_id=ids[0], results=("not a result",), model_version="m")  # type: ignore[arg-type]
    with pytest.raises(
        InvalidRecordError, match=r"prediction at index 1 \(task 1\): result at index 0 is a str"
    ):
        project.add_predictions([prediction(ids[0]), bad])
    with pytest.raises(InvalidRecordError, match="provenance of prediction at index 0"):
        project.add_predictions([prediction(ids[0], provenance={"f": object()})])
    assert project.predictions(ids[0]) == []
    assert project.task_rows()[1][0]["n_predictions"] == 0
    assert project.add_predictions([]) == []
    project.close()


def test_predictions_cannot_be_altered_in_the_file(project_path):
    project, ids = filled_project(project_path)
    [p] = project.add_predictions([prediction(ids[0])])
    raw = sqlite3.connect(project_path)
    with pytest.raises(sqlite3.DatabaseError, match="predictions are immutable"):
        raw.execute("UPDATE predictions SET model_version = 'x' WHERE id = ?", (p.id,))
    raw.close()
    assert project.get_prediction(p.id) == p
    project.close()


def test_missing_prediction_and_task_are_named(project_path):
    project, _ = filled_project(project_path)
    with pytest.raises(PredictionNotFound, match="no prediction with id 5"):
        project.get_prediction(5)
    with pytest.raises(TaskNotFound, match="no task with id 50"):
        project.predictions(50)
    with pytest.raises(TaskNotFound):
        project.latest_prediction(50)
    project.close()


def test_prediction_index_lists_document_hashes_per_pipeline(project_path):
    project, ids = filled_project(project_path)
    project.add_predictions(
        [
            prediction(ids[0], pipeline_hash="P", document_hash="d0"),
            prediction(ids[0], pipeline_hash="P", document_hash="d0b"),
            prediction(ids[1], pipeline_hash="P"),
            prediction(ids[2], pipeline_hash="Q", document_hash="d2"),
        ]
    )
    assert project.prediction_index("P") == {ids[0]: {"d0", "d0b"}, ids[1]: {None}}
    assert project.prediction_index("Q") == {ids[2]: {"d2"}}
    assert project.prediction_index("nope") == {}
    project.close()


def test_bulk_predictions_update_grid_columns_in_the_same_transaction(project_path):
    project, ids = filled_project(project_path)
    late = datetime(2030, 1, 1, tzinfo=UTC)
    early = datetime(2020, 1, 1, tzinfo=UTC)
    project.add_predictions(
        [prediction(ids[0], created_at=late), prediction(ids[0], created_at=early)]
        + [prediction(ids[1])] * 3
    )
    _, rows = project.task_rows()
    by_id = {r["id"]: r for r in rows}
    assert by_id[ids[0]]["n_predictions"] == 2
    assert by_id[ids[0]]["last_preannotated"] == "2030-01-01T00:00:00.000000+00:00"
    assert by_id[ids[1]]["n_predictions"] == 3
    assert by_id[ids[2]]["n_predictions"] == 0 and by_id[ids[2]]["last_preannotated"] is None
    project.close()


def test_predicted_task_ids_any_pipeline_or_one_pipeline(project_path):
    project, ids = filled_project(project_path)
    assert project.predicted_task_ids() == set()
    project.add_predictions(
        [
            prediction(ids[0], pipeline_hash="P"),
            prediction(ids[0], pipeline_hash="Q"),
            prediction(ids[1], pipeline_hash="P"),
            prediction(ids[3]),
        ]
    )
    assert project.predicted_task_ids() == {ids[0], ids[1], ids[3]}
    assert project.predicted_task_ids("P") == {ids[0], ids[1]}
    assert project.predicted_task_ids("Q") == {ids[0]}
    assert project.predicted_task_ids("nope") == set()
    project.delete_task(ids[1], reason="test")
    assert project.predicted_task_ids() == {ids[0], ids[3]}
    project.close()


def test_predicted_task_ids_queries_use_indexes(project_path):
    project, _ = filled_project(project_path)
    conn = sqlite3.connect(project_path)
    try:
        any_plan = " ".join(r[-1] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE n_predictions > 0"))
        one_plan = " ".join(r[-1] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT DISTINCT task_id FROM predictions WHERE pipeline_hash = ?",
            ("P",)))
    finally:
        conn.close()
    assert "tasks_n_predictions" in any_plan and "SCAN tasks" not in any_plan
    assert "predictions_pipeline" in one_plan
    project.close()


def test_skip_existing_stores_each_task_pipeline_and_content_once(project_path):
    from store_fixtures import filled_project, prediction

    project, ids = filled_project(project_path)
    same = dict(pipeline_hash="pipe-1", document_hash="doc-a")
    first = project.add_predictions([prediction(ids[0], **same)], skip_existing=True)
    assert len(first) == 1
    again = project.add_predictions(
        [prediction(ids[0], **same), prediction(ids[1], **same), prediction(ids[1], **same),
         prediction(ids[0], pipeline_hash="pipe-1", document_hash="doc-b"),
         prediction(ids[2], pipeline_hash="pipe-1", document_hash=None)],
        skip_existing=True,
    )
    # task 0 on doc-a: stored before; task 1: the second copy of this call is a duplicate
    assert [(p.task_id, p.document_hash) for p in again] == [
        (ids[1], "doc-a"), (ids[0], "doc-b"), (ids[2], None)]
    assert [p.version for p in project.predictions(ids[0])] == [1, 2]
    assert project.task_rows(ids=[ids[0]])[1][0]["n_predictions"] == 2
    # without the option (force) a new version is stored as before
    assert len(project.add_predictions([prediction(ids[0], **same)])) == 1
    project.close()


def test_two_threads_writing_the_same_predictions_store_them_once(project_path):
    import threading

    from store_fixtures import filled_project, prediction

    project, ids = filled_project(project_path)
    batches = [[prediction(t, pipeline_hash="p", document_hash=f"d{t}") for t in ids]] * 20
    stored: list[int] = []

    def write() -> None:
        for batch in batches:
            stored.append(len(project.add_predictions(batch, skip_existing=True)))

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(stored) == len(ids) and project.count_predictions() == len(ids)
    project.close()
