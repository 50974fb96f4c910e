"""Confidence-first review: what the store records per prediction, how the grid sorts and
filters by it (real SQLite, real spaCy and rules servers), and the TaskGrid's ``review`` trait."""

from __future__ import annotations

import json

import pytest
from server_fixtures import MODEL, config_for, save_rules
from widgets_fixtures import frontend_update, recording, result_of  # noqa: F401 - fixture

import preannotate_lab as pl
from preannotate_lab import settings
from preannotate_lab.model import Choice, Prediction, Span, Task
from preannotate_lab.review import review_facts, stored_flags
from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import TaskGrid

TEXT = "Angela Merkel met Emmanuel Macron in Berlin on Tuesday."


def s(start: int, end: int, label: str, source: str | None = None,
      confidence: float | None = None) -> Span:
    return Span(start, end, label, TEXT[start:end], source=source, confidence=confidence)


RULES = {"resources": [{"name": "cities", "rules_hash": "x"}, {"name": "ner"}]}


def test_flags_say_which_resources_disagree_on_a_span():
    agree = [s(0, 13, "PERSON", "ner"), s(0, 13, "PERSON", "prompt"), s(37, 43, "CITY", "cities")]
    assert stored_flags(agree, {"cities"}) == []
    relabel = [s(37, 43, "GPE", "ner"), s(37, 43, "LOC", "prompt")]
    assert stored_flags(relabel, set()) == ["models_disagree"]
    boundary = [s(0, 13, "PERSON", "ner"), s(7, 13, "PERSON", "prompt")]
    assert stored_flags(boundary, set()) == ["models_disagree"]
    rule = [s(37, 43, "GPE", "ner"), s(37, 43, "CITY", "cities")]
    assert stored_flags(rule, {"cities"}) == ["rule_model_conflict"]
    apart = [s(0, 6, "PERSON", "ner"), s(7, 13, "PERSON", "prompt")]  # touching is not overlapping
    assert stored_flags(apart, set()) == []
    # one resource never disagrees with itself; a version disagrees with the one before it
    assert stored_flags([s(0, 13, "PERSON", "ner"), s(0, 6, "ORG", "ner")], set()) == []
    assert stored_flags([s(37, 43, "GPE")], set(), previous=[s(37, 43, "LOC")]) == ["models_disagree"]
    assert stored_flags([s(37, 43, "GPE")], set(), previous=[s(0, 6, "PERSON")]) == []


def test_review_facts_take_the_least_confident_result():
    results = [s(0, 13, "PERSON", "ner", 0.9), Choice(("politics",), confidence=0.35),
               s(37, 43, "CITY", "cities", 1.0)]
    assert review_facts(results, RULES) == {"confidence": 0.35, "flags": []}
    assert review_facts([s(0, 13, "PERSON")], {}) == {"confidence": None, "flags": []}


@pytest.fixture
def project(tmp_path):
    project = pl.Project.create(tmp_path / "review.sqlite")
    project.add_tasks([Task({"text": TEXT}) for _ in range(6)])
    yield project
    project.close()


def _predict(project, task_id, *spans, provenance=None):
    [stored] = project.add_predictions([Prediction(task_id, spans, "m", provenance=provenance or {})])
    return stored


def test_store_records_review_facts_and_the_grid_sorts_and_filters_by_them(project):
    t1, t2, t3, t4, t5, t6 = project.task_ids()
    _predict(project, t1, s(0, 13, "PERSON", "ner", 0.9), s(37, 43, "GPE", "ner", 0.3))
    _predict(project, t2, s(0, 13, "PERSON", "ner", 0.8))
    _predict(project, t3, s(37, 43, "GPE", "ner", 0.95), s(37, 43, "CITY", "cities", 1.0),
             provenance=RULES)
    _predict(project, t4, s(37, 43, "GPE", "ner", 0.7))
    later = _predict(project, t4, s(37, 43, "LOC", "other", 0.6))  # disagrees with version 1
    # no confidence at all; a "review" that came with the prediction is replaced, not kept
    _predict(project, t5, s(0, 13, "PERSON"),
             provenance={"review": {"confidence": 0.01, "flags": ["models_disagree"]}})
    assert later.provenance["review"] == {"confidence": 0.6, "flags": ["models_disagree"]}
    assert project.get_prediction(later.id).provenance["review"] == later.provenance["review"]
    assert project.latest_prediction(t5).provenance["review"] == {"confidence": None, "flags": []}

    total, rows = project.task_rows(sort="confidence")
    assert total == 6
    assert [r["id"] for r in rows] == [t1, t4, t2, t3, t5, t6]  # no confidence last, by id
    assert [r["confidence"] for r in rows] == [0.3, 0.6, 0.8, 0.95, None, None]
    by_id = {r["id"]: r["review_flags"] for r in rows}
    assert by_id == {t1: ["low_confidence"], t4: ["models_disagree"], t2: [],
                     t3: ["rule_model_conflict"], t5: [], t6: []}
    _, most = project.task_rows(sort="confidence", descending=True)
    assert [r["id"] for r in most] == [t3, t2, t4, t1, t6, t5]
    # with another filter the index is walked instead of read alone: the same order
    total, kept = project.task_rows(1, 3, sort="confidence", status="preannotated")
    assert total == 5 and [r["id"] for r in kept] == [t4, t2, t3]
    assert [r["id"] for r in project.task_rows(2, 2, sort="confidence")[1]] == [t2, t3]
    assert project.task_rows(review="low_confidence")[0] == 1
    assert [r["id"] for r in project.task_rows(review="models_disagree")[1]] == [t4]
    assert [r["id"] for r in project.task_rows(review="rule_model_conflict")[1]] == [t3]
    # a flag with other filters walks the flag's index in id order
    assert project.task_rows(review="models_disagree", search="merkel", status="preannotated") == (
        1, project.task_rows(review="models_disagree")[1])
    assert project.task_rows(review="rule_model_conflict", status="new")[0] == 0
    assert [r["id"] for r in project.task_rows(review="models_disagree", kind="text",
                                               descending=True)[1]] == [t4]
    # the threshold is a live setting; filters combine with the others
    settings.REVIEW.low_confidence = 0.85
    try:
        total, rows = project.task_rows(review="low_confidence", sort="confidence")
        assert [r["id"] for r in rows] == [t1, t4, t2] and total == 3
        assert project.task_rows(review="low_confidence", search="merkel", ids=[t2, t3])[0] == 1
    finally:
        settings.REVIEW.low_confidence = settings.DEFAULT_LOW_CONFIDENCE
    with pytest.raises(ValueError, match="unknown review filter"):
        project.task_rows(review="shaky")


