"""OCR and text layer on real documents: word recall, boxes that line up, caching, chunks."""

from __future__ import annotations

import statistics
import time

import pypdfium2 as pdfium
import pytest
from ocr_fixtures import (
    ENCRYPTED_PDF,
    SCANNED_PNG,
    SCANNED_TRUTH,
    digital_pdf,
    overlay,
    scanned_pdf,
    word_recall,
)
from PIL import Image

from preannotate_lab.model import Span
from preannotate_lab.ocr import (
    PAGE_SEPARATOR,
    PageCache,
    apply_boxes,
    load_document,
    merge_span_boxes,
    page_image,
    token_spans,
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> PageCache:
    return PageCache(tmp_path_factory.mktemp("page-cache"))


@pytest.fixture(scope="module")
def digital(cache):
    return load_document(digital_pdf(), cache=cache)


def _iou(a, b) -> float:
    w = min(a.x2, b.x2) - max(a.x, b.x)
    h = min(a.y2, b.y2) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.width * a.height + b.width * b.height - inter)


def test_digital_pdf_uses_its_text_layer_with_full_recall(digital):
    pdf = pdfium.PdfDocument(str(digital_pdf()))
    truth = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert len(digital.pages) == len(pdf) == 17
    assert {p.source for p in digital.pages} == {"textlayer"}
    assert word_recall(digital.text, truth) >= 0.99
    assert digital.text.startswith("Shared MIME-info Database\n")
    # pages are joined by a blank line, and every token's text sits at its offsets
    assert digital.text.count(PAGE_SEPARATOR) >= len(pdf) - 1
    assert all(digital.text[t.start:t.end] == t.text for t in digital.tokens)
    page0 = digital.pages[0]
    assert (page0.width, page0.height, page0.dpi) == (1694, 2192, 200)  # 609.7 x 789 pt at 200 dpi
    for token in digital.tokens:
        box = token.box
        assert box is not None and token.page == box.page
        assert 0 <= box.x and box.x2 <= box.page_width + 1 and 0 <= box.y and box.y2 <= box.page_height + 1


def test_text_layer_boxes_line_up_with_ocr_boxes(digital, cache, tmp_path):
    """The same words read by tesseract from the rendered page sit in the same places."""
    ocr = load_document(digital_pdf(), cache=cache, force_ocr=True, workers=2)
    assert {p.source for p in ocr.pages} == {"ocr"}
    layer_words = [t for t in digital.tokens if t.page == 0]
    ocr_words = [t for t in ocr.tokens if t.page == 0]
    ious = []
    for word in layer_words:
        same = [o for o in ocr_words if o.text == word.text]
        if same:
            ious.append(max(_iou(word.box, o.box) for o in same))
    assert len(ious) >= 0.8 * len(layer_words)
    assert statistics.median(ious) >= 0.6
    image = page_image(digital_pdf(), 0, dpi=200, cache=cache)
    assert Image.open(image).size == (1694, 2192)
    assert _ink_inside(image, [t.box for t in layer_words]) >= 0.99
    out = overlay(image, [t.box for t in layer_words], "digital-page1-textlayer.png")
    overlay(str(out), [t.box for t in ocr_words], "digital-page1-textlayer-vs-ocr.png", color="blue")
    # OCR of a digital page still recalls its words
    assert word_recall(ocr.text, digital.text) >= 0.95


def test_scanned_image_recall_against_transcription(cache):
    truth = SCANNED_TRUTH.read_text(encoding="utf-8")
    doc = load_document(SCANNED_PNG, cache=cache, thresholding="sauvola")
    assert [p.source for p in doc.pages] == ["ocr"]
    assert (doc.pages[0].width, doc.pages[0].height) == (384, 191)
    assert word_recall(doc.text, truth) >= 0.8
    assert doc.text.splitlines()[0] == "Region-based segmentation"
    assert all(t.confidence is not None for t in doc.tokens)
    overlay(doc.pages[0].image_path, [t.box for t in doc.tokens], "scanned-page-ocr.png")
    # the heading's words have boxes on the first visual line, left to right
    head = [t for t in doc.tokens if t.line == 0]
    assert [t.text for t in head] == ["Region-based", "segmentation"]
    assert head[0].box.x < head[1].box.x and head[0].box.y < 40


def test_scanned_pdf_is_ocred_page_by_page(cache, tmp_path):
    """An image-only PDF (the scanned page wrapped by Pillow) has no text layer: OCR it."""
    truth = SCANNED_TRUTH.read_text(encoding="utf-8")
    doc = load_document(scanned_pdf(tmp_path), cache=cache, dpi=200, thresholding="sauvola")
    assert [p.source for p in doc.pages] == ["ocr"]
    page = doc.pages[0]
    # a 100 dpi page rendered at 200 dpi; the Page size is exactly the rendered PNG's size
    assert abs(page.width - 768) <= 1 and abs(page.height - 382) <= 1
    assert Image.open(page.image_path).size == (page.width, page.height)
    assert Image.open(page.image_path).mode == "L"  # OCRed pages are rendered in grayscale
    assert word_recall(doc.text, truth) >= 0.8


def test_multi_page_tiff(cache, tmp_path):
    page = Image.open(SCANNED_PNG)
    path = tmp_path / "two-pages.tiff"
    page.save(path, save_all=True, append_images=[page.rotate(0)], compression="tiff_lzw")
    doc = load_document(path, cache=cache, thresholding="sauvola")
    assert [p.index for p in doc.pages] == [0, 1]
    first = [t.text for t in doc.tokens if t.page == 0]
    second = [t.text for t in doc.tokens if t.page == 1]
    assert first == second and "segmentation" in first
    assert max(t.line for t in doc.tokens if t.page == 0) < min(t.line for t in doc.tokens if t.page == 1)


