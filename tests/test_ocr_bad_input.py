"""Bad files give a DocumentError that names the file and says what is wrong — and nothing else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from ocr_fixtures import ENCRYPTED_PDF, SCANNED_PNG, digital_pdf
from PIL import Image

from preannotate_lab.documents import document_for
from preannotate_lab.model import Task
from preannotate_lab.ocr import DocumentError, PageCache, load_document, page_image


@pytest.fixture
def cache(tmp_path) -> PageCache:
    return PageCache(tmp_path / "cache")


def _minimal_pdf(mediabox: str) -> bytes:
    """A one-page PDF with the given MediaBox and one line of text, with a correct xref."""
    stream = b"BT /F1 12 Tf 20 20 Td (huge page) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [" + mediabox.encode() + b"] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _error(path: Path, cache: PageCache, **options) -> str:
    with pytest.raises(DocumentError) as info:
        load_document(path, cache=cache, **options)
    message = str(info.value)
    assert str(path) in message  # every message names the file
    return message


def test_truncated_pdf(tmp_path, cache):
    data = digital_pdf().read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in _error(path, cache)


def test_damaged_pdf_body(tmp_path, cache):
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not a pdf body\n%%EOF\n")
    assert "damaged" in _error(path, cache)


def test_empty_file(tmp_path, cache):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert "empty (0 bytes)" in _error(path, cache)


def test_missing_file(tmp_path, cache):
    assert "not found" in _error(tmp_path / "nowhere.pdf", cache)


def test_encrypted_pdf_without_password(tmp_path, cache):
    path = tmp_path / "locked.pdf"
    path.write_bytes(ENCRYPTED_PDF.read_bytes())
    message = _error(path, cache)
    assert "encrypted" in message and "password=" in message
    assert "wrong" in _error(path, cache, password="not-it")


def test_text_file_named_png(tmp_path, cache):
    path = tmp_path / "scan.png"
    path.write_text("hello, I am a text file\n")
    message = _error(path, cache)
    assert "named .png" in message and "text" in message
    # the file's own bytes never appear: a task may name a file it must not see (issue 10)
    assert "hello" not in message and "I am" not in message


def test_page_beyond_the_pixel_limit_is_refused_before_rendering(tmp_path, cache):
    path = tmp_path / "huge.pdf"
    path.write_bytes(_minimal_pdf("0 0 14400 14400"))  # 200 x 200 inches
    message = _error(path, cache, force_ocr=True)
    assert "page 1" in message and "40000 x 40000 pixels" in message and "limit" in message
    assert not list((tmp_path / "cache").rglob("*.png"))  # nothing was rendered
    # the same check guards the labeling view's page images
    with pytest.raises(DocumentError, match="40000 x 40000"):
        page_image(path, 0, dpi=200, cache=cache)
    # a sane page of the same kind works, so the check is about size only
    small = tmp_path / "small.pdf"
    small.write_bytes(_minimal_pdf("0 0 300 100"))
    assert load_document(small, cache=cache).text == "huge page"


def test_image_beyond_the_pixel_limit(tmp_path, cache):
    assert "over the limit" in _error(SCANNED_PNG, cache, max_pixels=10_000)


def test_truncated_jpeg(tmp_path, cache):
    buffer = io.BytesIO()
    Image.open(SCANNED_PNG).convert("RGB").save(buffer, "JPEG", quality=90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) * 6 // 10])
    assert "truncated" in _error(path, cache)
    assert not list((tmp_path / "cache").rglob("*.json"))  # no half-read page was cached


def test_truncated_png(tmp_path, cache):
    data = SCANNED_PNG.read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in _error(path, cache)


def test_document_task_errors_name_the_task_or_file(tmp_path, cache):
    with pytest.raises(DocumentError, match="task 7: its document .* is a URL"):
        document_for(Task({"image": "https://example.invalid/a.png"}, id=7, kind="document"))
    with pytest.raises(DocumentError, match="task 6: a document task needs the path"):
        document_for(Task({"image": ["/p1.png"]}, id=6, kind="document"))
    with pytest.raises(DocumentError, match="task 8: a text task needs a string"):
        document_for(Task({"body": "x"}, id=8))
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match=str(path)):
        document_for(Task({"document": str(path)}, id=9, kind="document"), cache=cache)
    with pytest.raises(DocumentError, match="bad OCR options.*dpii"):
        document_for(Task({"document": str(path)}, id=9, kind="document"), ocr_options={"dpii": 3})
