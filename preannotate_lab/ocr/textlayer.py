"""Words and boxes of digital-born PDF pages from PDFium's character boxes (no OCR).

Characters are grouped into words at whitespace (and at a jump in position), words into lines
where the next character no longer overlaps the line vertically or moves back to the left.
PDF points (origin bottom-left) become pixels of the page rendered at ``dpi`` (origin
top-left, y flipped), so text-layer boxes and OCR boxes live in the same space.
"""

from __future__ import annotations

from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

_BREAKS = {" ", "\t", "\r", "\n", "\x00", "\xa0", "\ufffe", "\uffff"}


def textlayer_version() -> str:
    """Part of the cache key: a newer PDFium may read text differently."""
    return f"textlayer pdfium {pdfium.PDFIUM_INFO.build}"


def page_words(page: pdfium.PdfPage, dpi: int) -> list[dict[str, Any]]:
    """The words of a PDF page as ``{"text", "x", "y", "w", "h", "conf", "line"}`` in pixels.

    ``line`` is the index of the visual line within the page, in content order.
    """
    left, bottom, right, top = page.get_cropbox()
    to_pixels = _pixel_mapper(left, bottom, right, top, dpi, page.get_rotation())
    textpage = page.get_textpage()
    try:
        words: list[dict[str, Any]] = []
        chars: list[tuple[str, tuple[float, float, float, float]]] = []
        line = 0
        line_box: tuple[float, float] | None = None  # (bottom, top) of the current line in points
        last_right: float | None = None

        def flush() -> None:
            if not chars:
                return
            # clipped to the visible page: text running off the page keeps its visible part
            x0 = max(left, min(b[0] for _, b in chars))
            y0 = max(bottom, min(b[1] for _, b in chars))
            x1 = min(right, max(b[2] for _, b in chars))
            y1 = min(top, max(b[3] for _, b in chars))
            if x1 <= x0 or y1 <= y0:
                chars.clear()  # entirely off the page: invisible, so not a word of the page
                return
            px, py, pw, ph = to_pixels(x0, y0, x1, y1)
            words.append({
                "text": "".join(c for c, _ in chars),
                "x": round(px, 1), "y": round(py, 1), "w": round(pw, 1), "h": round(ph, 1),
                "conf": None, "line": line,
            })
            chars.clear()

        for i in range(textpage.count_chars()):
            ch = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
            if ch in _BREAKS or ch.isspace():
                flush()
                continue
            box = textpage.get_charbox(i)  # (left, bottom, right, top) in points
            if box[2] <= box[0] and box[3] <= box[1]:
                continue  # generated characters have no box
            if line_box is not None:
                overlap = min(line_box[1], box[3]) - max(line_box[0], box[1])
                height = max(1e-6, min(line_box[1] - line_box[0], box[3] - box[1]))
                back = last_right is not None and box[0] < last_right - 2 * height
                if overlap < 0.4 * height or back:
                    flush()
                    line += 1
                    line_box = None
            if chars and line_box is not None and last_right is not None \
                    and box[0] - last_right > 0.8 * (line_box[1] - line_box[0]):
                flush()  # a wide gap without a space character (table cells)
            chars.append((ch, box))
            line_box = (box[1], box[3]) if line_box is None else (
                min(line_box[0], box[1]), max(line_box[1], box[3]))
            last_right = box[2]
        flush()
        _renumber_lines(words)
        return words
    finally:
        textpage.close()


def _pixel_mapper(left: float, bottom: float, right: float, top: float, dpi: int, rotation: int):
    """Map a box in PDF points to (x, y, w, h) in pixels of the page as rendered.

    PDF space has its origin bottom-left; images top-left. A page with ``/Rotate`` is rendered
    turned clockwise, so its boxes are turned the same way.
    """
    scale = dpi / 72.0
    width, height = (right - left) * scale, (top - bottom) * scale

    def to_pixels(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        ax, bx = (x0 - left) * scale, (x1 - left) * scale  # unrotated, top-left origin
        ay, by = (top - y1) * scale, (top - y0) * scale
        if rotation == 90:
            ax, ay, bx, by = height - by, ax, height - ay, bx
        elif rotation == 180:
            ax, ay, bx, by = width - bx, height - by, width - ax, height - ay
        elif rotation == 270:
            ax, ay, bx, by = ay, width - bx, by, width - ax
        return ax, ay, bx - ax, by - ay

    return to_pixels


def _renumber_lines(words: list[dict[str, Any]]) -> None:
    """Make line numbers consecutive (lines whose chars were all spaces leave gaps)."""
    mapping: dict[int, int] = {}
    for word in words:
        word["line"] = mapping.setdefault(word["line"], len(mapping))


def text_chars(words: list[dict[str, Any]]) -> int:
    """Non-space characters of a page: decides text layer vs OCR."""
    return sum(len(w["text"]) for w in words)