def test_cache_serves_second_read_and_keys_on_settings(tmp_path):
    cache = PageCache(tmp_path / "cache")
    t0 = time.perf_counter()
    first = load_document(SCANNED_PNG, cache=cache, thresholding="sauvola")
    t1 = time.perf_counter()
    again = load_document(SCANNED_PNG, cache=cache, thresholding="sauvola")
    t2 = time.perf_counter()
    assert again.tokens == first.tokens and again.text == first.text
    assert (t2 - t1) * 20 < (t1 - t0)
    stored = sorted(p.suffix for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert stored == [".json", ".png"]
    # another psm is another reading: a second words file, the same page image
    load_document(SCANNED_PNG, cache=cache, thresholding="sauvola", psm=6)
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 2
    assert len(list((tmp_path / "cache").rglob("*.png"))) == 1
    assert not list((tmp_path / "cache").rglob("*.tmp"))


def test_two_line_entity_becomes_one_chunk_with_two_boxes(digital):
    tokens = digital.tokens
    # the last word of a line and the first word of the next line, on the same page
    i = next(i for i in range(len(tokens) - 1)
             if tokens[i].line + 1 == tokens[i + 1].line and tokens[i].page == tokens[i + 1].page
             and tokens[i].text.isalpha() and tokens[i + 1].text.isalpha())
    a, b = tokens[i], tokens[i + 1]
    span = Span(a.start, b.end, "TERM", digital.text[a.start:b.end])
    chunk = merge_span_boxes(digital, span)
    assert (chunk.start, chunk.end, chunk.id) == (span.start, span.end, span.id)
    assert chunk.boxes == (a.box, b.box)
    assert chunk.boxes[0].y2 <= chunk.boxes[1].y + 1  # second box is below the first
    parts = token_spans(digital, span)
    assert [(p.text, p.boxes) for p in parts] == [(a.text, (a.box,)), (b.text, (b.box,))]
    # three words on one line merge into one box that holds all three
    j = next(j for j in range(len(tokens) - 2)
             if tokens[j].line == tokens[j + 2].line and tokens[j].page == tokens[j + 2].page)
    one_line = Span(tokens[j].start, tokens[j + 2].end, "TERM", "")
    (box,) = merge_span_boxes(digital, one_line).boxes
    assert box.x == tokens[j].box.x and box.x2 == pytest.approx(tokens[j + 2].box.x2)
    # apply_boxes fills only spans without boxes and passes other results through
    filled = apply_boxes(digital, [span, chunk])
    assert filled[0].boxes == chunk.boxes and filled[1] is chunk


def test_entity_across_a_page_break_gets_a_box_on_each_page(digital):
    last = [t for t in digital.tokens if t.page == 0][-1]
    first = [t for t in digital.tokens if t.page == 1][0]
    chunk = merge_span_boxes(digital, Span(last.start, first.end, "X", ""))
    assert [b.page for b in chunk.boxes] == [0, 1]


def test_encrypted_pdf_opens_with_its_password(cache):
    doc = load_document(ENCRYPTED_PDF, cache=cache, password="secret")
    assert doc.text == "Confidential patient record"
    assert [p.source for p in doc.pages] == ["textlayer"]


def test_pdf2image_rasterizer_renders_the_same_page(cache, tmp_path):
    pdf = scanned_pdf(tmp_path)
    a = load_document(pdf, cache=PageCache(tmp_path / "a"), dpi=150, force_ocr=True)
    b = load_document(pdf, cache=PageCache(tmp_path / "b"), dpi=150, force_ocr=True,
                      rasterizer="pdf2image")
    assert abs(a.pages[0].width - 576) <= 1 and abs(a.pages[0].height - 287) <= 1
    assert abs(Image.open(b.pages[0].image_path).size[0] - a.pages[0].width) <= 1
    assert word_recall(b.text, a.text) >= 0.7


def test_tesseract_runs_single_threaded_without_touching_our_environment():
    import os

    import pytesseract.pytesseract as pt

    from preannotate_lab.ocr import tesseract

    assert tesseract.tesseract_version()
    env = pt.subprocess_args()["env"]
    assert env["OMP_THREAD_LIMIT"] == "1"
    assert os.environ.get("OMP_THREAD_LIMIT") != "1" or "OMP_THREAD_LIMIT" in env


def _ink_inside(image_path: str, boxes) -> float:
    """Share of boxes that hold dark pixels (ink): boxes that line up with the words do."""
    image = Image.open(image_path).convert("L")
    inked = 0
    for box in boxes:
        crop = image.crop((int(box.x), int(box.y), int(box.x2) + 1, int(box.y2) + 1))
        inked += crop.getextrema()[0] < 128
    return inked / max(1, len(boxes))


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_text_layer_boxes_follow_a_rotated_page(tmp_path, rotation):
    src = pdfium.PdfDocument(str(digital_pdf()))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [0])
    out[0].set_rotation(rotation)
    path = tmp_path / f"rotated-{rotation}.pdf"
    out.save(str(path))
    cache = PageCache(tmp_path / "cache")
    doc = load_document(path, cache=cache, dpi=100)
    page = doc.pages[0]
    assert page.source == "textlayer"
    assert (page.width > page.height) == (rotation != 180)  # a quarter turn makes it landscape
    image = page_image(path, 0, dpi=100, cache=cache)
    assert Image.open(image).size == (page.width, page.height)
    assert _ink_inside(image, [t.box for t in doc.tokens]) >= 0.97
    title = doc.tokens[0].box  # "Shared", at the top of the unrotated page
    if rotation == 90:
        assert title.x > page.width / 2  # the top edge turned to the right
    elif rotation == 180:
        assert title.y > page.height / 2
    else:
        assert title.x2 < page.width / 2
