"""The LabelingView's page requests: a document page's image with its OCR tokens, scaled to
the width the browser shows it at, and small thumbnails for the page strip.

A mixin of LabelingView (kept apart so each module stays small); it uses the view's
``project``, ``document``, ``dpi``, ``page`` and ``_require_task``.
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Document
from ._rpc import Reply, request

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

# A page shown smaller than its file is sent scaled down: the view asks for the width it
# draws at (in steps, so zooming does not ask again for every step), which cuts the bytes
# sent and the browser's decoding time on a first paint several-fold. Scaled copies are
# kept for the whole kernel, so reopening a task does not scale its pages again.
_SCALED: OrderedDict[tuple[bytes, int], bytes] = OrderedDict()
_SCALED_MAX = 64
MIN_WIDTH, MAX_WIDTH = 16, 4000


def scaled(data: bytes, width: int) -> bytes:
    """``data`` (an image file) at most ``width`` pixels wide: JPEG when scaled, else as is."""
    key = (hashlib.blake2b(data, digest_size=16).digest(), width)
    if key in _SCALED:
        _SCALED.move_to_end(key)
        return _SCALED[key]
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.width <= width * 1.1:  # barely smaller: not worth a lossy copy
            out = data
        else:
            image.draft("RGB", (width, width * 8))  # JPEG sources decode at a reduced size
            small = image.convert("RGB")
            small.thumbnail((width, width * 8), Image.Resampling.LANCZOS if width <= 200 else Image.Resampling.BILINEAR)
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=88)
            out = buffer.getvalue()
    _SCALED[key] = out
    while len(_SCALED) > _SCALED_MAX:
        _SCALED.popitem(last=False)
    return out


def mime_of(data: bytes) -> str:
    """The image type of a page file, from its first bytes (page caches hold PNG; images may be JPEG)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return "application/octet-stream"


class PageRequests:
    """Request handlers of the page view (see LabelingView)."""

    project: ProjectStore
    document: Document | None
    dpi: int
    page: int

    if TYPE_CHECKING:  # provided by LabelingView
        def _require_task(self) -> int: ...

    @request("page_image")
    def page_image(self, page: int, width: int | None = None) -> Reply:
        """One page's image as a binary buffer, with the page's size and tokens (in the page's
        pixels) in the result. ``width``: the widest the browser will draw it; a bigger image
        comes scaled down to that (as JPEG), a smaller one as it is."""
        document = self._visual_document()
        index = self._page_index(page)
        info = document.pages[index]
        data = self._page_bytes(index)
        if width is not None:
            data = scaled(data, max(MIN_WIDTH, min(int(width), MAX_WIDTH)))
        tokens = [
            {"i": i, "text": t.text, "start": t.start, "end": t.end,
             "x": t.box.x, "y": t.box.y, "w": t.box.width, "h": t.box.height}
            for i, t in enumerate(document.tokens) if t.box is not None and t.box.page == index
        ]
        self.page = index
        return Reply({"page": index, "width": info.width, "height": info.height,
                      "mime": mime_of(data), "tokens": tokens}, [data])

    @request("page_thumbnail")
    def page_thumbnail(self, page: int, width: int = 96) -> Reply:
        """A small image of one page for the thumbnail strip."""
        index = self._page_index(page)
        data = scaled(self._page_bytes(index), max(MIN_WIDTH, min(int(width), 400)))
        return Reply({"page": index, "mime": mime_of(data)}, [data])

    def _page_index(self, page: int) -> int:
        document = self._visual_document()
        index = int(page)
        if not 0 <= index < len(document.pages):
            raise ValueError(f"page {index} does not exist; this document has {len(document.pages)} page(s)")
        return index

    def _page_bytes(self, index: int) -> bytes:
        """The image file of page ``index`` (rendered from the source when not cached)."""
        document = self._visual_document()
        info = document.pages[index]
        path = info.image_path
        if not path or not Path(path).is_file():
            task = self.project.get_task(self._require_task())
            source = import_module("preannotate_lab.documents").readable_path(self.project, task)
            path = import_module("preannotate_lab.ocr").page_image(
                source, index, dpi=info.dpi or self.dpi, cache=None)
        return Path(path).read_bytes()

    def _visual_document(self) -> Document:
        self._require_task()
        if self.document is None or not self.document.is_visual:
            raise ValueError("this task is a text task; it has no pages")
        return self.document
