"""The labeling view's review requests without a browser: next task in the grid's order
(preferring tasks without a completion), accepting a prediction without rejected regions,
moving a span's boundaries."""

from __future__ import annotations

import pytest
from ocr_fixtures import SCANNED_PNG
from widgets_fixtures import (
    frontend_request,
    make_project,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
)

from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.model import Completion, Prediction, Relation, Span
from preannotate_lab.widgets import Lab, LabelingView

pytestmark = pytest.mark.usefixtures("recording")

TEXTS = ["Angela Merkel visited Siemens in Berlin.", "Beta task about Paris.",
         "Gamma task about London.", "Delta task about Rome.", "Alpha task about Madrid."]


CONFIG = """<View>
  <Relations><Relation value="works_for"/></Relations>
  <Labels name="label" toName="text">
    <Label value="PERSON" background="#8dd3c7"/><Label value="ORG" background="#fdb462"/>
    <Label value="GPE" background="#bebada"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path / "review.sqlite", TEXTS, LabelingConfig.from_xml(CONFIG))
    yield project
    project.close()


def _predict(project, task_id: int) -> Prediction:
    text = project.get_task(task_id).text
    person = Span(0, 13, "PERSON", text[:13], confidence=0.97, source="ner")
    org = Span(22, 29, "ORG", text[22:29], confidence=0.41, source="ner")
    city = Span(33, 39, "GPE", text[33:39], confidence=0.88, source="rules")
    relation = Relation(person.id, org.id, "works_for")
    return project.add_predictions([Prediction(task_id, (person, org, city, relation), "m-1")])[0]


def test_next_task_follows_id_order_and_prefers_tasks_without_a_completion(project):
    project.add_completion(Completion(task_id=2, created_by="ann"))
    view = LabelingView(project, 1)
    assert result_of(view, "next_task") == {"task_id": 3, "reviewed": False, "remaining": 3}
    assert result_of(view, "next_task", unreviewed=False)["task_id"] == 2
    view.load(5)
    assert result_of(view, "next_task")["task_id"] is None  # the end of the list
    back = result_of(view, "next_task", direction=-1)
    assert back["task_id"] == 4
    view.load(3)
    project.add_completion(Completion(task_id=1, created_by="ann"))
    # every task before 3 is reviewed: fall back to the adjacent one
    assert result_of(view, "next_task", direction=-1) == {"task_id": 2, "reviewed": True, "remaining": 0}


def test_next_task_follows_the_grid_sort_in_the_lab(project):
    lab = Lab(project)
    lab.grid.sort = "title"  # Alpha(5), Angela(1), Beta(2), Delta(4), Gamma(3)
    lab.view.load(1)
    assert result_of(lab.view, "next_task")["task_id"] == 2
    lab.view.load(2)
    assert result_of(lab.view, "next_task")["task_id"] == 4
    assert result_of(lab.view, "next_task", direction=-1)["task_id"] == 1
    lab.grid.search = "Gamma"  # the open task is filtered out: start at the first match
    assert result_of(lab.view, "next_task")["task_id"] == 3


def test_accept_prediction_leaves_out_rejected_regions_and_keeps_the_full_copy(project):
    prediction = _predict(project, 1)
    view = LabelingView(project, 1)
    person, org, city, relation = prediction.results
    reply = result_of(view, "accept_prediction", rejected=[org.id])
    assert reply["rejected"] == 1 and reply["n_results"] == 2
    [completion] = project.completions(1)
    assert completion.copied_from == prediction.id
    # the relation to the rejected ORG went with it
    assert {r.id for r in completion.results} == {person.id, city.id}
    assert view.shown == {"kind": "completion", "id": completion.id} and view.editable
    assert "1 rejected" in view.message
    assert any(len(entry.results) == 4 for entry in completion.history)  # the unfiltered copy is kept
    # the prediction itself is untouched
    assert len(project.get_prediction(prediction.id).results) == 4


def test_accept_prediction_refuses_unknown_ids_and_needs_a_prediction(project):
    prediction = _predict(project, 1)
    view = LabelingView(project, 1)
    reply = frontend_request(view, "accept_prediction", rejected=["span-nope"])
    assert "not in prediction" in reply["error"] and project.completions(1) == []
    result_of(view, "accept_prediction")  # nothing rejected: a plain copy
    reply = frontend_request(view, "accept_prediction")  # a completion is shown now
    assert "no prediction is shown" in reply["error"]
    assert len(project.completions(1)) == 1
    assert result_of(view, "accept_prediction", prediction_id=prediction.id)["n_results"] == 4


def test_resize_span_moves_boundaries_and_relations_follow(project):
    _predict(project, 1)
    view = LabelingView(project, 1)
    result_of(view, "accept_prediction")
    person = next(r for r in view.results if r["kind"] == "span" and r["label"] == "PERSON")
    results = result_of(view, "resize_span", id=person["id"], start=7, end=13)
    moved = next(r for r in results if r["kind"] == "span" and r["label"] == "PERSON")
    assert (moved["start"], moved["end"], moved["text"]) == (7, 13, "Merkel")
    assert moved["confidence"] is None and moved["source"] == "user"
    [relation] = [r for r in results if r["kind"] == "relation"]
    assert relation["from_id"] == moved["id"]
    assert view.dirty
    assert "outside the text" in frontend_request(view, "resize_span", id=moved["id"], start=5, end=500)["error"]
    result_of(view, "save")
    stored = {r.text for r in project.completions(1)[0].results if isinstance(r, Span)}
    assert stored == {"Merkel", "Siemens", "Berlin"}


def test_pages_come_scaled_to_the_width_shown_and_thumbnails_are_small(tmp_path):
    import io
    import shutil

    from PIL import Image

    from preannotate_lab.model import Task

    image = tmp_path / "page.png"
    shutil.copy(SCANNED_PNG, image)
    project = make_project(tmp_path / "thumbs.sqlite", [], LabelingConfig.from_xml(CONFIG))
    [task_id] = project.add_tasks([Task({"document": str(image)}, kind="document")])
    view = LabelingView(project, task_id)
    full = frontend_request(view, "page_image", page=0)
    [original] = full["buffers"]
    width = Image.open(io.BytesIO(original)).width
    assert full["result"]["mime"] == "image/png"
    small = frontend_request(view, "page_image", page=0, width=width // 3)
    # the same page and tokens, in the page's own pixels; only the image is smaller
    assert {k: v for k, v in small["result"].items() if k != "mime"} == \
        {k: v for k, v in full["result"].items() if k != "mime"}
    with Image.open(io.BytesIO(small["buffers"][0])) as shown:
        assert shown.width == width // 3 and small["result"]["mime"] == "image/jpeg"
    # asked wider than the page: the file as it is
    assert frontend_request(view, "page_image", page=0, width=width * 2)["buffers"][0] == original
    reply = frontend_request(view, "page_thumbnail", page=0, width=96)
    [data] = reply["buffers"]
    with Image.open(io.BytesIO(data)) as thumb:
        assert thumb.width == 96 and reply["result"] == {"page": 0, "mime": "image/jpeg"}
    assert len(data) * 4 < len(original)
    assert "does not exist" in frontend_request(view, "page_thumbnail", page=3)["error"]
    project.close()
