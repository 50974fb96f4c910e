"""Label Studio / Generative AI Lab JSON: import, export options, and a lossless round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formats_fixtures import DATA, config, load, new_project, snapshot

from preannotate_lab.formats import SOURCE_ID_KEY, export_project, import_path
from preannotate_lab.formats.parsed import parse_time
from preannotate_lab.model import Relation, Span
from preannotate_lab.store import Project


@pytest.fixture
def ner_project(tmp_path: Path):
    """A project with the Label Studio NER fixture's config."""
    project = new_project(tmp_path, "labelstudio_ner.xml", "ner")
    yield project
    project.close()


@pytest.fixture
def genai_project(tmp_path: Path):
    """A project with the Generative AI Lab fixture's config (an assertion label 'Absent')."""
    project = new_project(tmp_path, "genailab.xml", "genai")
    yield project
    project.close()


def _fields(project: Project) -> list[dict]:
    """Everything the round trip must keep, per task, in id order."""
    out = []
    for task in project.iter_tasks():
        out.append({
            "data": task.data, "kind": task.kind, "title": task.title, "created_at": task.created_at,
            "predictions": [
                (p.model_version, p.score, p.created_at, p.results, p.provenance.get("source_id"))
                for p in project.predictions(task.id)
            ],
            "completions": [
                (c.created_by, c.created_at, c.updated_by, c.updated_at, c.ground_truth, c.results,
                 None if c.copied_from is None else project.get_prediction(c.copied_from).provenance.get("source_id"))
                for c in project.completions(task.id)
            ],
        })
    return out


@pytest.mark.parametrize("fixture, xml, flavor", [
    ("labelstudio_ner.json", "labelstudio_ner.xml", "labelstudio"),
    ("genailab_export.json", "genailab.xml", "genailab"),
    ("labelstudio_visual.json", None, "labelstudio"),
])
def test_import_export_import_loses_nothing(tmp_path: Path, fixture, xml, flavor):
    first = Project.create(tmp_path / "a.sqlite", config(xml) if xml else None)
    report = import_path(first, DATA / fixture)
    assert report.ok and report.n_tasks == len(load(fixture))
    out = tmp_path / "export.json"
    export_project(first, flavor, out)
    second = Project.create(tmp_path / "b.sqlite", config(xml) if xml else None)
    again = import_path(second, out)
    assert again.ok, again.summary()
    assert _fields(second) == _fields(first)
    # and exporting the re-imported project gives the very same file
    out2 = tmp_path / "export2.json"
    export_project(second, flavor, out2)
    assert json.loads(out2.read_text()) == json.loads(out.read_text())


def test_labelstudio_fixture_fields_arrive_as_in_the_file(ner_project):
    source = load("labelstudio_ner.json")
    report = import_path(ner_project, DATA / "labelstudio_ner.json")
    assert (report.n_tasks, report.n_predictions, report.n_completions) == (2, 1, 3)
    for raw, task in zip(source, ner_project.iter_tasks(), strict=True):
        assert {k: v for k, v in task.data.items() if k != SOURCE_ID_KEY} == raw["data"]
        assert task.data[SOURCE_ID_KEY] == str(raw["id"])
        assert task.created_at == parse_time(raw["created_at"])
        for raw_p, p in zip(raw["predictions"], ner_project.predictions(task.id), strict=True):
            assert p.model_version == raw_p["model_version"] and p.score == raw_p["score"]
            assert [(s.id, s.confidence) for s in p.results] == [(r["id"], r["score"]) for r in raw_p["result"]]
        for raw_c, c in zip(raw["annotations"], ner_project.completions(task.id), strict=True):
            assert c.ground_truth == raw_c["ground_truth"]
            assert c.created_at == parse_time(raw_c["created_at"])
            assert c.updated_at == parse_time(raw_c["updated_at"])
            by = raw_c["completed_by"]
            assert c.created_by == (by["email"] if isinstance(by, dict) else str(by))
    first = ner_project.completions(1)[0]
    # the completion names the prediction it was copied from (parent_prediction 5001)
    assert ner_project.get_prediction(first.copied_from).provenance["source_id"] == "5001"
    (relation,) = [r for r in first.results if isinstance(r, Relation)]
    span_ids = {r.id for r in first.results if isinstance(r, Span)}
    assert {relation.from_id, relation.to_id} <= span_ids


