"""The LabelingView's MIME bundle: beside the live widget, a static picture of the task (text,
coloured spans, page thumbnails with boxes) for notebooks read without a kernel."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image
from visual_ner_fixtures import visual_project
from widgets_fixtures import make_project, ner_config

from preannotate_lab.model import Prediction, Span
from preannotate_lab.widgets import LabelingView
from preannotate_lab.widgets._task_bundle import MAX_PAGES, MIME, THUMB_WIDTH, task_bundle

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
TEXT = "\U0001f4f0 Angela Merkel met Emmanuel Macron in Berlin."


def _bundle(view: LabelingView) -> dict:
    data, _metadata = view._repr_mimebundle_()
    return data


@pytest.fixture
def text_view(tmp_path):
    project = make_project(tmp_path / "t.sqlite", [TEXT], ner_config(["PERSON", "GPE"]))
    [task_id] = project.task_ids()
    spans = tuple(Span(TEXT.index(w), TEXT.index(w) + len(w), label, w, confidence=0.9)
                  for w, label in [("Angela Merkel", "PERSON"), ("Berlin", "GPE")])
    project.add_predictions([Prediction(task_id=task_id, model_version="v1", results=spans)])
    yield LabelingView(project, task_id)
    project.close()


def test_text_task_bundle_has_the_widget_the_spans_and_a_readable_text(text_view):
    data = _bundle(text_view)
    assert data[WIDGET_MIME]["model_id"] == text_view.model_id  # the live view stays first-class
    task = data[MIME]
    assert task["id"] == text_view.task_id and task["kind"] == "text" and task["text"] == TEXT
    # code-point offsets, as Python (and the renderer) count them
    assert [(TEXT[s["start"]:s["end"]], s["label"]) for s in task["spans"]] == [
        ("Angela Merkel", "PERSON"), ("Berlin", "GPE")]
    defs = {d["value"]: d["background"] for d in text_view.label_defs}
    assert task["colors"] == defs and set(defs) == {"PERSON", "GPE"}
    assert task["shown"]["kind"] == "prediction" and "pages" not in task
    assert "PERSON: 'Angela Merkel'" in data["text/plain"] and "GPE: 'Berlin'" in data["text/plain"]
    json.dumps(data)  # what the kernel sends must be JSON


def test_no_task_open_gives_the_plain_widget_bundle(tmp_path):
    project = make_project(tmp_path / "e.sqlite", ["x"])
    data = _bundle(LabelingView(project))
    assert MIME not in data and WIDGET_MIME in data
    project.close()


def test_an_edited_completion_is_what_the_bundle_shows(text_view):
    text_view.create_completion()
    text_view.remove(text_view.results[0]["id"])
    task = _bundle(text_view)[MIME]
    assert task["shown"]["kind"] == "completion"
    assert [s["label"] for s in task["spans"]] == ["GPE"]


def test_document_task_has_small_thumbnails_with_boxes_in_thumbnail_pixels(tmp_path):
    project, ids = visual_project(tmp_path)
    view = LabelingView(project, ids["pdf"])
    data = _bundle(view)
    task = data[MIME]
    document = view.document
    assert task["n_pages"] == len(document.pages) == 17
    assert [p["index"] for p in task["pages"]] == list(range(MAX_PAGES))
    spans = [r for r in view._results if isinstance(r, Span)]
    for page in task["pages"]:
        png = base64.b64decode(page["png"], validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(png)) as image:
            assert image.size == (page["width"], page["height"]) and image.width == THUMB_WIDTH
        info = document.pages[page["index"]]
        sx, sy = page["width"] / info.width, page["height"] / info.height
        expected = sorted((round(b.x * sx, 1), round(b.y * sy, 1), s.label)
                          for s in spans for b in s.boxes if b.page == page["index"])
        assert sorted((b["x"], b["y"], b["label"]) for b in page["boxes"]) == expected
        for b in page["boxes"]:
            assert 0 <= b["x"] and b["x"] + b["w"] <= page["width"] + 0.5
            assert 0 <= b["y"] and b["y"] + b["h"] <= page["height"] + 0.5
    # the span over two lines on page 2 brings its two boxes; the title is on page 1
    assert len(task["pages"][1]["boxes"]) == 2 and task["pages"][0]["boxes"][0]["label"] == "TITLE"
    assert task["colors"]["TITLE"] == "#e6194b"
    # a 17-page document costs the notebook some 50 KB, not its pages
    assert len(json.dumps(task)) < 60_000, len(json.dumps(task))
    assert "17 page(s)" in data["text/plain"]
    project.close()


def test_a_page_that_cannot_be_read_is_reported_and_the_others_still_shown():
    png = io.BytesIO()
    Image.new("RGB", (1000, 500), "white").save(png, format="PNG")

    def page_png(index: int) -> bytes:
        if index == 1:
            raise FileNotFoundError("scan-2.png is gone")
        return png.getvalue()

    pages = [{"index": i, "width": 1000, "height": 500} for i in range(2)]
    task = task_bundle({"id": 1, "kind": "document", "text": "", "pages": pages}, [], {},
                       page_png=page_png)
    assert task["pages"][0]["width"] == THUMB_WIDTH and task["pages"][0]["height"] == 120
    assert "png" not in task["pages"][1] and "scan-2.png is gone" in task["pages"][1]["error"]
