"""Real documents for the OCR tests: a digital-born PDF from a Debian package, a real scanned page.

* digital: ``shared-mime-info-spec.pdf`` installed by Debian's ``shared-mime-info`` package
  (17 pages, a real text layer); found with ``dpkg -L`` rather than a fixed path.
* scanned: ``preannotate_lab/data/tutorial/scanned-page.png``, a real scanned page (see
  ``tests/data/ocr/README.md``),
  with a transcription checked by eye; ``scanned_pdf`` wraps it into an image-only PDF.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from preannotate_lab import tutorials

DATA = Path(__file__).parent / "data" / "ocr"
SCANNED_PNG = Path(tutorials.__file__).parent / "data" / "tutorial" / "scanned-page.png"  # shipped for the tutorials
SCANNED_TRUTH = DATA / "scanned-page.txt"
ENCRYPTED_PDF = DATA / "encrypted-aes256.pdf"  # user password "secret"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "ocr"


def debian_file(package: str, name: str) -> Path:
    """A file shipped by a Debian package, or a failure that says which package to install."""
    try:
        return tutorials.debian_file(package, name)
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


def digital_pdf() -> Path:
    return debian_file("shared-mime-info", "shared-mime-info-spec.pdf")


def scanned_pdf(folder: Path, resolution: float = 100.0) -> Path:
    """The scanned page wrapped into a PDF without a text layer (made by Pillow)."""
    path = folder / "scanned-page.pdf"
    Image.open(SCANNED_PNG).convert("RGB").save(path, "PDF", resolution=resolution)
    return path


def scanned_pages_pdf(path: Path, pages: int, scale: float = 0.5) -> Path:
    """An image-only PDF of ``pages`` copies of the real scanned page (made by Pillow)."""
    page = Image.open(SCANNED_PNG).convert("L")
    page = page.resize((int(page.width * scale), int(page.height * scale)))
    page.save(path, "PDF", resolution=100.0 * scale, save_all=True, append_images=[page] * (pages - 1))
    return path


def words(text: str) -> list[str]:
    """Comparable words: lower-case alphanumeric runs."""
    return re.findall(r"[a-z0-9]+", text.lower())


def word_recall(found: str, truth: str) -> float:
    """Share of the true words (with multiplicity) that were found."""
    want, got = Counter(words(truth)), Counter(words(found))
    return sum(min(n, got[w]) for w, n in want.items()) / max(1, sum(want.values()))


def overlay(image_path: str, boxes, out_name: str, color: str = "red") -> Path:
    """Draw boxes on a page image and save it under artifacts/ocr/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image = Image.open(image_path).convert("RGB")
    draw = ImageDraw.Draw(image)
    for box in boxes:
        draw.rectangle([box.x, box.y, box.x2, box.y2], outline=color, width=2)
    out = ARTIFACTS / out_name
    image.save(out)
    return out
