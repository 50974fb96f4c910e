"""A deployed spaCy/rules server predicts exactly what the models give, with provenance."""

from __future__ import annotations

import pytest
from server_fixtures import (
    MODEL,
    NER_LABELS,
    config_for,
    entity_keys,
    make_project,
    many_texts,
    predictions_by_task,
    save_rules,
    span_keys,
)

from preannotate_lab.server import ServerManager


@pytest.fixture
def manager():
    m = ServerManager(max_servers=3)
    yield m
    m.close()


def test_ner_server_predicts_what_nlp_pipe_gives(manager, nlp, sample_texts, project_path):
    all_labels = list(nlp.get_pipe("ner").labels)
    project = make_project(project_path, sample_texts)
    server = manager.deploy(config_for({MODEL: all_labels}), name="ner")
    job = server.run(project, wait=True, batch_size=8, chunk_size=7)
    assert job.progress["state"] == "done"
    assert job.progress["predicted"] == len(sample_texts) == job.progress["done"]
    expected = [entity_keys(doc) for doc in nlp.pipe(sample_texts, batch_size=8)]
    got = predictions_by_task(project)
    assert [got[tid] for tid in project.task_ids()] == [sorted(e) for e in expected]
    assert sum(len(e) for e in expected) > 30  # the texts really have entities


def test_each_resource_is_filtered_to_the_labels_the_config_gives_it(manager, nlp, sample_texts,
                                                                      project_path):
    project = make_project(project_path, sample_texts)
    server = manager.deploy(config_for({MODEL: ["PERSON", "GPE"]}), name="people-places")
    server.run(project, wait=True)
    expected = [sorted(entity_keys(d, {"PERSON", "GPE"})) for d in nlp.pipe(sample_texts)]
    got = predictions_by_task(project)
    assert [got[tid] for tid in project.task_ids()] == expected
    assert {label for spans in got.values() for _, _, label in spans} == {"PERSON", "GPE"}


def test_predictions_carry_full_provenance(manager, sample_texts, project_path):
    save_rules("money-words", [{"name": "dollars", "label": "CURRENCY", "type": "regex",
                                "pattern": r"\$\d+(?:\.\d+)?(?: (?:billion|million))?"}])
    project = make_project(project_path, sample_texts[:5])
    config = config_for({MODEL: ["ORG", "GPE"], "money-words": ["CURRENCY"]})
    server = manager.deploy(config, name="mixed", by="ana")
    server.run(project, wait=True)
    prediction = project.latest_prediction(project.task_ids()[0])
    assert prediction.server == "mixed"
    assert prediction.pipeline_hash == server.pipeline_hash
    assert prediction.document_hash == __import__("preannotate_lab").Document(
        project.get_task(prediction.task_id).text).content_hash()
    assert prediction.config_hash == config.hash()
    assert MODEL in prediction.model_version and "money-words" in prediction.model_version
    names = [r["name"] for r in prediction.provenance["resources"]]
    assert names == [MODEL, "money-words"]
    assert all(r["fingerprint"] and r["version"] for r in prediction.provenance["resources"])
    spacy_part, rules_part = prediction.provenance["resources"]
    assert spacy_part["model"]["name"] == MODEL and spacy_part["model"]["version"]
    assert rules_part["rules_hash"] and set(rules_part["rules"]) == {"dollars"}
    # the first sample text holds "$1 billion": the rule's span is in the prediction
    assert ("CURRENCY" in {r.label for r in prediction.results})
    described = server.describe()
    assert described["deployed_by"] == "ana" and described["usage"] == "preannotation"
    assert described["status"] == "idle" and described["labels"] == ["ORG", "GPE", "CURRENCY"]
    assert [r["name"] for r in described["resources"]] == [MODEL, "money-words"]


def test_rerun_skips_unchanged_tasks_and_force_adds_a_version(manager, sample_texts, project_path):
    project = make_project(project_path, sample_texts)
    server = manager.deploy(config_for({MODEL: NER_LABELS}), name="ner")
    first = server.run(project, wait=True).progress
    again = server.run(project, wait=True).progress
    assert first["predicted"] == len(sample_texts) and again["predicted"] == 0
    assert again["skipped"] == len(sample_texts) and again["done"] == len(sample_texts)
    assert all(len(project.predictions(tid)) == 1 for tid in project.task_ids())
    forced = server.run(project, force=True, wait=True).progress
    assert forced["predicted"] == len(sample_texts)
    for tid in project.task_ids():
        versions = project.predictions(tid)
        assert [p.version for p in versions] == [1, 2]  # the old version stays
        assert span_keys(versions[0]) == span_keys(versions[1])


