"""COCO export of visual (PDF/image) annotations, and Label Studio rectangles of one span.

COCO: one ``image`` per page of every document task, one ``category`` per label, one
``annotation`` per box of every span: ``bbox`` is ``[x, y, width, height]`` in pixels of the
page image (origin top-left), as COCO defines it, ``segmentation`` the box as a polygon,
``area`` its size and ``iscrowd`` 0. A span that covers two lines has two boxes and so two
annotations, both carrying the span's ``span_id`` and ``text`` so they can be joined back.
The export copies the page images to ``images/`` beside the JSON and names them relative to
it, so the folder can be moved or shared as a whole (the page cache stays private).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..model import Page, Result, Span, Task, stored_id
from .errors import ExportError, ExportReport
from .ls_results import results_to_ls

if TYPE_CHECKING:
    from ..store import Project as ProjectStore


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
    ``file_name(task, page) -> str`` names each image; default: :func:`image_name`.
    """
    categories: dict[str, int] = {label: i for i, label in enumerate(labels or (), start=1)}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for task, pages, results in items:
        image_ids: dict[int, int] = {}
        for page in pages:
            image_ids[page.index] = len(images) + 1
            name = file_name(task, page) if file_name else image_name(task, page)
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
                    "segmentation": [box_polygon(box)],
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


def image_name(task: Task, page: Page) -> str:
    """``task-<id>-page-<n>.png`` (n from 1), with the suffix of the page's image when it has one."""
    suffix = Path(page.image_path).suffix if page.image_path else ".png"
    return f"task-{task.id}-page-{page.index + 1}{suffix or '.png'}"


def box_polygon(box: Any) -> list[float]:
    """The box as a COCO polygon, clockwise from its top-left corner (tools that read masks
    from ``segmentation``, as pycocotools' ``annToMask`` does, need it even for boxes)."""
    x, y, x2, y2 = (round(v, 2) for v in (box.x, box.y, box.x + box.width, box.y + box.height))
    return [x, y, x2, y, x2, y2, x, y2]


def export_coco(
    project: ProjectStore,
    out: str | os.PathLike[str] | TextIO,  # a stream is refused with a clear message
    *,
    ids: Iterable[int] | None = None,
    source: str = "completions",
    ocr_options: Any = None,
    cache: Any = None,
    render_pages: bool = True,
) -> ExportReport:
    """Write the document tasks of a project as COCO JSON to the path ``out``, and their page
    images to ``images/`` beside it (``file_name`` is relative to the JSON's folder).

    Results come from each task's ground-truth (or latest) completion, or with
    ``source="predictions"`` its latest prediction. Spans without boxes get them from the
    task's Document (cached OCR); ``render_pages`` makes sure every page has an image (a page
    without one is named in the JSON but not copied, and the report says so).
    """
    from ..documents import document_for, readable_path  # the OCR layer, only for visual exports
    from ..ocr import DocumentError, OcrOptions, apply_boxes, page_image
    from .annotations import pick_results

    report = ExportReport(format="coco", path=None)
    target = _target(out)
    config = project.config
    labels = list(config.label_values) if config is not None else None
    items: list[tuple[Task, Sequence[Page], Sequence[Result]]] = []
    for task in project.iter_tasks(None if ids is None else list(ids)):
        if task.kind != "document":
            report.n_skipped += 1
            report.notes.append(f"task {task.id} is a text task; COCO holds only page images")
            continue
        results = pick_results(project, stored_id(task), source)
        if results is None:
            report.n_skipped += 1
            report.notes.append(f"task {task.id} has no {source}; not exported")
            continue
        try:
            document = document_for(task, ocr_options=ocr_options, cache=cache, project=project)
            pages = list(document.pages)
            if render_pages:
                dpi = pages[0].dpi if pages else None
                # not ``source``: that names where the results come from
                document_file = readable_path(project, task)
                password = OcrOptions.coerce(ocr_options).password
                pages = [p if p.image_path else _with_image(p, page_image(
                    document_file, p.index, dpi=p.dpi or dpi or 200, cache=cache, password=password))
                    for p in pages]
        except DocumentError as exc:
            report.n_skipped += 1
            report.notes.append(f"task {task.id}: {exc}")
            continue
        items.append((task, pages, apply_boxes(document, results)))
        report.n_tasks += 1
    data = coco_dataset(items, labels=labels, file_name=lambda task, page: f"{IMAGES_DIR}/{image_name(task, page)}")
    _copy_images(items, target.parent, report)
    text = json.dumps(data, ensure_ascii=False)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)  # never half a file at the target
    report.path = str(target)
    report.extra.update(images=len(data["images"]), annotations=len(data["annotations"]))
    return report


IMAGES_DIR = "images"  # beside the JSON; COCO file_names are relative to the JSON's folder


def _target(out: Any) -> Path:
    """The JSON's path; ExportError for a stream (the images need a folder) or a missing folder."""
    if not isinstance(out, (str, os.PathLike)):
        raise ExportError("the coco format writes the JSON and an images/ folder beside it; "
                          "give a path such as export/coco.json, not a stream")
    path = Path(out)
    if not path.parent.is_dir():
        raise ExportError(f"cannot write coco export to {path}: folder {path.parent} does not exist")
    return path


def _copy_images(items: Sequence[tuple[Task, Sequence[Page], Sequence[Result]]], folder: Path,
                 report: ExportReport) -> None:
    """Copy every page image into ``folder/images`` under the name the JSON gives it."""
    images = folder / IMAGES_DIR
    images.mkdir(exist_ok=True)
    for task, pages, _ in items:
        for page in pages:
            if page.image_path and Path(page.image_path).is_file():
                shutil.copyfile(page.image_path, images / image_name(task, page))
            else:
                report.notes.append(f"task {task.id} page {page.index + 1} has no rendered image; "
                                    "export with render_pages=True to copy it")


def _with_image(page: Page, path: str) -> Page:
    return Page(index=page.index, width=page.width, height=page.height, dpi=page.dpi,
                image_path=path, source=page.source)
