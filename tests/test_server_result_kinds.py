"""A config's Choices and Relations name their resources: the server predicts all four kinds.

Real spaCy NER, the real assertion resource, a keyword classifier and a relation rule resource
from the hub, a real SQLite project; the Label Studio export of the predictions re-imports to
the same results.
"""

from __future__ import annotations

import json

import pytest
from server_fixtures import MODEL, entity_keys, make_project

from preannotate_lab.formats import export_project, import_path
from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.model import Choice, Document, Relation, Span
from preannotate_lab.resources import hub
from preannotate_lab.server import CapacityError, ServerError, ServerManager
from preannotate_lab.store import Project

TEXTS = [
    "Tim Cook works for Apple in California. Apple reported record profits and strong sales.",
    "Satya Nadella of Microsoft said the company found no evidence of Google in the deal. "
    "It was a weak quarter with a loss.",
    "The weather in Paris was mild.",
]


@pytest.fixture(scope="module", autouse=True)
def resources():
    """A classifier whose "other" label and a relation resource whose "based_in" relation and
    PERSON>GPE pair the config below does not ask for, so the server's filters show."""
    hub.add({"name": "tone", "factory": "keyword_classifier", "config": {"keywords": {
        "good": ["great", "strong", "record"], "bad": ["weak", "loss", "fraud"],
        "other": ["weather"]}}}, overwrite=True)
    hub.add({"name": "org_rel", "factory": "relations", "config": {"relations": [
        {"label": "works_for", "allowed": "PERSON>ORG,PERSON>GPE"},
        {"label": "based_in", "allowed": "ORG>GPE"}]}}, overwrite=True)
    hub.add({"name": "company_kind", "factory": "keyword_classifier", "config": {"keywords": {
        "tech": ["Apple", "Microsoft", "Google"], "place": ["Paris", "California"]}}},
        overwrite=True)
    yield
    for name in ("tone", "org_rel", "company_kind"):
        hub.remove(name)


@pytest.fixture
def manager():
    m = ServerManager(max_servers=3)
    yield m
    m.close()


def full_config() -> LabelingConfig:
    return LabelingConfig.from_labels(
        {MODEL: ["PERSON", "ORG", "GPE"]}, assertion={"assertion": ["absent", "possible"]},
        choices={"sentiment": ["good", "bad"]}, choice_models={"sentiment": "tone"},
        relations={"works_for": "PERSON>ORG"}, relation_model="org_rel",
    )


def of(results, kind):
    return [r for r in results if isinstance(r, kind)]


def test_one_server_predicts_spans_assertions_choices_and_relations(manager, nlp, project_path):
    project = make_project(project_path, TEXTS)
    project.set_config(full_config())
    server = manager.deploy(project, name="all-kinds")
    assert [(r["name"], r["kind"]) for r in server.resources] == [
        (MODEL, "ner"), ("tone", "classification"), ("assertion", "assertion"), ("org_rel", "relation")]
    job = server.run(project, wait=True)
    assert job.progress["state"] == "done" and job.progress["errors"] == 0

    ids = project.task_ids()
    by_task = {tid: project.latest_prediction(tid).results for tid in ids}
    # spans: exactly what spaCy finds for the configured labels
    for tid, doc in zip(ids, nlp.pipe(TEXTS), strict=True):
        assert sorted((s.start, s.end, s.label) for s in of(by_task[tid], Span)) == sorted(
            entity_keys(doc, {"PERSON", "ORG", "GPE"}))
        assert all(s.from_name == "label" for s in of(by_task[tid], Span))
    # assertion: "no evidence of Google" stamps that span only
    stamped = {(s.text, s.assertion) for r in by_task.values() for s in of(r, Span) if s.assertion}
    assert stamped == {("Google", "absent")}
    # choices: the control's name, only the control's values ("other" for task 3 is dropped)
    choices = {tid: [(c.labels, c.from_name, c.span_id) for c in of(r, Choice)] for tid, r in by_task.items()}
    assert choices == {ids[0]: [(("good",), "sentiment", None)],
                       ids[1]: [(("bad",), "sentiment", None)], ids[2]: []}
    # relations: between stored spans, only works_for and only PERSON>ORG
    relations = []
    for results in by_task.values():
        spans = {s.id: s for s in of(results, Span)}
        for rel in of(results, Relation):
            assert rel.from_id in spans and rel.to_id in spans
            relations.append((spans[rel.from_id].text, rel.label, spans[rel.to_id].text))
    assert sorted(relations) == [("Satya Nadella", "works_for", "Google"),
                                 ("Satya Nadella", "works_for", "Microsoft"),
                                 ("Tim Cook", "works_for", "Apple")]
    # ... while the resource itself also proposes pairs the config does not allow
    raw = hub.load("org_rel")(Document(TEXTS[0]), of(by_task[ids[0]], Span))
    assert {r.label for r in raw} == {"works_for", "based_in"} and len(raw) > 1
    stages = {s["name"]: s for s in project.latest_prediction(ids[0]).provenance["resources"]}
    assert stages["tone"]["control"] == "sentiment"
    project.close()


