"""COCO export and Label Studio rectangles of visual spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ocr_fixtures import digital_pdf

from preannotate_lab.formats.coco import coco_dataset, rectangle_results
from preannotate_lab.model import Span, Task
from preannotate_lab.ocr import PageCache, load_document, merge_span_boxes


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    return load_document(digital_pdf(), cache=PageCache(tmp_path_factory.mktemp("c")))


def _two_line_span(doc) -> Span:
    t = doc.tokens
    i = next(i for i in range(len(t) - 1) if t[i].line + 1 == t[i + 1].line and t[i].page == t[i + 1].page)
    return merge_span_boxes(doc, Span(t[i].start, t[i + 1].end, "TERM", doc.text[t[i].start:t[i + 1].end]))


def test_coco_has_images_per_page_categories_per_label_and_pixel_boxes(doc):
    title = doc.tokens[0]
    spans = [merge_span_boxes(doc, Span(title.start, title.end, "TITLE", title.text, confidence=0.9)),
             _two_line_span(doc)]
    task = Task({"document": str(digital_pdf())}, id=5, kind="document")
    data = coco_dataset([(task, doc.pages, spans)], labels=["TITLE", "TERM", "UNUSED"])
    json.dumps(data)  # plain JSON
    assert len(data["images"]) == 17
    assert data["images"][0] == {"id": 1, "file_name": "task-5-page-1.png", "width": 1694,
                                 "height": 2192, "task_id": 5, "page": 0}
    assert [c["name"] for c in data["categories"]] == ["TITLE", "TERM", "UNUSED"]
    first, *rest = data["annotations"]
    box = title.box
    assert first["bbox"] == [round(box.x, 2), round(box.y, 2), round(box.width, 2), round(box.height, 2)]
    assert first["category_id"] == 1 and first["score"] == 0.9 and first["image_id"] == 1
    assert len(rest) == 2 and {a["span_id"] for a in rest} == {spans[1].id}
    assert all(a["category_id"] == 2 for a in rest)


def test_rectangle_results_are_percent_of_the_page(doc):
    span = _two_line_span(doc)
    items = rectangle_results(span, from_name="label", to_name="page")
    assert len(items) == 2
    b = span.boxes[0]
    first = items[0]
    assert first["type"] == "rectanglelabels" and first["to_name"] == "page"
    assert first["original_width"] == 1694 and first["original_height"] == 2192
    assert first["value"]["x"] == pytest.approx(100 * b.x / 1694)
    assert first["value"]["height"] == pytest.approx(100 * b.height / 2192)
    assert first["value"]["rectanglelabels"] == ["TERM"]
    assert items[1]["parentID"] == span.id
    with pytest.raises(ValueError, match="has no boxes"):
        rectangle_results(Span(0, 3, "X", "abc"))


def test_export_coco_from_a_real_project(tmp_path):
    from preannotate_lab.formats.coco import export_coco
    from preannotate_lab.model import Completion
    from preannotate_lab.store import Project

    cache = PageCache(tmp_path / "pages")
    pdf = str(digital_pdf())
    with Project.create(tmp_path / "p.sqlite") as project:
        doc_id, text_id = project.add_tasks([
            Task({"document": pdf}, kind="document"), Task({"text": "plain text"}),
        ])
        doc = load_document(pdf, cache=cache)
        title = doc.tokens[0]
        # a completion whose span has no boxes yet: the export maps it to its token box
        project.add_completion(Completion(task_id=doc_id, results=[
            Span(title.start, title.end, "TITLE", title.text)]))
        out = tmp_path / "coco.json"
        report = export_coco(project, out, cache=cache)
    data = json.loads(out.read_text())
    assert report.n_tasks == 1 and report.n_skipped == 1  # the text task is not visual
    assert len(data["images"]) == 17
    assert all(img["file_name"].endswith(".png") for img in data["images"])
    from PIL import Image
    assert Image.open(out.parent / data["images"][0]["file_name"]).size == (1694, 2192)
    (ann,) = data["annotations"]
    assert ann["text"] == "Shared" and ann["bbox"][0] == round(title.box.x, 2)
    assert data["categories"][0]["name"] == "TITLE"


def test_coco_export_is_a_folder_pycocotools_loads_from_anywhere(tmp_path):
    import shutil

    from PIL import Image
    from pycocotools.coco import COCO

    from preannotate_lab.formats import ExportError, export_project
    from preannotate_lab.model import Completion
    from preannotate_lab.store import Project

    cache = PageCache(tmp_path / "pages")
    pdf = str(digital_pdf())
    doc = load_document(pdf, cache=cache)
    title = doc.tokens[0]
    two_lines = _two_line_span(doc)
    export = tmp_path / "export"
    export.mkdir()
    with Project.create(tmp_path / "p.sqlite") as project:
        (doc_id,) = project.add_tasks([Task({"document": pdf}, kind="document")])
        project.add_completion(Completion(task_id=doc_id, results=[
            Span(title.start, title.end, "TITLE", title.text), two_lines]))
        report = export_project(project, "coco", export / "coco.json", cache=cache)
        with pytest.raises(ExportError, match="give a path"), (tmp_path / "x.json").open("w") as fh:
            export_project(project, "coco", fh, cache=cache)
    assert report.n_tasks == 1 and not report.notes
    # the folder alone, somewhere else: nothing in it may point back into the page cache
    moved = tmp_path / "elsewhere" / "dataset"
    shutil.copytree(export, moved)
    shutil.rmtree(export)
    shutil.rmtree(tmp_path / "pages")
    coco = COCO(str(moved / "coco.json"))
    images = coco.loadImgs(coco.getImgIds())
    assert len(images) == 17
    for image in images:
        assert not Path(image["file_name"]).is_absolute()
        with Image.open(moved / image["file_name"]) as png:
            assert png.size == (image["width"], image["height"])
    assert len(coco.getAnnIds()) == 1 + len(two_lines.boxes) == 3
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["TITLE", "TERM"]
    for ann in coco.loadAnns(coco.getAnnIds()):
        x, y, w, h = ann["bbox"]
        assert ann["iscrowd"] == 0 and ann["area"] == pytest.approx(w * h, abs=0.05) and ann["area"] > 0
        (polygon,) = ann["segmentation"]
        assert polygon == pytest.approx([x, y, x + w, y, x + w, y + h, x, y + h], abs=0.02)
        mask = coco.annToMask(ann)  # pycocotools reads the polygon as a mask of the box
        assert mask.shape == (2192, 1694) and abs(int(mask.sum()) - ann["area"]) <= 2 * (w + h) + 4
    assert len(coco.getAnnIds(imgIds=[images[0]["id"]])) >= 1
