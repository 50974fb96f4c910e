"""Read one page image with tesseract, turning it upright first when it lies sideways.

A scan stored sideways or upside down (and without a PDF ``/Rotate``) reads as low-confidence
garbage. Orientation detection (OSD, a second tesseract run) costs about as much as reading
the page again, so it runs only for pages that read poorly; the rotated reading is kept only
when it is clearly better, so a wrong OSD guess (it reports low certainty on small pages)
cannot make a page worse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from .options import OcrOptions
from .tesseract import detect_rotation, ocr_words

# clockwise degrees that turn the page upright -> the PIL transpose that does it
_TURN = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
         270: Image.Transpose.ROTATE_90}
# mean confidence points the rotated reading must gain to replace the original one
_MIN_GAIN = 5.0


@dataclass
class PageOcr:
    """Words of one page in the pixels of ``image_path`` (the upright image if it was turned)."""

    words: list[dict[str, Any]]
    image_path: str
    width: int
    height: int
    rotation: int = 0  # clockwise degrees applied to the stored page image


def mean_confidence(words: list[dict[str, Any]]) -> float:
    """Mean tesseract confidence (0-100) of the words; 0 for a page without words."""
    confs = [w["conf"] for w in words if w.get("conf") is not None]
    return sum(confs) / len(confs) if confs else 0.0


def read_page(
    image_path: str,
    size: tuple[int, int],
    options: OcrOptions,
    *,
    label: str,
    store_rotated: Callable[[int, Image.Image], Path],
) -> PageOcr:
    """OCR ``image_path``; if it reads poorly and ``options.auto_rotate``, try it upright.

    ``store_rotated(degrees, image)`` saves the turned page image (in the page cache) and
    returns its path, so the labeling view shows the page the boxes belong to.
    """
    words = ocr_words(image_path, options, label=label)
    page = PageOcr(words, image_path, size[0], size[1])
    if not options.auto_rotate or (words and mean_confidence(words) >= options.rotate_below_confidence):
        return page
    degrees = detect_rotation(image_path, options, label=label)
    if not degrees or degrees not in _TURN:
        return page
    with Image.open(image_path) as image:
        upright = image.transpose(_TURN[degrees])
    turned_path = store_rotated(degrees, upright)
    turned = ocr_words(str(turned_path), options, label=f"{label} (turned {degrees} degrees)")
    if mean_confidence(turned) < mean_confidence(words) + _MIN_GAIN:
        return page
    return PageOcr(turned, str(turned_path), upright.width, upright.height, degrees)
