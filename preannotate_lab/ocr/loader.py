"""load_document: a PDF or image file -> Document, reading each page the cheapest good way.

Per PDF page: the text layer when it holds at least ``min_text_chars`` characters, else
render + OCR; ``force_ocr`` always OCRs. Image files (PNG, JPEG,
TIFF incl. multi-page) are OCRed frame by frame. Pages are rendered one after the other while
earlier pages are already being OCRed by the worker pool (a few pages ahead at most); every
page reading is cached, and each page joins the Document as soon as it is read, so memory
holds the Document's tokens and the few pages in flight, never page images or all pages' words.
Text-layer pages are not rendered at all: :func:`page_image` renders them on demand.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image

from ..model import Document
from . import rasterize
from .cache import PageCache, PageKey, render_variant
from .errors import DocumentError
from .layout import DocumentBuilder, PageReading
from .options import OcrOptions, default_cache_root
from .orientation import PageOcr, read_page
from .tesseract import reader_key
from .textlayer import page_words, text_chars, textlayer_version

CacheLike = PageCache | str | os.PathLike[str] | None


def as_cache(cache: CacheLike) -> PageCache:
    """A PageCache from a PageCache, a folder, or None (the user-level default cache)."""
    if isinstance(cache, PageCache):
        return cache
    return PageCache(default_cache_root() if cache is None else cache)


def load_document(
    path: str | os.PathLike[str],
    options: OcrOptions | dict[str, Any] | None = None,
    *,
    cache: CacheLike = None,
    on_page: Callable[[int, int], None] | None = None,
    **overrides: Any,
) -> Document:
    """Read a PDF or image into a Document whose tokens carry page, box (pixels) and line.

    ``options`` or keyword overrides (``dpi=300, password="..."``) are :class:`OcrOptions`.
    ``on_page(done, pages)`` is called as each page joins the Document (for progress).
    Raises :class:`DocumentError` naming the file for anything unreadable.
    """
    opts = OcrOptions.coerce(options)
    if overrides:
        opts = replace(opts, **overrides)
    name = os.fspath(path)
    kind = rasterize.sniff(name)
    pages = as_cache(cache)
    sha = pages.file_digest(name)
    workers = opts.workers or os.cpu_count() or 1
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")
    reader = _Assembler(pages, lookahead=2 * workers, on_page=on_page)
    try:
        if kind == "pdf":
            _read_pdf(name, sha, opts, pages, pool, reader)
        else:
            _read_image(name, sha, opts, pages, pool, reader)
        reader.drain(wait=True)
    finally:
        # after an error (a bad page, a timeout) the pages not yet started are dropped
        pool.shutdown(wait=True, cancel_futures=True)
    return reader.builder.build()


class _Assembler:
    """Adds pages to the Document in page order as soon as each one is read.

    Only the words of pages still being read are held; a page's words become tokens and are
    dropped once it is added, and page images live in the cache, never in memory. At most
    ``lookahead`` pages wait for OCR, so rendering does not run far ahead of tesseract.
    """

    def __init__(self, pages: PageCache, lookahead: int,
                 on_page: Callable[[int, int], None] | None = None) -> None:
        self.pages = pages
        self.lookahead = lookahead
        self.on_page = on_page
        self.total = 0  # pages of the document, set once it is opened
        self.done = 0
        self.builder = DocumentBuilder()
        self.slots: deque[tuple[PageReading, PageKey | None, Future[PageOcr] | None]] = deque()

    def push(self, reading: PageReading, key: PageKey | None = None,
             future: Future[PageOcr] | None = None) -> None:
        self.slots.append((reading, key, future))
        self.drain(wait=len(self.slots) > self.lookahead)

    def drain(self, *, wait: bool) -> None:
        """Add the finished pages at the head; with ``wait``, wait for all queued pages."""
        while self.slots:
            reading, key, future = self.slots[0]
            if future is not None:
                if not wait and not future.done():
                    return
                page = future.result()
                reading.words = page.words
                reading.width, reading.height = page.width, page.height
                reading.image_path = page.image_path
                assert key is not None
                self.pages.put_words(key, {"source": "ocr", "width": page.width,
                                           "height": page.height, "rotation": page.rotation,
                                           "words": page.words})
            self.builder.add(reading)
            reading.words = []
            self.slots.popleft()
            self.done += 1
            if self.on_page is not None:
                self.on_page(self.done, self.total)


def _submit_ocr(pool: ThreadPoolExecutor, image_path: Path, image_key: PageKey, opts: OcrOptions,
                pages: PageCache, label: str) -> Future[PageOcr]:
    with Image.open(image_path) as image:  # the header only: boxes follow the real image size
        size = image.size

    def store_rotated(degrees: int, image: Image.Image) -> Path:
        return pages.put_image(replace(image_key, reader=f"rotated {degrees}"), image)

    return pool.submit(read_page, str(image_path), size, opts, label=label,
                       store_rotated=store_rotated)


def _cached_ocr(pages: PageCache, key: PageKey, image_key: PageKey) -> PageReading | None:
    """A page's cached OCR reading with its (possibly turned) image, or None to read it again."""
    cached = pages.get_words(key)
    if cached is None:
        return None
    rotation = int(cached.get("rotation") or 0)
    image_path = pages.get_image(replace(image_key, reader=f"rotated {rotation}") if rotation
                                 else image_key)
    if image_path is None or "width" not in cached:
        return None
    return PageReading(key.page, int(cached["width"]), int(cached["height"]), key.dpi, "ocr",
                       words=cached["words"], image_path=str(image_path))


