"""A Visual NER project on real documents: the Debian shared-mime-info spec PDF (17 pages, a
text layer) and a real scanned page (one page, OCR), with predictions whose spans carry the
boxes of their words, one of them over two lines (two boxes) on a page after the first."""

from __future__ import annotations

from pathlib import Path

from ocr_fixtures import SCANNED_PNG, digital_pdf

from preannotate_lab.model import Prediction, Span, Task

CONFIG = """<View>
  <RectangleLabels name="label" toName="image">
    <Label value="TITLE" background="#e6194b"/><Label value="TERM" background="#4363d8"/>
  </RectangleLabels>
  <Image name="image" value="$image"/>
</View>"""


def two_line_span(document, page: int) -> Span:
    """Two words that end one line and start the next, on ``page``, with their two boxes."""
    from preannotate_lab.ocr import merge_span_boxes

    t = document.tokens
    i = next(i for i in range(len(t) - 1)
             if t[i].page == page == t[i + 1].page and t[i].line + 1 == t[i + 1].line)
    span = merge_span_boxes(document, Span(t[i].start, t[i + 1].end, "TERM",
                                           document.text[t[i].start:t[i + 1].end], confidence=0.7))
    assert len(span.boxes) == 2, span
    return span


def title_span(document) -> Span:
    from preannotate_lab.ocr import merge_span_boxes

    first = document.tokens[0]
    return merge_span_boxes(document, Span(first.start, first.end, "TITLE", first.text, confidence=0.9))


def visual_project(folder: Path, *, pdf: bool = True, scan: bool = True):
    """(project, {"pdf": task id, "scan": task id}) with a prediction with boxes on each task."""
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.store import Project

    project = Project.create(folder / "visual.sqlite", LabelingConfig.from_xml(CONFIG))
    files = {"pdf": str(digital_pdf())} if pdf else {}
    if scan:
        files["scan"] = str(SCANNED_PNG)
    return project, add_visual_tasks(project, files)


def add_visual_tasks(project, files: dict[str, str]) -> dict[str, int]:
    """Document tasks for ``files`` ({"pdf"|"scan": path}), each with a prediction of a title
    and a span over two lines (on the PDF's second page): name -> task id."""
    from preannotate_lab.documents import document_for

    ids = dict(zip(files, project.add_tasks([Task({"document": f}, kind="document")
                                              for f in files.values()]), strict=True))
    for name, tid in ids.items():
        document = document_for(project.get_task(tid))
        results = (title_span(document), two_line_span(document, 1 if name == "pdf" else 0))
        project.add_predictions([Prediction(task_id=tid, model_version="visual-v1", score=0.8,
                                            results=results)])
    return ids


def rectangles(items) -> list[tuple]:
    """(item_index, label, x, y, width, height) of the rectangle items of a result list."""
    return sorted((r.get("item_index", 0), r["value"]["rectanglelabels"][0], r["value"]["x"],
                   r["value"]["y"], r["value"]["width"], r["value"]["height"])
                  for r in items if r["type"] == "rectanglelabels")


def our_rectangles(results) -> list[tuple]:
    """The same, computed from our spans' boxes (one rectangle per box)."""
    return sorted((box.page, r.label, *box.percent()) for r in results if isinstance(r, Span)
                  for box in r.boxes)
