"""Parsing Label Studio's own exports, without a server: ids for predictions, JSON_MIN,
skipped annotations, CONLL2003, and what our export writes for it to keep."""

from __future__ import annotations

import json

from formats_fixtures import new_project

from preannotate_lab.formats import export_project, import_path, read_tagged
from preannotate_lab.formats.labelstudio import parse_task
from preannotate_lab.model import Completion, Span, Task

TEXT = "Alice works at Acme."
SPAN = {"from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]}}


def _default_export_task() -> dict:
    # the shape of Label Studio 1.23's Export button (JSON): predictions as ids
    return {"id": 41, "inner_id": 1, "data": {"text": TEXT}, "predictions": [7, 8],
            "annotations": [
                {"id": 5, "completed_by": 1, "result": [SPAN], "lead_time": 2.5, "ground_truth": True,
                 "was_cancelled": False, "parent_prediction": 7},
                {"id": 6, "completed_by": 2, "result": [], "was_cancelled": True, "ground_truth": True},
            ]}


def test_predictions_as_ids_are_references_not_failures():
    parsed = parse_task(_default_export_task(), position="task #0", source="x.json")
    assert parsed.predictions == [] and parsed.match_content
    done, skip = parsed.completions
    assert done.meta["labelstudio"] == {
        "id": 5, "completed_by": 1, "lead_time": 2.5, "ground_truth": True,
        "parent_prediction": 7, "was_cancelled": False, "task_predictions": [7, 8]}
    assert [r.label for r in done.results] == ["PER"] and not done.skipped
    assert skip.skipped and not skip.ground_truth and skip.results == []


def test_json_min_rows_become_tasks_with_an_annotation():
    row = {"id": 3, "text": TEXT, "source": "web",
           "label": [{"start": 0, "end": 5, "text": "Alice", "labels": ["PER"]}],
           "annotator": "ann@example.com", "annotation_id": 9, "lead_time": 1.5,
           "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z"}
    parsed = parse_task(row, position="task #0", source="min.json")
    assert parsed.task.data == {"text": TEXT, "source": "web", "_source_id": "3"}
    (c,) = parsed.completions
    assert c.created_by == "ann@example.com" and c.meta["labelstudio"]["id"] == 9
    assert [(r.start, r.end, r.label) for r in c.results] == [(0, 5, "PER")]


def test_our_export_keeps_authors_and_ids_where_label_studio_keeps_them(tmp_path):
    project = new_project(tmp_path)
    [tid] = project.add_tasks([Task({"text": TEXT})])
    project.add_completion(Completion(task_id=tid, created_by="maria",
                                      results=[Span(start=0, end=5, label="PER", text="Alice")]))
    export_project(project, "labelstudio", tmp_path / "out.json")
    (task,) = json.loads((tmp_path / "out.json").read_text())
    (annotation,) = task["annotations"]
    assert "completed_by" not in annotation and "updated_by" not in annotation
    marker = task["meta"]["preannotate"]
    assert marker["task_id"] == tid and list(marker["authors"].values()) == ["maria"]
    # as Label Studio gives it back: new ids, its user as the author
    task.update(id=900, inner_id=1)
    annotation.update(id=77, completed_by=1)
    (tmp_path / "back.json").write_text(json.dumps([task]))
    report = import_path(project, tmp_path / "back.json")
    assert (report.n_tasks, report.n_completions, report.completions_kept) == (0, 0, 1)
    assert [c.created_by for c in project.completions(tid)] == ["maria"]


def test_skipped_completions_are_no_training_documents(tmp_path):
    project = new_project(tmp_path)
    (tmp_path / "in.json").write_text(json.dumps([_default_export_task()]))
    import_path(project, tmp_path / "in.json")
    [tid] = project.task_ids()
    project.set_ground_truth(project.completions(tid)[0].id, False)
    project.add_completion(Completion(task_id=tid, results=[], meta={"skipped": True}))
    report = export_project(project, "conll", tmp_path / "out.conll")
    assert report.n_tasks == 1 and "Alice -X- _ B-PER" in (tmp_path / "out.conll").read_text()


def test_conll2003_of_label_studio_one_task_per_block(tmp_path):
    path = tmp_path / "ls.conll"
    path.write_text("-DOCSTART- -X- O\nAlice -X- _ B-PER\nworks -X- _ O\n\n"
                    "New -X- _ B-GPE\nYork -X- _ I-GPE\nsleeps -X- _ O\n\n")
    project = new_project(tmp_path)
    report = import_path(project, path)
    assert report.n_tasks == 2 and report.n_completions == 2
    got = [(project.get_task(t).text, [(r.text, r.label) for r in project.completions(t)[0].results])
           for t in project.task_ids()]
    assert got == [("Alice works", [("Alice", "PER")]), ("New York sleeps", [("New York", "GPE")])]


def test_read_tagged_gives_the_gold_spans_the_import_stores(tmp_path):
    # WNUT-style: token<TAB>tag, no -DOCSTART-, a blank line between tweets; an I- tag that
    # follows another type starts its own span, as the importer reads it
    path = tmp_path / "tweets.txt"
    path.write_text("@bob\tO\nat\tO\nEmpire\tB-facility\nState\tI-facility\nBuilding\tI-facility\n\n"
                    "Taylor\tB-person\nSwift\tI-person\nin\tO\nTexas\tI-geo-loc\n\n", "utf-8")
    got = [(text, [(s.text, s.label, text[s.start:s.end]) for s in spans])
           for text, spans in read_tagged(path)]
    assert got == [
        ("@bob at Empire State Building", [("Empire State Building", "facility", "Empire State Building")]),
        ("Taylor Swift in Texas", [("Taylor Swift", "person", "Taylor Swift"), ("Texas", "geo-loc", "Texas")]),
    ]
    conll = tmp_path / "tweets.conll"  # the same file, imported into a project
    conll.write_text(path.read_text("utf-8"), "utf-8")
    project = new_project(tmp_path)
    import_path(project, conll)
    stored = [(project.get_task(t).text, [(r.text, r.label) for r in project.completions(t)[0].results])
              for t in project.task_ids()]
    assert stored == [(text, [(s.text, s.label) for s in spans]) for text, spans in read_tagged(path)]
