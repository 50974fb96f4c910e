"""The page cache keeps each render of a PDF page (rasterizer, colour or grayscale) apart."""

from __future__ import annotations

from pathlib import Path

from ocr_fixtures import scanned_pdf
from PIL import Image

from preannotate_lab.ocr import OcrOptions, PageCache, load_document, page_image
from preannotate_lab.ocr.cache import PageKey, render_variant


def _mode(path: str | Path) -> str:
    with Image.open(path) as image:
        return image.mode


def test_render_variant_names_and_default_key_file_names(tmp_path: Path):
    assert render_variant() == ""
    assert render_variant(grayscale=True) == "gray"
    assert render_variant("pdf2image", True) == "pdf2image-gray"
    cache = PageCache(tmp_path)
    # the default (colour, default rasterizer) keeps the file name older caches used
    assert cache.image_path(PageKey("ab" * 32, 0, 200, "")).name == "page-0000@200.png"
    assert cache.image_path(PageKey("ab" * 32, 0, 200, "", "gray")).name == "page-0000@200-gray.png"


def test_labeling_view_gets_colour_after_grayscale_ocr(tmp_path: Path):
    pdf = scanned_pdf(tmp_path)
    cache = PageCache(tmp_path / "cache")
    doc = load_document(pdf, OcrOptions(dpi=100, grayscale=True), cache=cache)
    ocr_image = doc.pages[0].image_path
    assert doc.pages[0].source == "ocr" and _mode(ocr_image) == "L"
    view = page_image(pdf, 0, dpi=100, cache=cache)
    assert view != ocr_image and _mode(view) == "RGB"
    with Image.open(view) as a, Image.open(ocr_image) as b:
        assert a.size == b.size  # token boxes fit either image
    # asking for the grayscale render finds the one OCR cached
    assert page_image(pdf, 0, dpi=100, cache=cache, grayscale=True) == ocr_image
    other = page_image(pdf, 0, dpi=100, cache=cache, rasterizer="pdf2image")
    assert other not in (view, ocr_image) and _mode(other) == "RGB"


def test_ocr_after_the_view_renders_its_own_grayscale_page(tmp_path: Path):
    pdf = scanned_pdf(tmp_path)
    cache = PageCache(tmp_path / "cache")
    view = page_image(pdf, 0, dpi=100, cache=cache)  # colour, rendered first
    gray = load_document(pdf, OcrOptions(dpi=100, grayscale=True), cache=cache)
    assert _mode(gray.pages[0].image_path) == "L" and gray.pages[0].image_path != view
    colour = load_document(pdf, OcrOptions(dpi=100, grayscale=False), cache=cache)
    assert _mode(colour.pages[0].image_path) == "RGB"
    assert len(gray.text.split()) > 20
    assert colour.text.split()[:5] == gray.text.split()[:5]
    # re-reading with the first options is served from the cache (same image file)
    again = load_document(pdf, OcrOptions(dpi=100, grayscale=True), cache=cache)
    assert again.pages[0].image_path == gray.pages[0].image_path and again.text == gray.text
