"""Training data from completions (no training process): choice of completion, labels, split, errors."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import DocBin
from training_fixtures import TRAINED_LABELS, completed_project

from preannotate_lab.model import Completion, Span, Task
from preannotate_lab.store import Project
from preannotate_lab.training import TrainingError, collect, train_ner, train_textcat


@pytest.fixture
def project(tmp_path, nlp, sample_texts):
    project, ids, gold = completed_project(tmp_path / "p.sqlite", nlp, sample_texts)
    yield project, ids, gold
    project.close()


def _docs(data: bytes) -> list:
    return list(DocBin().from_bytes(data).get_docs(spacy.blank("en").vocab))


def test_every_task_with_a_completion_becomes_one_doc(project):
    project, ids, gold = project
    data = collect(project, "ner", dev_fraction=0.2, seed=0)
    assert data.labels == TRAINED_LABELS
    assert (data.n_train, data.n_dev) == (16, 4)
    docs = _docs(data.train) + _docs(data.dev)
    assert sorted(d.text for d in docs) == sorted(project.get_task(i).text for i in ids)
    assert sum(len(d.ents) for d in docs) == sum(len(s) for s in gold.values())
    assert data.label_counts == {lab: sum(s.label == lab for v in gold.values() for s in v)
                                 for lab in TRAINED_LABELS}
    assert data.n_ground_truth == 7  # every third completion (tasks 0, 3, ..., 18)
    # the split depends on the seed only
    assert collect(project, "ner", seed=0).dev == data.dev
    assert collect(project, "ner", seed=1).dev != data.dev


def test_ground_truth_completion_wins_over_a_later_one(tmp_path):
    text = "Angela Merkel met Emmanuel Macron in Berlin."
    with Project.create(tmp_path / "gt.sqlite") as project:
        (tid,) = project.add_tasks([Task({"text": text})])
        truth = project.add_completion(Completion(tid, [Span(0, 13, "PERSON", "Angela Merkel")]))
        project.set_ground_truth(truth.id)
        project.add_completion(Completion(tid, [Span(37, 43, "PLACE", "Berlin")]))
        (doc,) = _docs(collect(project, "ner", dev_fraction=0).train)
        assert [(e.text, e.label_) for e in doc.ents] == [("Angela Merkel", "PERSON")]
        project.set_ground_truth(truth.id, False)
        (doc,) = _docs(collect(project, "ner", dev_fraction=0).train)  # now the latest one
        assert [(e.text, e.label_) for e in doc.ents] == [("Berlin", "PLACE")]
        with pytest.raises(TrainingError, match="no ground-truth completions"):
            collect(project, "ner", only_ground_truth=True)


def test_labels_restrict_what_is_learned_and_rare_labels_warn(project):
    project, _, gold = project
    data = collect(project, "ner", labels=["PERSON"], min_examples=100)
    assert data.labels == ("PERSON",)
    docs = _docs(data.train) + _docs(data.dev)
    assert {e.label_ for d in docs for e in d.ents} == {"PERSON"}
    n_person = sum(s.label == "PERSON" for v in gold.values() for s in v)
    assert data.warnings == [
        f"label 'PERSON' has {n_person} example(s) (fewer than 100); its predictions will be "
        "unreliable — add completions that use it"
    ]
    missing = collect(project, "ner", labels=["PERSON", "DRUG"])
    assert any("'DRUG' has 0 example(s)" in w for w in missing.warnings)


def test_overlapping_spans_are_left_out_with_a_note(tmp_path):
    text = "New York City is big."
    with Project.create(tmp_path / "o.sqlite") as project:
        (tid,) = project.add_tasks([Task({"text": text})])
        project.add_completion(Completion(tid, [Span(0, 13, "PLACE", "New York City"),
                                                Span(0, 8, "PLACE", "New York")]))
        data = collect(project, "ner")
        assert data.label_counts == {"PLACE": 1}
        assert "overlaps another" in data.notes[0] and f"task {tid}" in data.notes[0]
        assert any("left out of the training data" in w for w in data.warnings)
        assert any("no dev set" in w for w in data.warnings)  # one task cannot be split


def test_no_completions_is_a_clear_error_and_starts_nothing(tmp_path, sample_texts, nlp):
    with Project.create(tmp_path / "empty.sqlite") as project:
        project.add_tasks([Task({"text": t}) for t in sample_texts[:3]])
        for train in (train_ner, train_textcat):
            with pytest.raises(TrainingError) as err:
                train(project, output_dir=tmp_path / "model")
            assert str(err.value) == (
                f"project 'empty' ({project.path}) has no completions to train on; "
                "create or import completions first"
            )
        with pytest.raises(TrainingError, match="has no completions to train on"):
            train_ner(str(project.path), output_dir=tmp_path / "model")  # a path works too
        assert not (tmp_path / "model").exists()


def test_textcat_needs_task_level_choices(project):
    project, _, _ = project
    with pytest.raises(TrainingError, match="no completions with a task-level choice"):
        collect(project, "textcat")


@pytest.mark.parametrize("kwargs, message", [
    ({"n_iter": 0}, "n_iter must be a positive integer, got 0"),
    ({"dropout": 1.5}, r"dropout must be a number in \[0, 1\), got 1.5"),
    ({"dev_fraction": 1.0}, r"dev_fraction must be in \[0, 1\)"),
    ({"name": "my model"}, "model name 'my model' must be"),
    ({"name": "a/b"}, "model name 'a/b' must be"),
    ({"base_model": "no_such_pipeline_xyz"}, "cannot fine-tune base_model 'no_such_pipeline_xyz'"),
    ({"labels": []}, "labels must be a non-empty list"),
])
def test_bad_arguments_name_the_input(project, tmp_path, kwargs, message):
    project, _, _ = project
    with pytest.raises(TrainingError, match=message):
        train_ner(project, output_dir=tmp_path / "model", **kwargs)
    assert not (tmp_path / "model").exists()


def test_an_unrelated_output_folder_is_never_overwritten(project, tmp_path):
    project, _, _ = project
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(TrainingError, match="exists and is not a model trained here"):
        train_ner(project, output_dir=folder)
    assert (folder / "keep.txt").read_text() == "mine"
    with pytest.raises(TypeError, match="n_epochs"):
        train_ner(project, output_dir=tmp_path / "m", n_epochs=3)


def test_an_unwritable_output_folder_fails_before_training(project, tmp_path):
    project, _, _ = project
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(TrainingError, match=r"cannot save the model in .*a-file/model"):
        train_ner(project, output_dir=blocker / "model")