def normalized(results):
    """Result content without the producing resource (Label Studio JSON has no place for it)."""
    out = []
    for r in results:
        if isinstance(r, Span):
            out.append(("span", r.id, r.start, r.end, r.label, r.text, r.assertion, r.from_name))
        elif isinstance(r, Choice):
            out.append(("choice", r.id, r.labels, r.from_name, r.span_id, r.confidence))
        else:
            out.append(("relation", r.id, r.from_id, r.to_id, r.label, r.direction))
    return sorted(out, key=repr)


def test_label_studio_export_of_all_kinds_reimports_to_the_same_results(manager, tmp_path):
    project = make_project(tmp_path / "a.sqlite", TEXTS)
    project.set_config(full_config())
    manager.deploy(project).run(project, wait=True)
    out = tmp_path / "export.json"
    export_project(project, "labelstudio", out, include_predictions=True)
    exported = json.loads(out.read_text("utf-8"))
    items = [i for t in exported for p in t["predictions"] for i in p["result"]]
    types = {i["type"] for i in items}
    assert types == {"labels", "choices", "relation"}
    assert {i["from_name"] for i in items if i["type"] == "choices"} == {"sentiment"}
    assert {"absent"} == {v for i in items if i["type"] == "labels" for v in i["value"]["labels"]} & {
        "absent", "possible"}

    again = Project.create(tmp_path / "b.sqlite", config=full_config())
    report = import_path(again, [out])
    assert report.n_tasks == 3 and report.n_predictions == 3 and not report.errors
    before = [normalized(project.latest_prediction(t).results) for t in project.task_ids()]
    after = [normalized(again.latest_prediction(t).results) for t in again.task_ids()]
    assert after == before
    assert sum(len(of(project.latest_prediction(t).results, Relation)) for t in project.task_ids()) == 3
    project.close()
    again.close()


def test_per_region_choices_classify_each_span_and_carry_its_id(manager, project_path):
    xml = f"""<View>
  <Labels name="label" toName="text">
    <Label value="ORG" model="{MODEL}"/><Label value="GPE" model="{MODEL}"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="kind" toName="text" perRegion="true" whenLabelValue="ORG" model="company_kind">
    <Choice value="tech"/><Choice value="place"/>
  </Choices>
</View>"""
    project = make_project(project_path, TEXTS[:2])
    project.set_config(LabelingConfig.from_xml(xml))
    manager.deploy(project).run(project, wait=True)
    for tid in project.task_ids():
        results = project.latest_prediction(tid).results
        spans = {s.id: s for s in of(results, Span)}
        choices = of(results, Choice)
        orgs = [s for s in spans.values() if s.label == "ORG"]
        # one choice per ORG region (whenLabelValue), none for GPE regions such as California
        assert sorted(c.span_id for c in choices) == sorted(s.id for s in orgs) and orgs
        assert all(c.labels == ("tech",) and c.from_name == "kind" for c in choices)
        assert len({c.id for c in choices}) == len(choices)  # each region's choice is its own result
    project.close()


