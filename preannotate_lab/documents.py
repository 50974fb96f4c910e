"""Every task becomes a Document: text tasks are tokenized, document tasks are read page by page.

    from preannotate_lab.documents import document_for, OcrOptions
    doc = document_for(task, ocr_options=OcrOptions(dpi=300), cache=PageCache("pages"))

Page images and OCR words are cached by file content in ``cache`` (a :class:`PageCache` or a
folder); ``None`` uses the user-level cache ``$PREANNOTATE_LAB_HOME/page-cache`` (default
``~/.local/share/preannotate_lab/page-cache``), shared by all projects so a PDF imported twice
is read once. Pass ``PageCache(<project folder>/"pages")`` to keep pages with a project.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .model import DOCUMENT_KEYS, Document, Task, Token, document_path
from .ocr import DocumentError, OcrOptions, PageCache, default_cache_root, load_document
from .paths import DocumentPathError, HasRoots, allowed_path

__all__ = ["DocumentError", "OcrOptions", "PageCache", "default_cache_root", "document_for",
           "readable_path", "text_document", "tokenize"]

# Words (with inner hyphens/apostrophes, like "MIME-info" or "don't"), numbers with inner
# dots/commas ("3.5", "1,000"), and every other non-space character as its own token.
_TOKEN = re.compile(r"\w+(?:[-'’.,]\w+)*|[^\w\s]")

def tokenize(text: str) -> list[Token]:
    """Whitespace/punctuation tokens with character offsets (no pages, no boxes)."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def text_document(text: str) -> Document:
    """A Document of plain text with simple tokens."""
    return Document(text=text, tokens=tokenize(text))


def document_for(
    task: Task,
    *,
    ocr_options: OcrOptions | Mapping[str, Any] | None = None,
    cache: PageCache | str | os.PathLike[str] | None = None,
    project: HasRoots | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> Document:
    """The Document of a task. Raises :class:`DocumentError` naming the task for bad input.

    ``project``: the task's project; its file is read only if it lies under a folder the
    project allows (:func:`readable_path`). Every reader of a stored task passes it; without
    it the caller vouches for the file (a Task built in Python). ``on_page(done, pages)`` is
    called after each page is read.
    """
    where = f"task {task.id}" if task.id is not None else "task"
    if task.kind == "text":
        text = task.data.get("text")
        if not isinstance(text, str):
            raise DocumentError(
                f"{where}: a text task needs a string under data['text']; "
                f"found keys {sorted(task.data)}"
            )
        return text_document(text)
    if task.kind != "document":
        raise DocumentError(f"{where}: unknown task kind {task.kind!r}; use 'text' or 'document'")
    path = document_path(task.data)
    if path is None:
        raise DocumentError(
            f"{where}: a document task needs the path of its PDF or image under one of "
            f"data{list(DOCUMENT_KEYS)}; found keys {sorted(task.data)}"
        )
    if project is not None:
        path = str(readable_path(project, task))
    elif "://" in path or path.startswith("data:"):
        # only local files are read: fetching URLs would make OCR depend on the network
        raise DocumentError(
            f"{where}: its document {path[:120]!r} is a URL; download the file and import "
            "the local path instead"
        )
    try:
        options = OcrOptions.coerce(ocr_options)
    except (TypeError, ValueError) as exc:
        raise DocumentError(f"{where}: bad OCR options: {exc}") from None
    return load_document(path, options, cache=cache, on_page=on_page)


def readable_path(project: HasRoots, task: Task) -> Path:
    """The real path of a document task's file if its project may read it, else DocumentError.

    The read-time side of the import gate (:func:`paths.allowed_path`): OCR, exports of page
    images and the labeling view all ask here before opening a task's file.
    """
    where = f"task {task.id}" if task.id is not None else "task"
    path = document_path(task.data)
    if path is None:
        raise DocumentError(f"{where}: names no document file (keys {sorted(task.data)})")
    try:
        return allowed_path(project, path)
    except DocumentPathError as exc:
        raise DocumentError(f"{where}: {exc}") from None

