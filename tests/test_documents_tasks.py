"""document_for: text tasks are tokenized, document tasks are read through the OCR layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocr_fixtures import SCANNED_PNG, digital_pdf

from preannotate_lab.documents import OcrOptions, document_for, tokenize
from preannotate_lab.model import Task
from preannotate_lab.ocr import PageCache, default_cache_root


def test_text_task_tokens_have_exact_offsets():
    text = "Dr. Smith's MIME-info costs $3.50, ok?\nNew line  here."
    doc = document_for(Task({"text": text}))
    assert [t.text for t in doc.tokens] == [
        "Dr", ".", "Smith's", "MIME-info", "costs", "$", "3.50", ",", "ok", "?",
        "New", "line", "here", ".",
    ]
    assert all(text[t.start:t.end] == t.text for t in doc.tokens)
    assert doc.text == text and not doc.is_visual
    assert all(t.box is None and t.page is None for t in doc.tokens)
    assert tokenize("") == []


def test_document_task_reads_the_pdf_with_options_and_cache(tmp_path):
    cache = PageCache(tmp_path / "pages")
    task = Task({"document": str(digital_pdf())}, id=3, kind="document")
    doc = document_for(task, ocr_options={"dpi": 100}, cache=cache)
    assert doc.is_visual and len(doc.pages) == 17
    assert doc.pages[0].dpi == 100 and doc.pages[0].width == 847  # 609.7 pt at 100 dpi
    assert doc.text.startswith("Shared MIME-info Database")
    assert any((tmp_path / "pages").rglob("*.json"))


def test_image_task_uses_the_default_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("PREANNOTATE_LAB_HOME", str(tmp_path / "home"))
    assert default_cache_root() == tmp_path / "home" / "page-cache"
    task = Task({"document": str(SCANNED_PNG)}, id=4, kind="document")
    doc = document_for(task, ocr_options=OcrOptions(thresholding="sauvola"))
    assert "segmentation" in doc.text
    assert Path(doc.pages[0].image_path).is_relative_to(tmp_path / "home" / "page-cache")


def test_ocr_options_are_checked():
    with pytest.raises(ValueError, match="dpi=5"):
        OcrOptions(dpi=5)
    with pytest.raises(ValueError, match="thresholding"):
        OcrOptions(thresholding="magic")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown OCR option"):
        OcrOptions.coerce({"langs": "eng"})
    assert OcrOptions.coerce({"lang": "eng", "psm": 6}).psm == 6
    assert "password" not in OcrOptions(password="x").to_dict()


def test_page_cache_and_options_cross_process_boundaries(tmp_path):
    import pickle

    cache = PageCache(tmp_path / "c")
    cache.file_digest(SCANNED_PNG)
    again = pickle.loads(pickle.dumps(cache))
    assert again.root == cache.root
    assert again.file_digest(SCANNED_PNG) == cache.file_digest(SCANNED_PNG)
    assert pickle.loads(pickle.dumps(OcrOptions(dpi=300))) == OcrOptions(dpi=300)
