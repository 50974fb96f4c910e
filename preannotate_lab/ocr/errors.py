"""The one error of the OCR layer: a document that cannot be read, and why."""

from __future__ import annotations

from ..errors import PreannotateError


class DocumentError(PreannotateError, ValueError):
    """A PDF or image that cannot be turned into a Document.

    The message names the file and says what is wrong with it and what to do (for example
    ``scan.pdf is encrypted; pass password=...``). Pre-annotation records it on the task and
    goes on with the other tasks.
    """


class PageTimeout(DocumentError):
    """Tesseract took longer than ``OcrOptions.page_timeout`` on one page and was stopped."""
