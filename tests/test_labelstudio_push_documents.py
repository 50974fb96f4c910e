"""Push of document tasks to a real Label Studio 1.23.2 (see labelstudio_fixtures.py): their
page images are uploaded there (no shared folder), load through its URLs, carry our boxes;
a second push uploads nothing and changes nothing; an annotation drawn there comes back
onto the original document task; text tasks of the same project are named as not pushed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ocr_fixtures import SCANNED_PNG, digital_pdf
from visual_ner_fixtures import (
    CONFIG,
    add_visual_tasks,
    our_rectangles,
    rectangles,
)

import preannotate_lab as pl
from preannotate_lab.model import Task

pytestmark = [pytest.mark.labelstudio, pytest.mark.slow]


def two_page_pdf(folder: Path) -> Path:
    """The first two pages of the Debian spec PDF (a real text layer), as a PDF of its own."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(digital_pdf()))
    out = pdfium.PdfDocument.new()
    out.import_pages(source, [0, 1])
    path = folder / "two-pages.pdf"
    out.save(str(path))
    return path


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, label_studio):
    """(project, {"pdf", "scan", "text": task id}, first push's report): a prediction with
    boxes on each document, a person's completion on the scan, one text task."""

    folder = tmp_path_factory.mktemp("push-documents")
    project = pl.Project.create(folder / "docs.sqlite", config=CONFIG)
    files = {"pdf": str(two_page_pdf(folder)), "scan": str(SCANNED_PNG)}
    ids = add_visual_tasks(project, files)
    project.completion_from_prediction(project.latest_prediction(ids["scan"]).id, by="maria")
    (ids["text"],) = project.add_tasks([Task({"text": "A text task among documents."})])
    report = project.labelstudio.push(url=label_studio.url, api_key=label_studio.token,
                                      title="pushed documents")
    return project, ids, report


def _by_ours(label_studio, ls_project: int) -> dict[int, dict]:
    return {t["meta"]["preannotate"]["task_id"]: t for t in label_studio.tasks(ls_project)}


def _same_boxes(items, results) -> None:
    got, want = rectangles(items), our_rectangles(results)
    assert [g[:2] for g in got] == [w[:2] for w in want]  # page and label
    assert [g[2:] for g in got] == [pytest.approx(w[2:], abs=1e-9) for w in want]


def _snapshot(label_studio, ls_project: int) -> list[tuple]:
    return [(t["id"], json.dumps(t["data"], sort_keys=True),
             sorted((p["id"], json.dumps(p["result"], sort_keys=True)) for p in t["predictions"]),
             sorted((a["id"], json.dumps(a["result"], sort_keys=True)) for a in t["annotations"]))
            for t in label_studio.tasks(ls_project)]


def test_push_sends_the_documents_with_uploaded_pages_and_names_the_text_task(label_studio, pushed):
    project, ids, report = pushed
    assert report.created_project and report.errors == [], report.summary()
    assert (report.tasks_created, report.predictions_created, report.completions_created) == (2, 2, 1)
    assert report.pages_uploaded == 3  # two PDF pages and the scan
    (note,) = [n for n in report.notes if "not pushed" in n]
    assert note.startswith(f"1 text task(s) not pushed ({ids['text']})"), note
    config = label_studio.call("GET", f"/api/projects/{report.ls_project}")["label_config"]
    assert 'valueList="$images"' in config and "RectangleLabels" in config
    assert sorted(_by_ours(label_studio, report.ls_project)) == sorted([ids["pdf"], ids["scan"]])


def test_every_uploaded_page_loads_through_label_studio(label_studio, pushed):
    _, ids, report = pushed
    tasks = _by_ours(label_studio, report.ls_project)
    assert len(tasks[ids["pdf"]]["data"]["images"]) == 2
    assert tasks[ids["scan"]]["data"]["image"] == tasks[ids["scan"]]["data"]["images"][0]
    urls = [url for t in tasks.values() for url in t["data"]["images"]]
    assert len(set(urls)) == 3
    for url in urls:
        assert url.startswith(f"/data/upload/{report.ls_project}/"), url
        status, kind, body = label_studio.get_raw(url)
        assert (status, kind) == (200, "image/png"), url
        assert body[:8] == b"\x89PNG\r\n\x1a\n"