def _read_pdf(name: str, sha: str, opts: OcrOptions, pages: PageCache,
              pool: ThreadPoolExecutor, reader: _Assembler) -> None:
    pdf = rasterize.open_pdf(name, opts.password)
    try:
        if len(pdf) == 0:
            raise DocumentError(f"{name}: the PDF has no pages")
        check_pages(name, len(pdf), opts.max_pages)
        reader.total = len(pdf)
        ocr_reader = None
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = rasterize.pdf_page_pixels(page, opts.dpi)
            rasterize.check_pixels(name, index, width, height, opts.max_pixels, opts.dpi)
            # OCR's render (grayscale by default) is cached apart from the labeling view's
            # colour page, so neither is ever served in place of the other
            image_key = PageKey(sha, index, opts.dpi, "",
                                render_variant(opts.rasterizer, opts.grayscale))
            words = None
            if not opts.force_ocr:
                words = _textlayer_words(page, PageKey(sha, index, opts.dpi, textlayer_version()),
                                         opts, pages)
            if words is not None:
                # not rendered: point at the view's colour page if it was rendered already
                image = pages.get_image(PageKey(sha, index, opts.dpi, "",
                                                render_variant(opts.rasterizer)))
                reader.push(PageReading(index, width, height, opts.dpi, "textlayer", words=words,
                                        image_path=str(image) if image else None))
            else:
                ocr_reader = ocr_reader or reader_key(opts)
                key = PageKey(sha, index, opts.dpi, ocr_reader, image_key.render)
                cached = _cached_ocr(pages, key, image_key)
                if cached is not None:
                    reader.push(cached)
                else:
                    image_path = pages.get_image(image_key)
                    if image_path is None:
                        rendered = rasterize.render_pdf_page(
                            name, pdf, index, dpi=opts.dpi, max_pixels=opts.max_pixels,
                            rasterizer=opts.rasterizer, password=opts.password,
                            grayscale=opts.grayscale)
                        image_path = pages.put_image(image_key, rendered)
                        del rendered  # only the cached file's path is kept
                    label = f"{name} page {index + 1}"
                    reading = PageReading(index, width, height, opts.dpi, "ocr")
                    reader.push(reading, key, _submit_ocr(pool, image_path, image_key, opts,
                                                          pages, label))
            page.close()
    finally:
        pdf.close()


