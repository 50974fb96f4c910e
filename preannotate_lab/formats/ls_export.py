"""Write one task as Label Studio or Generative AI Lab JSON.

What real Label Studio (1.23) imports whole: ``completed_by`` must be a user id of its own or
``{"email": ...}`` of one of its members (a plain string refuses the whole file), and
``updated_by`` likewise; so the ``labelstudio`` flavour leaves both out (Label Studio then
credits the importing user) and keeps each author in ``meta["preannotate"]``, where our
import reads it back (see :mod:`formats.ls_meta`). The task's id in the project goes there
too, as Label Studio gives tasks new ids.

Visual NER (document tasks): Label Studio shows images, not PDFs, so a document task leaves
with the URLs of its page images in ``data`` (``image`` for one page, ``images`` for all its
pages; see :func:`page_data`), and the keys it replaced are kept in ``meta["preannotate"]``
so that an import restores the task's own data (its local PDF) and finds the task again.
:func:`task_page_images` gives the page images a task needs, for any way of serving them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Completion, Document, Prediction, Task
from .ls_meta import MARKER, REPLACED_DATA, task_meta
from .ls_results import results_to_ls
from .parsed import SOURCE_ID_KEY, iso

FLAVORS = ("labelstudio", "genailab")
# the data keys Label Studio's <Image value="$image"> / <Image valueList="$images"> read
IMAGE_KEY, IMAGES_KEY = "image", "images"


@dataclass(frozen=True)
class PageImage:
    """One page image of a document task: the rendered PNG (in the page cache) and the file
    name it gets when exported (``task-<id>-page-<n>.png``, n from 1)."""

    index: int  # 0-based: the ``item_index`` of its rectangles
    path: str
    name: str
    width: int  # pixels: the ``original_width``/``original_height`` of its rectangles
    height: int


def task_page_images(
    task: Task,
    document: Document | None = None,
    *,
    ocr_options: Any = None,
    cache: Any = None,
) -> list[PageImage]:
    """Every page image of a document task, rendered (and cached) if missing.

    These are the pixels the task's boxes refer to: a page OCR turned upright is given as
    turned. ``document`` is the task's Document when the caller has it already. Raises
    ``DocumentError`` (naming the task) when the task's file cannot be read.
    """
    from ..documents import document_for  # the OCR layer, loaded only for document tasks
    from ..ocr import page_image

    if document is None:
        document = document_for(task, ocr_options=ocr_options, cache=cache)
    first_dpi = document.pages[0].dpi if document.pages else None
    out = []
    for page in document.pages:
        path = page.image_path or page_image(task.source_path or "", page.index,
                                             dpi=page.dpi or first_dpi or 200, cache=cache)
        suffix = Path(path).suffix or ".png"
        out.append(PageImage(index=page.index, path=os.fspath(path), width=page.width,
                             height=page.height, name=f"task-{task.id}-page-{page.index + 1}{suffix}"))
    return out


def page_data(data: Mapping[str, Any], urls: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the task's data with its page URLs, the values those keys had before: None = absent).

    Every document task gets ``images`` (all its pages, for a config with
    ``valueList="$images"``); a one-page task also gets ``image`` (for ``value="$image"``),
    so one file serves either config, whatever mix of page counts it holds.
    """
    if not urls:
        raise ValueError("a document task needs at least one page URL")
    added: dict[str, Any] = {IMAGES_KEY: list(urls)}
    if len(urls) == 1:
        added[IMAGE_KEY] = urls[0]
    replaced = {key: data.get(key) for key in added}
    return {**data, **added}, replaced


def task_to_ls(
    task: Task,
    predictions: Iterable[Prediction],
    completions: Iterable[Completion],
    *,
    flavor: str = "labelstudio",
    to_name: str = "text",
    image_to_name: str = "image",
    assertion_labels: Iterable[str] | None = None,
    prediction_source_ids: Mapping[int, str] | None = None,
    page_urls: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One exported task: ``id`` (the source id when imported), ``data``, ``meta``,
    predictions, completions. ``page_urls`` (a document task's page images, in page order)
    go into ``data`` as :func:`page_data` says."""
    if flavor not in FLAVORS:
        raise ValueError(f"flavor must be one of {FLAVORS}, not {flavor!r}")
    completions = list(completions)
    data = {k: v for k, v in task.data.items() if k != SOURCE_ID_KEY}
    replaced = None
    if page_urls is not None:
        data, replaced = page_data(data, page_urls)
    source_id = task.data.get(SOURCE_ID_KEY)
    out: dict[str, Any] = {"id": _id(source_id) if source_id is not None else task.id, "data": data}
    meta: dict[str, Any] = {}
    if task.title and "title" not in data:
        meta["title"] = task.title
    meta[MARKER] = task_meta(task.id, source_id, completions)
    if replaced is not None:
        meta[MARKER][REPLACED_DATA] = replaced
    out["meta"] = meta
    out["created_at"] = iso(task.created_at)
    labels = None if assertion_labels is None else list(assertion_labels)

    def result(rs):
        return results_to_ls(list(rs), to_name=to_name, image_to_name=image_to_name,
                             flavor=flavor, assertion_labels=labels)

    source_ids = dict(prediction_source_ids or {})
    preds = []
    for p in predictions:
        pid = p.provenance.get("source_id", p.id)
        source_ids.setdefault(p.id, pid)  # type: ignore[arg-type]
        item: dict[str, Any] = {
            "id": _id(pid), "model_version": p.model_version, "score": p.score,
            "created_at": iso(p.created_at), "result": result(p.results),
        }
        if flavor == "genailab":
            item["created_username"] = p.provenance.get("created_username", p.model_version)
            item["created_ago"] = iso(p.created_at)
        preds.append(_without_none(item))
    out["predictions"] = preds
    comps = []
    for c in completions:
        parent = source_ids.get(c.copied_from) if c.copied_from is not None else None
        comps.append(_without_none(_completion(c, result(c.results), parent, flavor)))
    out["completions" if flavor == "genailab" else "annotations"] = comps
    return out


def _completion(c: Completion, result: list[dict[str, Any]], parent: Any, flavor: str) -> dict[str, Any]:
    kept = c.meta.get("labelstudio")
    ls: dict[str, Any] = kept if isinstance(kept, dict) else {}
    item: dict[str, Any] = {
        "id": c.id, "result": result, "ground_truth": c.ground_truth,
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
        "lead_time": ls.get("lead_time"),
    }
    if c.skipped:
        item["was_cancelled"] = True
    if flavor == "genailab":
        item.update(created_username=c.created_by, created_ago=iso(c.created_at),
                    honeypot=c.ground_truth, updated_by=c.updated_by)
        if parent is not None:
            item["copied_from"] = f"prediction: {parent}"
    elif parent is not None:
        item["parent_prediction"] = _id(parent)
    return item


def _without_none(item: dict[str, Any]) -> dict[str, Any]:
    # Label Studio rejects a null score; an absent key means "unknown" everywhere
    return {k: v for k, v in item.items() if v is not None}


def _id(value: Any) -> Any:
    """Ids go out as numbers when they are numeric strings (as they came in)."""
    if isinstance(value, str) and value.isdigit() and str(int(value)) == value:
        return int(value)
    return value