def test_boxes_read_back_through_its_api_equal_ours(label_studio, pushed):
    project, ids, report = pushed
    tasks = _by_ours(label_studio, report.ls_project)
    for name in ("pdf", "scan"):
        (there,) = tasks[ids[name]]["predictions"]
        (ours,) = project.predictions(ids[name])
        _same_boxes(there["result"], ours.results)
    pages = {r["item_index"] for r in tasks[ids["pdf"]]["predictions"][0]["result"]}
    assert pages == {0, 1}
    (annotation,) = tasks[ids["scan"]]["annotations"]
    (completion,) = project.completions(ids["scan"])
    _same_boxes(annotation["result"], completion.results)


def test_a_second_push_uploads_nothing_and_changes_nothing(label_studio, pushed):
    project, _, report = pushed
    before = _snapshot(label_studio, report.ls_project)
    files = label_studio.call("GET", f"/api/projects/{report.ls_project}/file-uploads?all=true")
    again = project.labelstudio.push(url=label_studio.url, api_key=label_studio.token)
    assert again.ls_project == report.ls_project
    assert not again.changed and again.pages_uploaded == 0, again.to_dict()
    assert _snapshot(label_studio, report.ls_project) == before
    assert label_studio.call("GET", f"/api/projects/{report.ls_project}/file-uploads?all=true") == files


def test_a_box_drawn_there_comes_back_onto_the_document_task(label_studio, pushed):
    project, ids, report = pushed
    pdf = _by_ours(label_studio, report.ls_project)[ids["pdf"]]
    box = {"x": 10.0, "y": 20.0, "width": 30.0, "height": 5.0, "rotation": 0, "rectanglelabels": ["TERM"]}
    label_studio.annotate(pdf["id"], [{
        "from_name": "label", "to_name": "image", "type": "rectanglelabels", "item_index": 1,
        "original_width": 1275, "original_height": 1650, "image_rotation": 0, "value": box}])
    before = project.count_tasks()
    pulled = project.labelstudio.pull(url=label_studio.url, api_key=label_studio.token)
    assert pulled.errors == [] and pulled.tasks_created == 0, pulled.summary()
    assert pulled.completions_created == 1 and pulled.completions_updated == 0, pulled.summary()
    assert project.count_tasks() == before
    (completion,) = project.completions(ids["pdf"])
    ((page, label, x, y, w, h),) = our_rectangles(completion.results)
    assert (page, label) == (1, "TERM")
    assert (x, y, w, h) == pytest.approx((10.0, 20.0, 30.0, 5.0))
    assert project.get_task(ids["pdf"]).data["document"].endswith(".pdf")  # not a URL
    assert len(project.completions(ids["scan"])) == 1  # ours, pushed, not doubled nor changed
    again = project.labelstudio.pull(url=label_studio.url, api_key=label_studio.token)
    assert not again.changed, again.summary()


def test_a_page_uploaded_before_is_found_again_not_uploaded_twice(label_studio, pushed):
    """What a push that failed after uploading its pages leaves: the next one reuses them."""
    from preannotate_lab.sync.client import connect
    from preannotate_lab.sync.uploads import PageUploader

    _, _, report = pushed
    conn = connect(label_studio.url, label_studio.token)
    first = PageUploader(conn, report.ls_project)
    (url,) = first.urls([SCANNED_PNG])  # the scan's bytes under another name than the push's
    assert first.uploaded == 1
    later = PageUploader(conn, report.ls_project)
    assert later.urls([SCANNED_PNG]) == [url] and later.uploaded == 0
    assert label_studio.get_raw(url)[:2] == (200, "image/png")
