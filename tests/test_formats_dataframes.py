"""DataFrames: a project's tasks with their data keys, its spans, and span frames imported back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from formats_fixtures import DATA, new_project

from preannotate_lab.formats import TaskImportError, import_dataframe, import_path, to_dataframe
from preannotate_lab.model import Span
from preannotate_lab.store import Project


@pytest.fixture
def imported(tmp_path: Path):
    """The Label Studio NER fixture: task 101 (1 prediction, 1 ground truth), task 102 (2 completions)."""
    project = new_project(tmp_path, "labelstudio_ner.xml", "ner")
    import_path(project, DATA / "labelstudio_ner.json")
    yield project
    project.close()


def _spans(results) -> tuple:
    return tuple((s.start, s.end, s.label, s.text, s.confidence, s.id) for s in results if isinstance(s, Span))


def _spans_by_task(project: Project) -> dict[str, list[tuple]]:
    """Every prediction's and completion's spans (a span frame holds no choices), by task source id."""
    out = {}
    for task in project.iter_tasks():
        out[task.data["_source_id"]] = sorted(
            [("prediction", p.model_version, None, _spans(p.results)) for p in project.predictions(task.id)]
            + [("completion", c.created_by, c.ground_truth, _spans(c.results))
               for c in project.completions(task.id)], key=repr)
    return out


def test_task_frame_holds_the_tasks_own_data_keys(tmp_path):
    with Project.create(tmp_path / "p.sqlite") as project:
        import_dataframe(project, pd.DataFrame({
            "id": ["a", "b"], "text": ["first note", "second note"], "patient": ["P1", "P2"],
            "ward": [3, None], "kind": ["discharge", "admission"]}))
        frame = to_dataframe(project)
    assert list(frame["source_id"]) == ["a", "b"]
    assert list(frame["patient"]) == ["P1", "P2"]
    assert frame["ward"].iloc[0] == 3 and pd.isna(frame["ward"].iloc[1])  # b had no ward
    # a data key named like a fixed column does not overwrite it
    assert list(frame["kind"]) == ["text", "text"] and list(frame["data.kind"]) == ["discharge", "admission"]
    assert "_source_id" not in frame.columns and list(frame.columns[:10]) == [
        "id", "source_id", "title", "kind", "text", "document", "n_predictions", "n_completions",
        "ground_truth", "created_at"]


def test_span_frame_names_the_task_by_its_source_id_and_text(imported):
    spans = to_dataframe(imported, kind="spans")
    assert set(spans["task_source_id"]) == {"101", "102"}
    first = spans[spans["task_source_id"] == "101"].iloc[0]
    assert first["task_text"].startswith("Angela Merkel") and first["task_text"][first["start"]:first["end"]] == first["text"]


def test_span_frame_round_trips_into_a_new_project(imported, tmp_path):
    spans = to_dataframe(imported, kind="spans")
    with new_project(tmp_path, "labelstudio_ner.xml", "again") as again:
        report = import_dataframe(again, spans)
        assert report.ok, report.errors
        assert (report.n_tasks, report.n_predictions, report.n_completions) == (2, 1, 3)
        assert _spans_by_task(again) == _spans_by_task(imported)
        # the tasks keep their source ids, so the same frame again adds nothing
        report = import_dataframe(again, spans)
        assert report.n_tasks == 0 and sorted(report.skipped_duplicates) == ["101", "102"]


def test_as_turns_every_row_into_completions_or_predictions(imported, tmp_path):
    spans = to_dataframe(imported, kind="spans")
    predicted = spans[spans["source"] == "prediction"]
    with new_project(tmp_path, "labelstudio_ner.xml", "c") as project:
        report = import_dataframe(project, predicted, as_="completions")
        assert (report.n_tasks, report.n_predictions, report.n_completions) == (1, 0, 1)
        (task,) = project.iter_tasks()
        (completion,) = project.completions(task.id)
        original = imported.predictions(next(imported.iter_tasks()).id)[0]
        assert [(s.start, s.end, s.label) for s in completion.results] == [
            (s.start, s.end, s.label) for s in original.results]


def test_a_plain_span_frame_groups_rows_by_task_and_reports_bad_rows(tmp_path):
    text_a, text_b = "Alice met Bob in Paris.", "Carol stayed home."
    df = pd.DataFrame({
        "task_id": [1, 1, 1, 2, 3, 3],
        "text": [text_a, text_a, text_a, text_b, "Dan left.", "Dan left."],
        "start": [0, 10, 17, 0, 0, 4],
        "end": [5, 13, 22, 5, 3, 40],  # task 3's second span runs past its text
        "label": ["PER", "PER", "LOC", "PER", "PER", "PER"],
    })
    with Project.create(tmp_path / "p.sqlite") as project:
        report = import_dataframe(project, df, as_="predictions")
        assert (report.n_tasks, report.n_predictions) == (2, 2)
        (error,) = report.errors
        assert error.position == "rows 4, 5 (task_id 3)" and "end <= 9" in error.message
        a, b = project.iter_tasks()
        (pa,) = project.predictions(a.id)
        assert [(s.text, s.label) for s in pa.results] == [("Alice", "PER"), ("Bob", "PER"), ("Paris", "LOC")]
        assert pa.model_version == "dataframe"
        assert [s.text for s in project.predictions(b.id)[0].results] == ["Carol"]


def test_span_frames_without_a_kind_and_as_without_spans_are_refused(tmp_path):
    with Project.create(tmp_path / "p.sqlite") as project:
        with pytest.raises(TaskImportError, match="pass as_='completions' or as_='predictions'"):
            import_dataframe(project, pd.DataFrame({"text": ["a b"], "start": [0], "end": [1], "label": ["X"]}))
        with pytest.raises(TaskImportError, match="has no start, end, label columns"):
            import_dataframe(project, pd.DataFrame({"text": ["a b"]}), as_="completions")
        assert list(project.iter_tasks()) == []
