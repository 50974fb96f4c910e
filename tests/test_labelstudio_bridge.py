"""Our Label Studio files against a real Label Studio 1.23.2 (see labelstudio_fixtures.py):
what we export it imports whole, and what it exports comes back onto the original tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_fixtures import new_project
from labelstudio_fixtures import NER_CONFIG as CONFIG
from labelstudio_fixtures import NER_TEXTS as TEXTS
from labelstudio_fixtures import span_of

from preannotate_lab.formats import export_project, import_path
from preannotate_lab.model import Completion, Prediction, Span, Task

pytestmark = [pytest.mark.labelstudio, pytest.mark.slow]

_span = span_of

def _project(tmp_path: Path):
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.store import Project

    project = Project.create(tmp_path / "p.sqlite", LabelingConfig.from_xml(CONFIG))
    ids = project.add_tasks([Task({"text": t}) for t in TEXTS])
    words = [("Alice Smith", "PER"), ("Bob Jones", "PER"), ("Carol Diaz", "PER")]
    orgs = [("Acme Corp", "ORG"), ("Globex", "ORG"), ("Initech", "ORG")]
    for tid, text, (w, lab), (o, olab) in zip(ids, TEXTS, words, orgs, strict=True):
        project.add_predictions([Prediction(task_id=tid, model_version="ner-v1", score=0.8, results=(
            _span(text, w, lab, confidence=0.9), _span(text, o, olab, confidence=0.7)))])
    # the first two tasks have a person's completion (the first one from the prediction)
    first = project.completion_from_prediction(project.latest_prediction(ids[0]).id, by="maria")
    project.add_completion(Completion(task_id=ids[1], results=[_span(TEXTS[1], "Berlin", "GPE")],
                                      created_by="jo@example.org"))
    return project, ids, first


def _spans(items) -> list[tuple]:
    return sorted((r["value"]["start"], r["value"]["end"], r["value"]["labels"][0], r["value"]["text"])
                  for r in items if r.get("type") == "labels")


def _ours(results) -> list[tuple]:
    return sorted((r.start, r.end, r.label, r.text) for r in results if isinstance(r, Span))


def test_our_export_imports_whole_with_every_span(tmp_path, label_studio):
    project, ids, _ = _project(tmp_path)
    export_project(project, "labelstudio", tmp_path / "tasks.json")
    ls_project = label_studio.create_project(CONFIG)
    answer = label_studio.import_tasks(ls_project, json.loads((tmp_path / "tasks.json").read_text()))
    assert (answer["task_count"], answer["annotation_count"], answer["prediction_count"]) == (3, 2, 3)
    tasks = label_studio.tasks(ls_project)
    by_text = {t["data"]["text"]: t for t in tasks}
    for tid in ids:
        task = project.get_task(tid)
        there = by_text[task.text]
        assert there["meta"]["preannotate"]["task_id"] == tid
        assert [_spans(p["result"]) for p in there["predictions"]] == [
            _ours(p.results) for p in project.predictions(tid)]
        assert [_spans(a["result"]) for a in there["annotations"]] == [
            _ours(c.results) for c in project.completions(tid)]
        assert [p["score"] for p in there["predictions"]] == [0.8]


def test_its_exports_come_back_onto_the_original_tasks(tmp_path, label_studio):
    project, ids, first = _project(tmp_path)
    export_project(project, "labelstudio", tmp_path / "tasks.json")
    ls_project = label_studio.create_project(CONFIG)
    label_studio.import_tasks(ls_project, json.loads((tmp_path / "tasks.json").read_text()))
    tasks = {t["data"]["text"]: t for t in label_studio.tasks(ls_project)}
    # a person annotates the third task there; another one skips it
    third = tasks[TEXTS[2]]
    value = {"start": 25, "end": 32, "text": "Initech", "labels": ["ORG"]}
    made = label_studio.annotate(third["id"], [{"from_name": "label", "to_name": "text",
                                                "type": "labels", "value": value}], lead_time=4.25)
    label_studio.annotate(third["id"], [], was_cancelled=True)
    before = (project.count_tasks(), sum(len(project.predictions(t)) for t in ids))

    for name, exported in [("default.json", label_studio.export(ls_project)),
                           ("snapshot.json", label_studio.snapshot(ls_project)),
                           ("min.json", label_studio.export(ls_project, "JSON_MIN"))]:
        path = tmp_path / name
        path.write_text(json.dumps(exported), "utf-8")
        report = import_path(project, path)
        assert report.errors == [], (name, report.errors)
        assert report.n_tasks == 0 and project.count_tasks() == before[0], name
        assert sum(len(project.predictions(t)) for t in ids) == before[1], name
        # the new annotation is on the third task, once; the skip is a skip
        done = project.completions(ids[2])
        annotated = [c for c in done if not c.skipped]
        assert [_ours(c.results) for c in annotated] == [[(25, 32, "ORG", "Initech")]], name
        assert annotated[0].meta["labelstudio"]["id"] == made["id"]
        if name != "min.json":  # JSON_MIN leaves out skipped annotations
            assert annotated[0].meta["labelstudio"]["lead_time"] == 4.25
            assert [c.skipped for c in done] == [False, True]
        # our completions are not doubled, and keep their authors
        assert [c.created_by for c in project.completions(ids[0])] == ["maria"], (name, [
            (c.results, c.meta) for c in project.completions(ids[0])])
        assert [c.created_by for c in project.completions(ids[1])] == ["jo@example.org"]
        again = import_path(project, path)
        assert again.n_tasks == 0 and again.n_completions == 0 and again.n_predictions == 0, name
    assert project.get_completion(first.id).results == first.results


def test_a_skipped_task_is_not_written_as_training_data(tmp_path, label_studio):
    project, ids, _ = _project(tmp_path)
    export_project(project, "labelstudio", tmp_path / "tasks.json")
    ls_project = label_studio.create_project(CONFIG)
    label_studio.import_tasks(ls_project, json.loads((tmp_path / "tasks.json").read_text()))
    third = {t["data"]["text"]: t for t in label_studio.tasks(ls_project)}[TEXTS[2]]
    label_studio.annotate(third["id"], [], was_cancelled=True)
    (tmp_path / "back.json").write_text(json.dumps(label_studio.export(ls_project)), "utf-8")
    import_path(project, tmp_path / "back.json")
    report = export_project(project, "conll", tmp_path / "train.conll")
    assert report.n_tasks == 2  # the skipped task is no all-O document
    assert "Carol" not in (tmp_path / "train.conll").read_text()


def test_conll2003_export_imports_as_tasks_with_completions(tmp_path, label_studio):
    project, _, _ = _project(tmp_path)
    export_project(project, "labelstudio", tmp_path / "tasks.json")
    ls_project = label_studio.create_project(CONFIG)
    label_studio.import_tasks(ls_project, json.loads((tmp_path / "tasks.json").read_text()))
    (tmp_path / "ls.conll").write_text(label_studio.export(ls_project, "CONLL2003"), "utf-8")
    fresh = new_project(tmp_path, name="fresh")
    report = import_path(fresh, tmp_path / "ls.conll")
    assert report.errors == [] and report.n_tasks == 2  # the two annotated tasks
    texts = {fresh.get_task(t).text: _ours(fresh.completions(t)[0].results) for t in fresh.task_ids()}
    bob = next(t for t in texts if t.startswith("Bob"))
    assert [(label, text) for _, _, label, text in texts[bob]] == [("GPE", "Berlin")]