def check_pages(name: str, pages: int, max_pages: int) -> None:
    """Refuse a document longer than ``max_pages`` before any page is rendered or read."""
    if pages > max_pages:
        raise DocumentError(
            f"{name}: has {pages} pages, over the limit of {max_pages} (OcrOptions.max_pages); "
            "split the document, or raise max_pages if it is trusted and really that long")


def _textlayer_words(page: Any, key: PageKey, opts: OcrOptions,
                     pages: PageCache) -> list[dict[str, Any]] | None:
    """The page's text-layer words if there are enough of them, else None (OCR the page)."""
    cached = pages.get_words(key)
    if cached is None:
        cached = {"source": "textlayer", "words": page_words(page, opts.dpi)}
        pages.put_words(key, cached)
    words = cached["words"]
    return words if text_chars(words) >= opts.min_text_chars else None


def _read_image(name: str, sha: str, opts: OcrOptions, pages: PageCache,
                pool: ThreadPoolExecutor, reader: _Assembler) -> None:
    image = rasterize.open_image(name, opts.max_pixels)
    frames = rasterize.image_frame_count(image)
    image.close()
    check_pages(name, frames, opts.max_pages)
    reader.total = frames
    ocr_reader = reader_key(opts)
    for index in range(frames):
        image_key = PageKey(sha, index, None, "")
        key = PageKey(sha, index, None, ocr_reader)
        cached = _cached_ocr(pages, key, image_key)
        if cached is not None:
            reader.push(cached)
            continue
        image_path = pages.get_image(image_key)
        if image_path is None:
            frame = rasterize.load_image_frame(name, index, opts.max_pixels)
            image_path = pages.put_image(image_key, frame)
            del frame
        label = f"{name} page {index + 1}" if frames > 1 else name
        reading = PageReading(index, 0, 0, None, "ocr")
        reader.push(reading, key, _submit_ocr(pool, image_path, image_key, opts, pages, label))


def page_image(
    path: str | os.PathLike[str],
    page: int = 0,
    *,
    dpi: int = 200,
    cache: CacheLike = None,
    password: str | None = None,
    max_pixels: int | None = None,
    rasterizer: str = "pypdfium2",
    grayscale: bool = False,
) -> str:
    """The PNG of one page for the labeling view, from the cache (rendered and cached if missing).

    ``page`` is 0-based. For image files ``dpi`` is ignored (their own pixels are used).
    A PDF page is rendered in colour by ``rasterizer`` unless ``grayscale``; each variant is
    cached under its own key, so OCR's grayscale render is never shown in place of colour.
    This is the page as stored; a page that OCR turned upright has its turned image in
    ``Document.pages[i].image_path``, which is what its token boxes refer to.
    """
    name = os.fspath(path)
    limit = max_pixels or OcrOptions().max_pixels
    kind = rasterize.sniff(name)
    pages = as_cache(cache)
    sha = pages.file_digest(name)
    key = (PageKey(sha, page, dpi, "", render_variant(rasterizer, grayscale)) if kind == "pdf"
           else PageKey(sha, page, None, ""))
    found = pages.get_image(key)
    if found is not None:
        return str(found)
    if kind == "pdf":
        pdf = rasterize.open_pdf(name, password)
        try:
            if not 0 <= page < len(pdf):
                raise DocumentError(f"{name}: has no page {page + 1} (it has {len(pdf)})")
            image = rasterize.render_pdf_page(name, pdf, page, dpi=dpi, max_pixels=limit,
                                              rasterizer=rasterizer, password=password,
                                              grayscale=grayscale)
        finally:
            pdf.close()
    else:
        image = rasterize.load_image_frame(name, page, limit)
    return str(pages.put_image(key, image))
