"""COCO export of visual (PDF/image) annotations, and Label Studio rectangles of one span.

COCO: one ``image`` per page of every document task (``file_name`` is the cached page PNG),
one ``category`` per label, one ``annotation`` per box of every span: ``bbox`` is
``[x, y, width, height]`` in pixels of the page image (origin top-left), as COCO defines it.
A span that covers two lines has two boxes and so two annotations, both carrying the span's
``span_id`` and ``text`` so they can be joined back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..model import Page, Result, Span, Task
from .errors import ExportReport
from .ls_results import results_to_ls


def rectangle_results(
    span: Span, *, from_name: str | None = None, to_name: str = "image", flavor: str = "labelstudio"
) -> list[dict[str, Any]]:
    """Label Studio ``rectanglelabels`` items of a span, one per box (percent of the page size).

    Items carry ``original_width``/``original_height`` and the page as ``item_index``; boxes
    after the first name the first as ``parentID``. This is the formats layer's own
    conversion (:func:`results_to_ls`), so exports and this helper never disagree.
    """
    if not span.boxes:
        raise ValueError(f"span {span.id} ({span.label!r}, {span.text!r}) has no boxes to draw")
    if from_name is not None:
        span = Span(**{**vars(span), "from_name": from_name})
    return results_to_ls([span], image_to_name=to_name, flavor=flavor)


def coco_dataset(
    items: Iterable[tuple[Task, Sequence[Page], Sequence[Result]]],
    *,
    labels: Sequence[str] | None = None,
    file_name: Any = None,
) -> dict[str, Any]:
    """A COCO dict from (task, its pages, its results); spans without boxes are skipped.

    ``labels`` fixes the category order (ids 1..n); otherwise labels are numbered as met.
    ``file_name(task, page) -> str`` names each image; default: the page's cached image path,
    else ``task-<id>-page-<n>.png``.
    """
    categories: dict[str, int] = {label: i for i, label in enumerate(labels or (), start=1)}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for task, pages, results in items:
        image_ids: dict[int, int] = {}
        for page in pages:
            image_ids[page.index] = len(images) + 1
            name = file_name(task, page) if file_name else (
                page.image_path or f"task-{task.id}-page-{page.index + 1}.png")
            images.append({"id": image_ids[page.index], "file_name": name, "width": page.width,
                           "height": page.height, "task_id": task.id, "page": page.index})
        for span in (r for r in results if isinstance(r, Span)):
            for box in span.boxes:
                if box.page not in image_ids:
                    continue  # a box on a page the task does not have: nothing to attach it to
                category = categories.setdefault(span.label, len(categories) + 1)
                item = {
                    "id": len(annotations) + 1, "image_id": image_ids[box.page],
                    "category_id": category,
                    "bbox": [round(box.x, 2), round(box.y, 2), round(box.width, 2), round(box.height, 2)],
                    "area": round(box.width * box.height, 2), "iscrowd": 0,
                    "span_id": span.id, "text": span.text,
                }
                if span.confidence is not None:
                    item["score"] = span.confidence
                annotations.append(item)
    return {
        "info": {"description": "preannotate_lab visual annotations"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i, "name": name, "supercategory": "entity"}
                       for name, i in categories.items()],
    }


def export_coco(
    project: Any,
    out: str | os.PathLike[str] | Any,
    *,
    ids: Iterable[int] | None = None,
    source: str = "completions",
    ocr_options: Any = None,
    cache: Any = None,
    render_pages: bool = True,
) -> ExportReport:
    """Write the document tasks of a project as COCO JSON to ``out`` (a path or a text file).

    Results come from each task's ground-truth (or latest) completion, or with
    ``source="predictions"`` its latest prediction. Spans without boxes get them from the
    task's Document (cached OCR); ``render_pages`` makes sure every page has a PNG.
    """
    from ..documents import document_for, readable_path  # the OCR layer, only for visual exports
    from ..ocr import DocumentError, OcrOptions, apply_boxes, page_image
    from .annotations import pick_results

    report = ExportReport(format="coco", path=None)
    labels = list(project.config.label_values) if getattr(project, "config", None) else None
    items: list[tuple[Task, Sequence[Page], Sequence[Result]]] = []
    for task in project.iter_tasks(None if ids is None else list(ids)):
        if task.kind != "document":
            report.n_skipped += 1
            report.notes.append(f"task {task.id} is a text task; COCO holds only page images")
            continue
        results = pick_results(project, task.id, source)
        if results is None:
            report.n_skipped += 1
            report.notes.append(f"task {task.id} has no {source}; not exported")
            continue
        try:
            document = document_for(task, ocr_options=ocr_options, cache=cache, project=project)
            pages = list(document.pages)
            if render_pages:
                dpi = pages[0].dpi if pages else None
                source = readable_path(project, task)
                password = OcrOptions.coerce(ocr_options).password
                pages = [p if p.image_path else _with_image(p, page_image(
                    source, p.index, dpi=p.dpi or dpi or 200, cache=cache, password=password))
                    for p in pages]
        except DocumentError as exc:
            report.n_skipped += 1
            report.notes.append(f"task {task.id}: {exc}")
            continue
        items.append((task, pages, apply_boxes(document, results)))
        report.n_tasks += 1
    data = coco_dataset(items, labels=labels)
    text = json.dumps(data, ensure_ascii=False)
    if hasattr(out, "write"):
        out.write(text)
        report.path = getattr(out, "name", None)
    else:
        path = Path(out)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # never half a file at the target
        report.path = str(path)
    report.extra.update(images=len(data["images"]), annotations=len(data["annotations"]))
    return report


def _with_image(page: Page, path: str) -> Page:
    return Page(index=page.index, width=page.width, height=page.height, dpi=page.dpi,
                image_path=path, source=page.source)