def test_genailab_shape_string_confidences_assertions_and_authors(genai_project):
    raw = load("genailab_export.json")[0]
    import_path(genai_project, DATA / "genailab_export.json")
    (task,) = genai_project.iter_tasks()
    assert task.title == "cord19-11.txt"
    (prediction,) = genai_project.predictions(task.id)
    assert prediction.model_version == "SparkNLP Pre-annotation"
    assert prediction.score == pytest.approx(0.9312)  # "score": "0.9312" in the file
    expected = {r["id"]: float(r["value"]["confidence"]) for r in raw["predictions"][0]["result"]
                if r["value"]["labels"] != ["Absent"]}
    assert {s.id: s.confidence for s in prediction.results} == expected
    spans = {s.text: s for s in prediction.results}
    assert spans["tuberculosis"].assertion == "Absent" and spans["pneumonia"].assertion is None
    eric, jenny = genai_project.completions(task.id)
    assert (eric.created_by, eric.ground_truth, eric.updated_by) == ("eric", True, "eric")
    assert (jenny.created_by, jenny.ground_truth) == ("jenny", False)
    assert eric.created_at == parse_time("2022-10-29T14:42:50.867Z")
    assert eric.copied_from == prediction.id  # "copied_from": "prediction: 11001"

    out = export_project(genai_project, "genailab", genai_project.path.with_suffix(".json"))
    exported = json.loads(Path(out.path).read_text())[0]
    assert exported["id"] == 11 and "completions" in exported and SOURCE_ID_KEY not in exported["data"]
    assert exported["predictions"][0]["score"] == pytest.approx(0.9312)
    confidences = [r["value"].get("confidence") for r in exported["predictions"][0]["result"]]
    numbers = [c for c in confidences if c is not None]
    assert len(numbers) == 4 and all(isinstance(c, float) for c in numbers)  # numbers, not strings
    assert exported["completions"][0]["honeypot"] is True
    assert exported["completions"][0]["copied_from"] == "prediction: 11001"
    labels = [r["value"]["labels"] for r in exported["completions"][0]["result"] if r["type"] == "labels"]
    assert ["Absent"] in labels


def test_export_options_filter_tasks_and_completions(ner_project, tmp_path):
    import_path(ner_project, DATA / "labelstudio_ner.json")
    out = tmp_path / "gt.json"
    export_project(ner_project, "labelstudio", out, only_ground_truth=True, exclude_without_completions=True,
                   include_predictions=False)
    tasks = json.loads(out.read_text())
    assert [t["id"] for t in tasks] == [101]  # task 102 has no ground truth
    assert tasks[0]["predictions"] == [] and len(tasks[0]["annotations"]) == 1
    report = export_project(ner_project, "labelstudio", out)
    assert report.n_tasks == 2
    everything = json.loads(out.read_text())
    assert [len(t["annotations"]) for t in everything] == [1, 2]
    assert everything[0]["predictions"][0]["model_version"] == "en_core_web_sm 3.8.0"


def test_visual_spans_export_one_rectangle_per_box_in_percent(tmp_path):
    project = Project.create(tmp_path / "v.sqlite")
    import_path(project, DATA / "labelstudio_visual.json")
    out = tmp_path / "v.json"
    export_project(project, "labelstudio", out)
    raw = load("labelstudio_visual.json")[0]["annotations"][0]["result"]
    result = json.loads(out.read_text())[0]["annotations"][0]["result"]
    assert [r["id"] for r in result] == [r["id"] for r in raw]
    for a, b in zip(result, raw, strict=True):
        assert (a["original_width"], a["original_height"], a["item_index"]) == (1700, 2200, b["item_index"])
        for key in ("x", "y", "width", "height"):
            assert a["value"][key] == pytest.approx(b["value"][key])


def test_duplicates_are_skipped_or_overwritten_by_source_id(ner_project):
    import_path(ner_project, DATA / "labelstudio_ner.json")
    before = snapshot(ner_project)
    again = import_path(ner_project, DATA / "labelstudio_ner.json")
    assert again.n_tasks == 0 and again.skipped_duplicates == ["101", "102"]
    assert snapshot(ner_project) == before
    ids = ner_project.task_ids()
    replaced = import_path(ner_project, DATA / "labelstudio_ner.json", on_duplicate="overwrite")
    # updated in place: same ids, nothing deleted, the identical completions not added twice
    assert replaced.overwritten == ["101", "102"] and replaced.n_tasks == 0
    assert replaced.updated_task_ids == ids and ner_project.task_ids() == ids
    assert ner_project.deletions() == [] and replaced.n_completions == 0
    with pytest.raises(ValueError, match="on_duplicate"):
        import_path(ner_project, DATA / "labelstudio_ner.json", on_duplicate="merge")
