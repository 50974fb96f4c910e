"""OCR layer: PDFs and images -> Documents whose tokens carry page, box and line.

    from preannotate_lab.ocr import load_document, PageCache, merge_span_boxes
    doc = load_document("scan.pdf", dpi=200, cache=PageCache("pages"))

Digital-born PDF pages are read from their text layer (no OCR); scanned pages and images go
through tesseract (local Sauvola thresholding for uneven scans; sideways pages turned upright
when they read poorly; a per-page timeout); every page reading is cached by content. Spans
found in the text map back to boxes with :func:`merge_span_boxes` (one chunk, one box per
line) or :func:`token_spans`.
"""

from __future__ import annotations

from .cache import PageCache, PageKey
from .chunks import apply_boxes, line_boxes, merge_span_boxes, token_boxes, token_spans
from .errors import DocumentError, PageTimeout
from .layout import PAGE_SEPARATOR, PageReading, build_document
from .loader import load_document, page_image
from .options import OcrOptions, default_cache_root, default_home

__all__ = [
    "PAGE_SEPARATOR", "DocumentError", "OcrOptions", "PageCache", "PageKey", "PageReading",
    "PageTimeout", "apply_boxes", "build_document", "default_cache_root", "default_home", "line_boxes",
    "load_document", "merge_span_boxes", "page_image", "token_boxes", "token_spans",
]
