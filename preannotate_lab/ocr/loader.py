"""load_document: a PDF or image file -> Document, reading each page the cheapest good way.

Per PDF page: the text layer when it holds at least ``min_text_chars`` characters, else
render + OCR; ``force_ocr`` always OCRs. Image files (PNG, JPEG,
TIFF incl. multi-page) are OCRed frame by frame. Pages are rendered one after the other while
earlier pages are already being OCRed by the worker pool; every page reading is cached.
Text-layer pages are not rendered at all: :func:`page_image` renders them on demand.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..model import Document
from . import rasterize
from .cache import PageCache, PageKey
from .errors import DocumentError
from .layout import PageReading, build_document
from .options import OcrOptions, default_cache_root
from .tesseract import ocr_words, reader_key
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
    **overrides: Any,
) -> Document:
    """Read a PDF or image into a Document whose tokens carry page, box (pixels) and line.

    ``options`` or keyword overrides (``dpi=300, password="..."``) are :class:`OcrOptions`.
    Raises :class:`DocumentError` naming the file for anything unreadable.
    """
    opts = OcrOptions.coerce(options)
    if overrides:
        opts = replace(opts, **overrides)
    name = os.fspath(path)
    kind = rasterize.sniff(name)
    pages = as_cache(cache)
    sha = pages.file_digest(name)
    with ThreadPoolExecutor(max_workers=opts.workers or os.cpu_count() or 1,
                            thread_name_prefix="ocr") as pool:
        if kind == "pdf":
            readings, pending = _read_pdf(name, sha, opts, pages, pool)
        else:
            readings, pending = _read_image(name, sha, opts, pages, pool)
        for reading, key, future in pending:
            words = future.result()
            pages.put_words(key, {"source": "ocr", "width": reading.width,
                                  "height": reading.height, "words": words})
            reading.words = words
    return build_document(readings)


Pending = list[tuple[PageReading, PageKey, "Future[list[dict[str, Any]]]"]]


def _submit_ocr(pool: ThreadPoolExecutor, image_path: Path, opts: OcrOptions, label: str) -> Future:
    return pool.submit(ocr_words, str(image_path), opts, label=label)


def _read_pdf(name: str, sha: str, opts: OcrOptions, pages: PageCache,
              pool: ThreadPoolExecutor) -> tuple[list[PageReading], Pending]:
    pdf = rasterize.open_pdf(name, opts.password)
    readings: list[PageReading] = []
    pending: Pending = []
    try:
        if len(pdf) == 0:
            raise DocumentError(f"{name}: the PDF has no pages")
        ocr_reader = None
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = rasterize.pdf_page_pixels(page, opts.dpi)
            rasterize.check_pixels(name, index, width, height, opts.max_pixels, opts.dpi)
            image_key = PageKey(sha, index, opts.dpi, "")
            reading = PageReading(index, width, height, opts.dpi, "textlayer")
            words = None
            if not opts.force_ocr:
                words = _textlayer_words(page, PageKey(sha, index, opts.dpi, textlayer_version()),
                                         opts, pages)
            if words is None:
                reading.source = "ocr"
                ocr_reader = ocr_reader or reader_key(opts)
                key = PageKey(sha, index, opts.dpi, ocr_reader)
                cached = pages.get_words(key)
                if cached is not None:
                    words = cached["words"]
                else:
                    image_path = pages.get_image(image_key)
                    if image_path is None:
                        rendered = rasterize.render_pdf_page(
                            name, pdf, index, dpi=opts.dpi, max_pixels=opts.max_pixels,
                            rasterizer=opts.rasterizer, password=opts.password,
                            grayscale=opts.grayscale)
                        # poppler may round the size differently: boxes follow the real image
                        reading.width, reading.height = rendered.size
                        image_path = pages.put_image(image_key, rendered)
                    label = f"{name} page {index + 1}"
                    pending.append((reading, key, _submit_ocr(pool, image_path, opts, label)))
            reading.words = words or []
            image = pages.get_image(image_key)
            reading.image_path = str(image) if image else None
            readings.append(reading)
            page.close()
    finally:
        pdf.close()
    return readings, pending


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
                pool: ThreadPoolExecutor) -> tuple[list[PageReading], Pending]:
    image = rasterize.open_image(name, opts.max_pixels)
    frames = rasterize.image_frame_count(image)
    image.close()
    reader = reader_key(opts)
    readings: list[PageReading] = []
    pending: Pending = []
    for index in range(frames):
        image_key = PageKey(sha, index, None, "")
        key = PageKey(sha, index, None, reader)
        cached = pages.get_words(key)
        image_path = pages.get_image(image_key)
        if cached is None or image_path is None:
            frame = rasterize.load_image_frame(name, index, opts.max_pixels)
            image_path = pages.put_image(image_key, frame)
            size = frame.size
        else:
            size = (cached["width"], cached["height"])
        reading = PageReading(index, size[0], size[1], None, "ocr", image_path=str(image_path))
        if cached is not None:
            reading.words = cached["words"]
        else:
            label = f"{name} page {index + 1}" if frames > 1 else name
            pending.append((reading, key, _submit_ocr(pool, image_path, opts, label)))
        readings.append(reading)
    return readings, pending


def page_image(
    path: str | os.PathLike[str],
    page: int = 0,
    *,
    dpi: int = 200,
    cache: CacheLike = None,
    password: str | None = None,
    max_pixels: int | None = None,
    rasterizer: str = "pypdfium2",
) -> str:
    """The PNG of one page for the labeling view, from the cache (rendered and cached if missing).

    ``page`` is 0-based. For image files ``dpi`` is ignored (their own pixels are used).
    """
    name = os.fspath(path)
    limit = max_pixels or OcrOptions().max_pixels
    kind = rasterize.sniff(name)
    pages = as_cache(cache)
    sha = pages.file_digest(name)
    key = PageKey(sha, page, dpi if kind == "pdf" else None, "")
    found = pages.get_image(key)
    if found is not None:
        return str(found)
    if kind == "pdf":
        pdf = rasterize.open_pdf(name, password)
        try:
            if not 0 <= page < len(pdf):
                raise DocumentError(f"{name}: has no page {page + 1} (it has {len(pdf)})")
            image = rasterize.render_pdf_page(name, pdf, page, dpi=dpi, max_pixels=limit,
                                              rasterizer=rasterizer, password=password)
        finally:
            pdf.close()
    else:
        image = rasterize.load_image_frame(name, page, limit)
    return str(pages.put_image(key, image))
