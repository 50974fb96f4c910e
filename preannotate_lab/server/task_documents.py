"""What a job reads from a task before any pipeline runs: its content hash and its Document.

Shared by the job in the kernel and by cluster workers, which build document tasks' pages (OCR)
themselves: a :class:`RemoteDocument` is a document task sent unbuilt, with its OCR options.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model import Document, Span, Task

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

log = logging.getLogger(__name__)


# OCR options that change neither what is read nor how: how many processes, how long to wait
_OCR_OPTIONS_NOT_HASHED = ("workers", "page_timeout", "password", "max_pages")


def ocr_settings(ocr_options: Any = None) -> dict[str, Any]:
    """The OCR options that decide a document's text, normalized (defaults filled in).

    ``None``, ``{}`` and the defaults spelled out give the same dict, so they hash the same.
    Raises ``ValueError`` naming a bad option.
    """
    from ..ocr.options import OcrOptions  # no OCR engine is loaded by this

    try:
        options = OcrOptions.coerce(ocr_options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad ocr_options {ocr_options!r}: {exc}") from None
    data = options.to_dict()
    for key in _OCR_OPTIONS_NOT_HASHED:
        data.pop(key, None)
    return data


def document_hash(task: Task, ocr_options: Any = None) -> str | None:
    """Identity of a task's content without building its document.

    Text tasks: a hash of the text. Document tasks: a hash of the file's bytes and of the OCR
    settings that read it (:func:`ocr_settings`), so a re-run can skip an unchanged PDF
    without running OCR again, but not when it would be read differently (dpi, language...).
    None when there is nothing to hash (no text, no readable file): such a task is never
    taken as already predicted.
    """
    text = task.text
    if task.kind == "text" and text is not None:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    path = task.source_path
    if path is None:
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    settings = json.dumps(ocr_settings(ocr_options), sort_keys=True)
    ocr = hashlib.sha256(settings.encode("utf-8")).hexdigest()[:8]
    return f"file:{digest.hexdigest()[:16]}:ocr:{ocr}"


def already_predicted(index: Mapping[int, Container[str | None]], task_id: int | None,
                      doc_hash: str | None) -> bool:
    """Whether ``index`` (from ``project.prediction_index``) holds this task on this content.

    A task whose content cannot be hashed is never done: ``None`` matches nothing.
    """
    return doc_hash is not None and task_id is not None and doc_hash in index.get(task_id, ())


def release_connection(project: ProjectStore) -> None:
    """Let a project close the calling thread's connection (the thread is about to end)."""
    release = getattr(project, "release_thread", None)
    if callable(release):
        try:
            release()
        except Exception:  # closing must never mask the job's own outcome
            log.debug("releasing the store connection failed", exc_info=True)


def build_document(task: Task, ocr_options: dict[str, Any] | None = None, *, project: Any = None,
                   on_page: Callable[[int, int], None] | None = None) -> Document:
    """The Document of a task (text directly; PDFs and images through the documents module).

    A document task's file is read only if ``project`` allows its folder (see paths.py).
    """
    if task.kind == "text":
        text = task.text
        if text is None:
            raise ValueError(f"task {task.id} has no 'text' in its data (keys: {sorted(task.data)})")
        return Document(text)
    from ..documents import document_for  # heavy (OCR); only for document tasks

    return document_for(task, ocr_options=ocr_options, project=project, on_page=on_page)


def check_document_path(project: Any, task: Task) -> None:
    """Raise DocumentPathError if a document task names a file its project may not read.

    Asked before the file is even hashed: hashing reads it too.
    """
    path = task.source_path
    if task.kind == "document" and path is not None:
        from ..paths import allowed_path, is_url

        if not is_url(path):
            allowed_path(project, path)


@dataclass(frozen=True)
class RemoteDocument:
    """A document task whose pages a worker reads (OCR runs there, not in the kernel)."""

    task: Task
    ocr_options: dict[str, Any] | None = None

    def build(self) -> Document:
        # the kernel's reader checked the file against the project's folders (check_document_path)
        return build_document(self.task, self.ocr_options)


def with_boxes(document: Document, results: list[Any]) -> list[Any]:
    """Give spans of page documents one box per line they cover (the OCR layer knows how)."""
    try:
        from ..ocr import merge_span_boxes
    except ImportError:
        return results
    return [merge_span_boxes(document, r) if isinstance(r, Span) and not r.boxes else r
            for r in results]