def test_review_index_follows_new_and_deleted_predictions(project):
    t1, t2, *_ = project.task_ids()
    _predict(project, t1, s(0, 13, "PERSON", "ner", 0.2))
    assert [r["id"] for r in project.task_rows(sort="confidence", limit=1)[1]] == [t1]
    newer = _predict(project, t1, s(0, 13, "PERSON", "ner", 0.9))
    _predict(project, t2, s(0, 13, "PERSON", "ner", 0.4))
    assert [r["id"] for r in project.task_rows(sort="confidence", limit=1)[1]] == [t2]
    project.delete_prediction(newer.id, by="test")
    _, rows = project.task_rows(sort="confidence", limit=2)
    assert [(r["id"], r["confidence"]) for r in rows] == [(t1, 0.2), (t2, 0.4)]
    project.delete_task(t1, by="test")
    assert [r["id"] for r in project.task_rows(sort="confidence", limit=1)[1]] == [t2]


def test_real_servers_give_confidences_flags_and_a_label_studio_score(tmp_path, sample_texts):
    save_rules("review-cities", [{"name": "city", "type": "dictionary",
                                  "keywords": ["Berlin", "London", "Paris"], "label": "CITY"}])
    project = pl.Project.create(tmp_path / "real.sqlite")
    project.add_tasks([Task({"text": t}) for t in sample_texts[:8]])
    project.set_config(config_for({MODEL: ["PERSON", "ORG", "GPE", "DATE"],
                                   "review-cities": ["CITY"]}))
    manager = ServerManager()
    try:
        manager.deploy(project, name="ner").run(wait=True)
    finally:
        manager.close()
    total, rows = project.task_rows(sort="confidence")
    predictions = {t: project.latest_prediction(t) for t in project.task_ids()}
    expected = {t: min((r.confidence for r in p.results), default=None)
                for t, p in predictions.items()}
    assert all(r.confidence is not None for p in predictions.values() for r in p.results)
    assert all(r.confidence == 1.0 for p in predictions.values() for r in p.results
               if r.source == "review-cities")
    assert [r["confidence"] for r in rows] == sorted(expected.values())
    # a task where the rule's CITY and spaCy's GPE cover the same city
    both = [t for t, p in predictions.items()
            if {r.label for r in p.results if r.text in ("Berlin", "London", "Paris")} >= {"CITY", "GPE"}]
    assert both
    flagged = {r["id"] for r in project.task_rows(review="rule_model_conflict", limit=50)[1]}
    assert flagged == set(both)
    out = tmp_path / "ls.json"
    project.export("labelstudio", out)
    items = [item for task in json.loads(out.read_text()) for p in task["predictions"]
             for item in p["result"]]
    assert items and all(isinstance(item.get("score"), float) for item in items)


def test_task_grid_review_trait_filters_and_sorts(project, recording):  # noqa: F811
    t1, t2, *_ = project.task_ids()
    _predict(project, t1, s(0, 13, "PERSON", "ner", 0.9))
    _predict(project, t2, s(0, 13, "PERSON", "ner", 0.1))
    grid = TaskGrid(project)
    assert grid.get_state()["review"] == ""
    frontend_update(grid, sort="confidence")
    page = result_of(grid, "page")
    assert [r["id"] for r in page["rows"][:2]] == [t2, t1]
    assert page["rows"][0]["review_flags"] == ["low_confidence"]
    frontend_update(grid, review="low_confidence")
    page = result_of(grid, "page")
    assert page["total"] == 1 and page["rows"][0]["confidence"] == 0.1
    assert result_of(grid, "page", query={"review": "models_disagree"})["total"] == 0
    import traitlets

    with pytest.raises(traitlets.TraitError, match="review must be"):
        grid.review = "shaky"