def test_zero_shot_classifier_fills_a_choices_control(manager, project_path):
    hub.add({"name": "topic_zs", "factory": "zero_shot_classification", "config": {"labels": {
        "business": "companies, profits, sales and markets", "weather": "rain, sun and temperature"}}},
        overwrite=True)
    try:
        config = LabelingConfig.from_labels({}, choices={"topic": ["business", "weather"]},
                                            choice_models={"topic": "topic_zs"})
        project = make_project(project_path, [TEXTS[0], TEXTS[2]])
        project.set_config(config)
        manager.deploy(project).run(project, wait=True)
        got = [[c.labels for c in of(project.latest_prediction(t).results, Choice)]
               for t in project.task_ids()]
        assert got == [[("business",)], [("weather",)]]
        project.close()
    finally:
        hub.remove("topic_zs")


def test_wrong_kind_two_controls_and_the_model_limit_are_refused_with_names(manager):
    wrong = LabelingConfig.from_labels({}, choices={"sentiment": ["PERSON"]},
                                       choice_models={"sentiment": MODEL})
    with pytest.raises(ServerError, match=rf"model='{MODEL}', a ner resource; they need a classification"):
        manager.deploy(wrong)
    assert [p.code for p in wrong.validate(model_info=hub.model_info)] == ["wrong_model_kind"]

    two = LabelingConfig.from_labels({}, choices={"a": ["good"], "b": ["bad"]},
                                     choice_models={"a": "tone", "b": "tone"})
    with pytest.raises(ServerError, match=r"'tone' is named by 2 <Choices> controls \('a', 'b'\)"):
        manager.deploy(two)

    small = ServerManager(max_models_per_server=3)
    with pytest.raises(CapacityError, match=r"names 4 models"):
        small.deploy(full_config())
    problems = full_config().validate(max_models_per_server=3, model_info=hub.model_info)
    assert [p.code for p in problems] == ["too_many_models"]
    assert "org_rel" in problems[0].message and "tone" in problems[0].message
    small.close()


def test_stale_task_ids_reads_only_predicted_tasks(manager, project_path):
    project = make_project(project_path, TEXTS)
    project.set_config(full_config())
    server = manager.deploy(project)
    server.run(project, task_ids=project.task_ids()[:1], wait=True)
    assert project.predicted_task_ids() == {project.task_ids()[0]}
    assert project.predicted_task_ids(server.pipeline_hash) == {project.task_ids()[0]}
    assert server.stale_task_ids(project) == []
    other = manager.deploy(LabelingConfig.from_labels({MODEL: ["PERSON"]}))
    assert other.stale_task_ids(project) == [project.task_ids()[0]]
    assert other.stale_task_ids(project, project.task_ids()[1:]) == []
    project.close()


def test_a_worker_process_predicts_the_same_choices_and_relations(manager, tmp_path):
    from preannotate_lab.server import ProcessPoolBackend

    inline = make_project(tmp_path / "inline.sqlite", TEXTS)
    pooled = make_project(tmp_path / "pooled.sqlite", TEXTS)
    server = manager.deploy(full_config())
    server.run(inline, wait=True)
    backend = ProcessPoolBackend(workers=1)
    try:
        job = server.run(pooled, wait=True, backend=backend)
    finally:
        backend.close()
    assert job.progress["state"] == "done" and job.progress["errors"] == 0
    got = [normalized(pooled.latest_prediction(t).results) for t in pooled.task_ids()]
    want = [normalized(inline.latest_prediction(t).results) for t in inline.task_ids()]
    assert got == want and any(r[0] == "relation" for rows in got for r in rows)
    inline.close()
    pooled.close()
