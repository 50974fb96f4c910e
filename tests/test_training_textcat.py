"""Train a text classifier from the task-level choices of completions."""

from __future__ import annotations

import json

from training_fixtures import classified_project, topic_of

from preannotate_lab.documents import document_for
from preannotate_lab.training import collect, train_textcat


def test_textcat_from_choices_lands_in_the_hub_and_classifies(tmp_path, sample_texts, monkeypatch):
    monkeypatch.setenv("PREANNOTATE_LAB_HOME", str(tmp_path / "home"))  # pl.hub reads it per call
    from preannotate_lab.resources import hub

    project, ids = classified_project(tmp_path / "topics.sqlite", sample_texts)
    job = train_textcat(project, n_iter=15, name="topics")  # into the default hub
    job.wait(timeout=120)
    assert job.state == "done" and job.result["component"] == "textcat"  # one label per task
    assert job.output_dir == (tmp_path / "home" / "models" / "topics").resolve()
    assert job.resource_name == "en_topics:textcat"
    info = hub.info("en_topics:textcat")
    assert info.kind == "classification" and info.labels == ("business", "world")
    assert set(job.history[-1]["dev"]) == {"p", "r", "f", "per_label"}
    meta = json.loads((job.output_dir / "meta.json").read_text("utf-8"))
    assert meta["preannotate_lab"]["data"]["label_counts"] == {"business": 10, "world": 10}
    resource = hub.load("en_topics:textcat")
    right = 0
    for tid in ids:
        task = project.get_task(tid)
        (choice,) = resource(document_for(task))
        right += choice.labels == (topic_of(task.text),)
    assert right >= 0.8 * len(ids), f"{right} of {len(ids)} right"
    project.close()


def test_multiple_choice_config_trains_a_multilabel_classifier(tmp_path, sample_texts):
    from preannotate_lab.labeling import LabelingConfig

    project, _ = classified_project(tmp_path / "multi.sqlite", sample_texts)
    project.set_config(LabelingConfig.from_labels({}, choices={"topic": ["business", "world"]},
                                                  choice="multiple"))
    data = collect(project, "textcat")
    assert data.exclusive is False and data.labels == ("business", "world")
    project.close()
