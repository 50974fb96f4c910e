"""diff_results and agreement: what changed between result sets, per-label scores."""

from __future__ import annotations

import pytest
from server_fixtures import MODEL, config_for, make_project

from preannotate_lab.compare import agreement, diff_results
from preannotate_lab.model import Choice, Completion, Relation, Span
from preannotate_lab.server import ServerManager

TEXT = "Angela Merkel met Emmanuel Macron in Berlin on Tuesday."


def s(start: int, end: int, label: str, **kw) -> Span:
    return Span(start, end, label, TEXT[start:end], **kw)


def test_diff_finds_added_removed_and_relabelled_spans():
    a = [s(0, 13, "PERSON"), s(18, 33, "PERSON"), s(37, 43, "GPE")]
    b = [s(0, 13, "PERSON"), s(18, 33, "ORG"), s(47, 54, "DATE")]
    diff = diff_results(a, b)
    assert [(x.start, x.label) for x in diff.unchanged] == [(0, "PERSON")]
    assert [(x.label, y.label) for x, y in diff.relabelled] == [("PERSON", "ORG")]
    assert [(x.start, x.label) for x in diff.added] == [(47, "DATE")]
    assert [(x.start, x.label) for x in diff.removed] == [(37, "GPE")]
    assert diff.summary() == {"added": 1, "removed": 1, "relabelled": 1, "unchanged": 1,
                              "changed_choices": 0, "added_relations": 0, "removed_relations": 0}
    assert diff_results(a, list(reversed(a))).is_empty


def test_diff_sees_assertion_changes_choices_and_relations():
    merkel, macron = s(0, 13, "PERSON"), s(18, 33, "PERSON")
    meets = Relation(merkel.id, macron.id, "meets")
    a = [merkel, macron, meets, Choice(("politics",), from_name="topic")]
    b = [merkel, s(18, 33, "PERSON", assertion="absent"), Choice(("sports",), from_name="topic")]
    diff = diff_results(a, b)
    assert [(x.assertion, y.assertion) for x, y in diff.relabelled] == [(None, "absent")]
    [(before, after)] = diff.changed_choices
    assert before.labels == ("politics",) and after.labels == ("sports",)
    assert diff.removed_relations == [meets] and diff.added_relations == []
    data = diff.to_dict()
    assert data["changed_choices"] == [{"before": ["politics"], "after": ["sports"]}]


def test_diff_accepts_predictions_and_completions_and_rejects_strings():
    c1 = Completion(task_id=1, results=[s(0, 13, "PERSON")])
    c2 = Completion(task_id=1, results=[])
    assert len(diff_results(c1, c2).removed) == 1
    assert len(diff_results(None, c1).added) == 1
    with pytest.raises(TypeError, match="not a string"):
        diff_results("PERSON", c1)


def test_agreement_scores_predictions_against_ground_truth(sample_texts, project_path):
    project = make_project(project_path, sample_texts[:3])
    manager = ServerManager()
    manager.deploy(config_for({MODEL: ["PERSON", "GPE", "ORG"]}), name="ner").run(project, wait=True)
    ids = project.task_ids()
    # the annotator accepts task 1 as predicted; on task 2 drops one span and adds one
    first = project.completion_from_prediction(project.latest_prediction(ids[0]).id)
    project.set_ground_truth(first.id)
    predicted = list(project.latest_prediction(ids[1]).results)
    assert len(predicted) >= 2
    dropped = predicted[0]
    extra = Span(0, 4, "ORG", project.get_task(ids[1]).text[0:4])
    second = project.add_completion(Completion(task_id=ids[1], results=predicted[1:] + [extra]))
    project.set_ground_truth(second.id)
    scores = agreement(project, ids)
    assert scores["tasks"] == 2 and scores["skipped"] == [ids[2]]  # task 3 has no ground truth
    micro = scores["micro"]
    n_pred = len(project.latest_prediction(ids[0]).results) + len(predicted)
    assert micro["tp"] == n_pred - 1 and micro["fp"] == 1 and micro["fn"] == 1
    assert scores["labels"][dropped.label]["fp"] >= 1
    assert scores["labels"]["ORG"]["fn"] >= 1
    assert 0 < micro["f1"] < 1
    same = agreement(project, ids[:1], a="latest_prediction", b="latest_completion")
    assert same["micro"]["f1"] == 1.0
    with pytest.raises(ValueError, match="unknown side"):
        agreement(project, ids, b="golden")
    manager.close()
