"""How documents are rendered and read: :class:`OcrOptions` and the default cache location."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

# Pillow's own decompression-bomb threshold; an A0 page at 200 dpi is ~62 million pixels.
DEFAULT_MAX_PIXELS = 89_478_485

DEFAULT_MAX_PAGES = 2_000

THRESHOLDING = {"otsu": 0, "adaptive-otsu": 1, "sauvola": 2}


@dataclass(frozen=True)
class OcrOptions:
    """Options for turning a PDF or an image into a Document.

    ``dpi``: render resolution of PDF pages (images keep their own pixels).
    ``force_ocr``: OCR every page even when the PDF has a usable text layer.
    ``password``: for encrypted PDFs.
    ``lang``/``psm``: tesseract language(s) (``"eng+deu"``) and page segmentation mode.
    ``thresholding``: tesseract binarisation. ``"sauvola"`` (default) thresholds locally, so it
    copes with the uneven lighting of real scans and photographed pages (word recall 0.86 vs
    0.57 with Otsu on the scanned test page) at the same recall and ~1% more CPU on clean
    rendered pages; ``"otsu"`` is tesseract's own default.
    ``page_timeout``: seconds tesseract may spend on one page (``None``: no limit); a page over
    it raises :class:`DocumentError` naming the file and page, so one pathological page cannot
    hang a bulk job. Not part of the cache key: a page that timed out is not cached.
    ``auto_rotate``: when a page reads poorly (mean word confidence under
    ``rotate_below_confidence``), ask tesseract's orientation detection (OSD) whether the page
    lies sideways or upside down, and keep the rotated reading if it is better. Needs
    ``osd.traineddata``; without it pages are read as they are.
    ``rasterizer``: ``"pypdfium2"`` (default, fast) or ``"pdf2image"`` (poppler).
    ``max_pixels``: pages or images larger than this are refused before rendering.
    ``max_pages``: documents with more pages (PDF pages, TIFF frames) are refused before any
    page is read, so one hostile or mistaken file cannot keep a job busy for hours.
    ``min_text_chars``: a PDF page whose text layer has fewer non-space characters is OCRed.
    ``workers``: tesseract processes run at once (default: the number of CPUs).
    ``grayscale``: render PDF pages that are OCRed in grayscale — what tesseract reads anyway,
    and ~3x cheaper to render and store than color; ``False`` keeps their color for the
    labeling view. (Text-layer pages are rendered in color when the view asks for them.)
    """

    dpi: int = 200
    force_ocr: bool = False
    password: str | None = None
    lang: str = "eng"
    psm: int = 3
    engine: Literal["tesseract"] = "tesseract"
    thresholding: Literal["otsu", "adaptive-otsu", "sauvola"] = "sauvola"
    rasterizer: Literal["pypdfium2", "pdf2image"] = "pypdfium2"
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_pages: int = DEFAULT_MAX_PAGES
    min_text_chars: int = 20
    workers: int | None = None
    grayscale: bool = True
    page_timeout: float | None = 300.0
    auto_rotate: bool = True
    rotate_below_confidence: float = 60.0

    def __post_init__(self) -> None:
        if not 20 <= self.dpi <= 1200:
            raise ValueError(f"dpi={self.dpi} is out of range; use 20..1200 (200 is a good default)")
        if self.engine != "tesseract":
            raise ValueError(f"unknown OCR engine {self.engine!r}; the supported one is 'tesseract'")
        if self.thresholding not in THRESHOLDING:
            raise ValueError(f"unknown thresholding {self.thresholding!r}; use one of {sorted(THRESHOLDING)}")
        if self.rasterizer not in ("pypdfium2", "pdf2image"):
            raise ValueError(f"unknown rasterizer {self.rasterizer!r}; use 'pypdfium2' or 'pdf2image'")
        if self.max_pixels <= 0:
            raise ValueError("max_pixels must be positive")
        if self.max_pages < 1:
            raise ValueError(f"max_pages={self.max_pages} must be at least 1")
        if self.page_timeout is not None and not self.page_timeout > 0:
            raise ValueError(f"page_timeout={self.page_timeout} must be positive seconds or None")

    @classmethod
    def coerce(cls, value: OcrOptions | Mapping[str, Any] | None) -> OcrOptions:
        """Options from an OcrOptions, a plain dict (unknown keys raise TypeError) or None."""
        if value is None:
            return cls()
        if isinstance(value, OcrOptions):
            return value
        known = {f.name for f in fields(cls)}
        value = dict(value)
        unknown = sorted(set(value) - known)
        if unknown:
            raise TypeError(f"unknown OCR option(s) {unknown}; known: {sorted(known)}")
        return cls(**value)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("password")  # never stored or logged
        return data


def default_home() -> Path:
    """The user-level data folder: ``$PREANNOTATE_LAB_HOME`` or ``~/.local/share/preannotate_lab``."""
    env = os.environ.get("PREANNOTATE_LAB_HOME")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "preannotate_lab"


def default_cache_root() -> Path:
    """Where rendered pages and OCR words are cached when no cache is given: ``<home>/page-cache``.

    One cache for all projects on purpose: the key is the file's content hash, so the same
    PDF imported into two projects is OCRed once. Pass ``PageCache(project_dir / "pages")``
    to keep a project's pages next to it instead.
    """
    return default_home() / "page-cache"
