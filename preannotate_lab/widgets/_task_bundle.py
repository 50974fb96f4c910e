"""A static picture of the task a LabelingView shows, for notebooks read without a kernel.

A widget output is only a reference to a live model: saved and reopened without its kernel it
shows nothing. So the view's MIME bundle also carries ``application/vnd.preannotate.task+json``
(rendered by the package's JupyterLab extension, which uses it where the widget cannot be
shown) and a readable ``text/plain``. The JSON holds the task's text, the shown results' spans
with their labels' colours, and for document tasks small page thumbnails (downscaled PNG,
base64) with the spans' boxes in thumbnail pixels. Sizes are capped: at most MAX_PAGES
thumbnails of about 10 KB each, so a 72-page document adds some 50 KB to the notebook.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

from ..model import Document, Result, Span

MIME = "application/vnd.preannotate.task+json"
MAX_TEXT = 5000  # characters of text kept; spans past it are dropped
MAX_PAGES = 4  # thumbnails of the first pages (the rest are counted)
THUMB_WIDTH = 240  # pixels; boxes of a line of text stay visible at this width
MAX_SPANS = 500


def page_file(project: Any, task_id: int, document: Document, index: int, dpi: int) -> Path:
    """The image file of page ``index``: the document's cached page image (the one its boxes
    were measured on), else the page rendered from the task's source file at ``dpi``."""
    info = document.pages[index]
    if info.image_path and Path(info.image_path).is_file():
        return Path(info.image_path)
    task = project.get_task(task_id)
    source = import_module("preannotate_lab.documents").readable_path(project, task)
    return Path(import_module("preannotate_lab.ocr").page_image(source, index, dpi=dpi, cache=None))


def thumbnail_dpi(page_width: int, page_dpi: int) -> int:
    """Dots per inch enough for a THUMB_WIDTH-wide render of a page ``page_width`` pixels wide
    at ``page_dpi``: a PDF page renders about seven times faster than at the view's 150 dpi."""
    return max(8, math.ceil(THUMB_WIDTH * page_dpi / max(page_width, 1)))


def task_bundle(task: dict[str, Any], results: Sequence[Result], colors: dict[str, str], *,
                shown: dict[str, Any] | None = None,
                page_png: Callable[[int], bytes] | None = None) -> dict[str, Any]:
    """The JSON of the task MIME type for ``task`` (the view's ``task`` trait) and ``results``.

    ``colors``: label -> CSS colour (the config's); ``page_png(i)``: the image bytes of page i
    (document tasks). A page that cannot be read is listed without a thumbnail and with its
    error, so one missing scan does not cost the rest of the picture.
    """
    text = str(task.get("text") or "")
    spans = [r for r in results if isinstance(r, Span)][:MAX_SPANS]
    out: dict[str, Any] = {
        "id": task.get("id"), "title": task.get("title") or "", "kind": task.get("kind") or "text",
        "text": text[:MAX_TEXT], "truncated": len(text) > MAX_TEXT,
        "spans": [{"start": s.start, "end": s.end, "label": s.label,
                   **({"confidence": round(s.confidence, 3)} if s.confidence is not None else {})}
                  for s in spans if s.end <= MAX_TEXT],
        "colors": {label: color for label, color in colors.items() if label},
    }
    if shown:
        out["shown"] = {"kind": shown.get("kind"), "id": shown.get("id")}
    pages = task.get("pages") or []
    if pages and page_png is not None:
        out["n_pages"] = len(pages)
        out["pages"] = [_page(p, spans, page_png) for p in pages[:MAX_PAGES]]
    return out


def _page(page: dict[str, Any], spans: Sequence[Span], page_png: Callable[[int], bytes]) -> dict[str, Any]:
    from PIL import Image

    index, width, height = int(page["index"]), int(page["width"]), int(page["height"])
    entry: dict[str, Any] = {"index": index}
    try:
        with Image.open(io.BytesIO(page_png(index))) as image:
            thumb = _thumbnail(image)
    except Exception as exc:  # noqa: BLE001 - a page that cannot be read is reported, not fatal
        entry["error"] = f"{type(exc).__name__}: {exc}"[:200]
        return entry
    scale_x, scale_y = thumb.width / max(width, 1), thumb.height / max(height, 1)
    buffer = io.BytesIO()
    thumb.save(buffer, format="PNG")
    entry.update(width=thumb.width, height=thumb.height,
                 png=base64.b64encode(buffer.getvalue()).decode("ascii"))
    entry["boxes"] = [
        {"x": round(b.x * scale_x, 1), "y": round(b.y * scale_y, 1),
         "w": round(b.width * scale_x, 1), "h": round(b.height * scale_y, 1), "label": s.label}
        for s in spans for b in s.boxes if b.page == index
    ]
    return entry


def _thumbnail(image: Any) -> Any:
    """The page, THUMB_WIDTH wide, in 16 greys: about 7 KB of PNG for a page of text, and the
    boxes' colours stand out on it."""
    image = image.convert("L")
    image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 20), reducing_gap=2.0)
    return image.quantize(colors=16)


def text_summary(bundle: dict[str, Any]) -> str:
    """The readable ``text/plain`` of the bundle: what a plain-text reader of the notebook sees."""
    head = f"Task {bundle.get('id')}"
    if bundle.get("title"):
        head += f" · {bundle['title']}"
    shown = bundle.get("shown") or {}
    if shown.get("kind"):
        head += f" · {shown['kind']} {shown.get('id')}"
    text = bundle.get("text") or ""
    lines = [head]
    for span in bundle.get("spans", [])[:20]:
        lines.append(f"  {span['label']}: {text[span['start']:span['end']]!r}")
    extra = len(bundle.get("spans", [])) - 20
    if extra > 0:
        lines.append(f"  ... and {extra} more spans")
    if bundle.get("n_pages"):
        lines.append(f"  {bundle['n_pages']} page(s)")
    return "\n".join(lines)


def with_task_bundle(view: Any, bundle: tuple[dict[Any, Any], dict[Any, Any]] | None
                     ) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
    """``bundle`` (the widget's own (data, metadata): its view and text/plain) plus the static
    picture of the task ``view`` shows; unchanged while no task is open."""
    if bundle is None or view.task_id is None or not view.task:
        return bundle
    document = view.document

    def page_png(index: int) -> bytes:
        assert document is not None
        info = document.pages[index]
        dpi = thumbnail_dpi(info.width, info.dpi or view.dpi)
        return page_file(view.project, view.task_id, document, index, dpi).read_bytes()

    colors = {d["value"]: d["background"] for d in view.label_defs}
    data = task_bundle(view.task, view._results, colors, shown=view.shown,
                       page_png=page_png if document is not None and document.is_visual else None)
    return {**bundle[0], MIME: data, "text/plain": text_summary(data)}, bundle[1]