def test_rule_change_makes_predicted_tasks_stale_until_rerun(manager, sample_texts, project_path):
    save_rules("places", [{"name": "cities", "label": "CITY", "type": "dictionary",
                           "keywords": ["London", "Berlin", "Paris"]}])
    project = make_project(project_path, sample_texts)
    old = manager.deploy(config_for({"places": ["CITY"]}), name="rules-v1")
    old.run(project, wait=True)
    assert old.stale_task_ids(project) == []
    save_rules("places", [{"name": "cities", "label": "CITY", "type": "dictionary",
                           "keywords": ["London", "Berlin", "Paris", "Tokyo"]}])
    new = manager.deploy(config_for({"places": ["CITY"]}), name="rules-v2")
    assert new.pipeline_hash != old.pipeline_hash
    assert new.stale_task_ids(project) == project.task_ids()
    progress = new.run(project, wait=True).progress
    assert progress["predicted"] == len(sample_texts) and progress["skipped"] == 0
    assert new.stale_task_ids(project) == []
    assert new.pending_task_ids(project) == []
    # Tokyo is in the sample texts: the new rule's extra spans are in the new versions only
    tokyo = [t for t in project.task_ids() if "Tokyo" in project.get_task(t).text]
    assert tokyo and all(len(project.predictions(t)) == 2 for t in tokyo)
    assert all("Tokyo" in {r.text for r in project.latest_prediction(t).results} for t in tokyo)
    assert all("Tokyo" not in {r.text for r in project.predictions(t)[0].results} for t in tokyo)


def test_hostile_regex_is_a_warning_on_its_task_and_the_other_results_stay(manager, sample_texts,
                                                                           project_path):
    # issue 10: a rule that timed out used to drop that task's spaCy entities too
    save_rules("hostile", [{"name": "backtrack", "label": "TRAP", "type": "regex",
                            "pattern": r"(a|aa)+$"}], timeout=0.2)
    texts = sample_texts[:6] + ["John Smith wrote from Paris: " + "a" * 40 + "!"] + sample_texts[6:10]
    project = make_project(project_path, texts)
    server = manager.deploy(config_for({MODEL: NER_LABELS, "hostile": ["TRAP"]}), name="trap")
    job = server.run(project, wait=True, chunk_size=4)
    progress = job.progress
    bad = project.task_ids()[6]
    assert progress["state"] == "done"
    assert progress["errors"] == 0 and progress["predicted"] == len(texts)
    assert progress["warnings"] == 1 and list(job.task_warnings) == [bad]
    assert project.get_task(bad).error is None  # a warning, not an error
    kept = project.latest_prediction(bad)
    assert {r.text for r in kept.results} >= {"John Smith", "Paris"}
    (warning,) = kept.provenance["warnings"]
    assert "backtrack" in warning and "timed out" in warning and warning.startswith("hostile: ")
    assert all("warnings" not in project.latest_prediction(t).provenance
               for t in project.task_ids() if t != bad)


def test_a_successful_rerun_clears_an_old_task_error(manager, sample_texts, project_path):
    project = make_project(project_path, many_texts(sample_texts, 3))
    tid = project.task_ids()[0]
    project.set_task_error(tid, "an earlier failure")
    manager.deploy(config_for({MODEL: NER_LABELS}), name="ner").run(project, wait=True)
    assert project.get_task(tid).error is None


def test_assertion_stamps_only_the_statuses_the_config_gives_it(manager, project_path):
    from preannotate_lab.labeling import LabelingConfig

    texts = ["There is no evidence that John Smith visited Paris last year.",
             "Mary Jones visited Paris last year."]
    project = make_project(project_path, texts)
    config = LabelingConfig.from_labels({MODEL: ["PERSON", "GPE"]},
                                        assertion={"assertion": ["absent"]})
    server = manager.deploy(config, name="negation")
    assert [s["kind"] for s in server.resources] == ["ner", "assertion"]
    server.run(project, wait=True)
    negated, plain = (project.latest_prediction(t) for t in project.task_ids())
    statuses = {r.text: r.assertion for r in negated.results}
    assert statuses.get("John Smith") == "absent"
    assert all(r.assertion is None for r in plain.results)  # "present" is not a config label
    assert len({r.id for r in negated.results}) == len(negated.results)  # copies replaced originals
    assert all(r.from_name for r in negated.results)  # stamped with the owning control


def test_server_matches_nlp_pipe_on_real_encyclopedia_and_news_paragraphs(manager, nlp,
                                                                          project_path):
    from benchmarks.corpus import news_paragraphs, wikipedia_paragraphs

    texts = wikipedia_paragraphs()[::40][:80] + news_paragraphs()[:40]
    all_labels = list(nlp.get_pipe("ner").labels)
    project = make_project(project_path, texts)
    manager.deploy(config_for({MODEL: all_labels}), name="real").run(project, wait=True,
                                                                     batch_size=32)
    got = predictions_by_task(project)
    expected = [sorted(entity_keys(doc)) for doc in nlp.pipe(texts, batch_size=32)]
    assert [got[t] for t in project.task_ids()] == expected
    assert sum(map(len, expected)) > 500
