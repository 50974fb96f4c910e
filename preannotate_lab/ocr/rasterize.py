"""Open PDFs and images safely and turn their pages into PIL images.

Every check happens before the expensive or dangerous step: the file's magic bytes before
parsing, the page size before rendering (PDFium has no decompression-bomb guard), the image
size before decoding. Every failure is a :class:`DocumentError` naming the file.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from .errors import DocumentError

_MAGIC = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
]
IMAGE_KINDS = ("png", "jpeg", "tiff", "gif", "bmp", "webp")
_EXPECTED = "a PDF or a PNG, JPEG, TIFF, GIF, BMP or WebP image"


def sniff(path: str | os.PathLike[str]) -> str:
    """The kind of a document file from its first bytes: ``"pdf"`` or an image kind."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        with open(name, "rb") as handle:
            head = handle.read(1024)
    except FileNotFoundError:
        raise DocumentError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise DocumentError(f"{name}: is a folder, not a PDF or image file") from None
    except OSError as exc:
        raise DocumentError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise DocumentError(f"{name}: the file is empty (0 bytes); re-export or re-copy it")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in head:  # PDF readers allow leading junk before the header
        return "pdf"
    suffix = Path(name).suffix.lower()
    looks = "text" if _looks_like_text(head) else "unknown binary data"
    named = f" although it is named {suffix}" if suffix else ""
    # never quote the file's bytes: a task may name a file it should not see (see paths.py)
    raise DocumentError(
        f"{name}: is not {_EXPECTED}{named}; its content is {looks}. "
        "Check that the file was exported correctly."
    )


def _looks_like_text(head: bytes) -> bool:
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in decoded)


# ---------------------------------------------------------------------------------------- PDF


def open_pdf(path: str | os.PathLike[str], password: str | None = None) -> pdfium.PdfDocument:
    """Open a PDF with PDFium, refusing truncated, damaged and locked files with a clear message."""
    name = os.fspath(path)
    with open(name, "rb") as handle:
        handle.seek(max(0, os.path.getsize(name) - 1024))
        tail = handle.read()
    if b"%%EOF" not in tail:
        # PDFium silently "repairs" a cut-off file and shows fewer pages: refuse it instead.
        raise DocumentError(
            f"{name}: the PDF looks truncated (no %%EOF end marker); the download or copy was "
            "probably cut off — get the complete file"
        )
    try:
        return pdfium.PdfDocument(name, password=password)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium.raw.FPDF_ERR_PASSWORD:
            if password is None:
                raise DocumentError(
                    f"{name}: the PDF is encrypted; pass password=... (OcrOptions(password=...))"
                ) from None
            raise DocumentError(f"{name}: the password given for this encrypted PDF is wrong") from None
        if code == pdfium.raw.FPDF_ERR_SECURITY:
            raise DocumentError(f"{name}: the PDF uses an unsupported security handler") from None
        raise DocumentError(f"{name}: the PDF is damaged and cannot be opened ({exc})") from None


def pdf_page_pixels(page: pdfium.PdfPage, dpi: int) -> tuple[int, int]:
    """The pixel size a page renders to at ``dpi`` (without rendering it)."""
    width, height = page.get_size()
    scale = dpi / 72.0
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def check_pixels(name: str, page: int, width: int, height: int, max_pixels: int, dpi: int | None) -> None:
    """Refuse a page or image larger than ``max_pixels`` before any pixel is decoded."""
    if width * height > max_pixels:
        at = f" at {dpi} dpi" if dpi else ""
        raise DocumentError(
            f"{name}: page {page + 1} would be {width} x {height} pixels{at} "
            f"({width * height / 1e6:.0f} million), over the limit of {max_pixels / 1e6:.0f} million; "
            "lower dpi or raise max_pixels if the file is trusted"
        )


def render_pdf_page(
    path: str | os.PathLike[str],
    pdf: pdfium.PdfDocument,
    index: int,
    *,
    dpi: int,
    max_pixels: int,
    rasterizer: str = "pypdfium2",
    password: str | None = None,
    grayscale: bool = False,
) -> Image.Image:
    """Render page ``index`` of an open PDF (RGB, or L if ``grayscale``) after checking its size."""
    name = os.fspath(path)
    page = pdf[index]
    width, height = pdf_page_pixels(page, dpi)
    check_pixels(name, index, width, height, max_pixels, dpi)
    if rasterizer == "pdf2image":
        image = _render_poppler(name, index, dpi, password)
        return image.convert("L") if grayscale else image
    try:
        bitmap = page.render(scale=dpi / 72.0, grayscale=grayscale)
        return bitmap.to_pil().convert("L" if grayscale else "RGB")
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"{name}: page {index + 1} cannot be rendered ({exc})") from None


def _render_poppler(name: str, index: int, dpi: int, password: str | None) -> Image.Image:
    try:
        from pdf2image import convert_from_path
    except ImportError:
        raise DocumentError(
            "rasterizer='pdf2image' needs the pdf2image package (pip install pdf2image) and poppler"
        ) from None
    images = convert_from_path(
        # pdf2image annotates userpw as str, but its default (no password) is None
        name, dpi=dpi, first_page=index + 1, last_page=index + 1, userpw=password,  # type: ignore[arg-type]
    )
    if not images:
        raise DocumentError(f"{name}: poppler rendered no image for page {index + 1}")
    return images[0].convert("RGB")


# ------------------------------------------------------------------------------------- images


def open_image(path: str | os.PathLike[str], max_pixels: int) -> Image.Image:
    """Open an image lazily (header only) after checking its size against ``max_pixels``."""
    name = os.fspath(path)
    try:
        image = Image.open(name)
    except Image.DecompressionBombError as exc:
        raise DocumentError(f"{name}: the image is too large to open safely ({exc})") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise DocumentError(f"{name}: the image cannot be read ({exc}); is the file damaged?") from None
    check_pixels(name, 0, image.width, image.height, max_pixels, None)
    return image


def image_frame_count(image: Image.Image) -> int:
    """Pages of an image: frames of a multi-page TIFF (or GIF), else 1."""
    return int(getattr(image, "n_frames", 1) or 1)


def load_image_frame(path: str | os.PathLike[str], index: int, max_pixels: int) -> Image.Image:
    """Decode frame ``index`` of an image file fully, as RGB; truncated files are refused."""
    name = os.fspath(path)
    image = open_image(name, max_pixels)
    try:
        if index:
            image.seek(index)
            check_pixels(name, index, image.width, image.height, max_pixels, None)
        # load() decodes every byte: a cut-off JPEG/PNG raises here, not later in tesseract.
        image.load()
        return image.convert("RGB") if image.mode not in ("RGB", "L") else image.copy()
    except EOFError:
        raise DocumentError(f"{name}: has no page {index + 1}") from None
    except OSError as exc:
        raise DocumentError(
            f"{name}: the image is truncated or damaged ({exc}); get the complete file"
        ) from None
    finally:
        image.close()
