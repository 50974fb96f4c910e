"""Plain data of a pre-annotation project: tasks, documents, results, predictions, completions.

No I/O lives here. Every other layer speaks these types:

* a :class:`Task` is what the user imported (a text, or a PDF/image document);
* every task becomes a :class:`Document`: a text with tokens, where a token taken from a page
  also carries its page number and :class:`Box`;
* resources produce *results* (:class:`Span`, :class:`Choice`, :class:`Relation`);
* a :class:`Prediction` is an immutable, versioned set of results with its provenance;
* a :class:`Completion` is the editable set of results a person owns.

Offsets are Python string offsets (code points) into ``Document.text``, end exclusive, like
spaCy's ``char_span`` and Label Studio's ``start``/``end``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, Literal

TaskKind = Literal["text", "document"]
TASK_MIME_TYPE = "application/vnd.preannotate.task+json"
Direction = Literal["right", "left", "bi"]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (stored as ISO 8601)."""
    return datetime.now(UTC)


def stable_id(*parts: object, length: int = 10) -> str:
    """A short id derived from content, so the same result gets the same id on every run.

    Label Studio result ids are short strings; deriving them from content keeps predictions
    of an unchanged pipeline byte-identical, which makes diffs and incremental runs exact.
    """
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class Box:
    """A rectangle on a rendered page, in pixels of that page image (origin top-left)."""

    page: int  # 0-based page index within the task's document
    x: float
    y: float
    width: float
    height: float
    page_width: int
    page_height: int

    @property
    def x2(self) -> float:
        return self.x + self.width

    @property
    def y2(self) -> float:
        return self.y + self.height

    def percent(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) in percent of the page size, as Label Studio rectangles use."""
        return (
            100.0 * self.x / self.page_width,
            100.0 * self.y / self.page_height,
            100.0 * self.width / self.page_width,
            100.0 * self.height / self.page_height,
        )

    def union(self, other: Box) -> Box:
        """The smallest box holding both (same page)."""
        if other.page != self.page:
            raise ValueError(f"cannot merge boxes of pages {self.page} and {other.page}")
        x, y = min(self.x, other.x), min(self.y, other.y)
        return replace(
            self,
            x=x,
            y=y,
            width=max(self.x2, other.x2) - x,
            height=max(self.y2, other.y2) - y,
        )


@dataclass(frozen=True)
class Token:
    """A word of a document: its text, offsets in the document text, and for pages its box."""

    text: str
    start: int
    end: int
    page: int | None = None
    box: Box | None = None
    line: int | None = None  # index of the visual line within the document (for chunk merging)
    confidence: float | None = None  # OCR word confidence, 0..100


@dataclass(frozen=True)
class Page:
    """One page of a document task, as rendered for OCR and for the labeling view."""

    index: int  # 0-based
    width: int  # pixels of the rendered image
    height: int
    dpi: int | None = None
    image_path: str | None = None  # cached PNG of the page, if rendered
    source: Literal["text", "textlayer", "ocr", "image"] = "ocr"


@dataclass
class Document:
    """What every resource sees: a text and its tokens (with pages and boxes for PDFs/images)."""

    text: str
    tokens: list[Token] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    @property
    def is_visual(self) -> bool:
        return bool(self.pages)

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """The tokens that overlap the character range [start, end)."""
        return [t for t in self.tokens if t.start < end and t.end > start]

    def content_hash(self) -> str:
        """Identity of the document's content, for incremental pre-annotation."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Span:
    """A labeled character range (NER chunk), optionally with an assertion status and boxes."""

    start: int
    end: int
    label: str
    text: str
    id: str = ""
    confidence: float | None = None
    assertion: str | None = None  # present / absent / possible / hypothetical / historical / family
    source: str | None = None  # name of the resource that produced it
    boxes: tuple[Box, ...] = ()  # document tasks: one box per line the chunk covers
    from_name: str | None = None  # config control that owns the label (e.g. "label")

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span offsets [{self.start}, {self.end}) for {self.label!r}")
        if not self.id:
            object.__setattr__(self, "id", stable_id("span", self.start, self.end, self.label))


@dataclass(frozen=True)
class Choice:
    """A classification of the whole task, or of one span when ``span_id`` is set (perRegion)."""

    labels: tuple[str, ...]
    id: str = ""
    confidence: float | None = None
    span_id: str | None = None
    source: str | None = None
    from_name: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.labels, str):  # a single label given as a string
            object.__setattr__(self, "labels", (self.labels,))
        else:
            object.__setattr__(self, "labels", tuple(self.labels))
        if not self.id:
            object.__setattr__(
                self, "id", stable_id("choice", self.from_name, self.span_id, *self.labels)
            )


@dataclass(frozen=True)
class Relation:
    """A directed (or bidirectional) relation between two spans of the same result set."""

    from_id: str
    to_id: str
    label: str | None = None
    direction: Direction = "right"
    id: str = ""
    confidence: float | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(
                self, "id", stable_id("rel", self.from_id, self.to_id, self.label, self.direction)
            )


Result = Span | Choice | Relation
_RESULT_TYPES: dict[str, type] = {"span": Span, "choice": Choice, "relation": Relation}


def result_to_dict(result: Result) -> dict[str, Any]:
    """Lossless plain-dict form of a result (the store's JSON; not the Label Studio shape)."""
    kind = {Span: "span", Choice: "choice", Relation: "relation"}[type(result)]
    out: dict[str, Any] = {"kind": kind}
    for f in fields(result):
        value = getattr(result, f.name)
        if f.name == "boxes":
            value = [vars(b).copy() for b in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def result_from_dict(data: Mapping[str, Any]) -> Result:
    """Inverse of :func:`result_to_dict`."""
    data = dict(data)
    kind = data.pop("kind")
    cls = _RESULT_TYPES[kind]
    if "boxes" in data:
        data["boxes"] = tuple(Box(**b) for b in data["boxes"])
    if "labels" in data:
        data["labels"] = tuple(data["labels"])
    return cls(**data)


def results_to_json(results: Iterable[Result]) -> str:
    return json.dumps([result_to_dict(r) for r in results], ensure_ascii=False, sort_keys=True)


def results_from_json(text: str) -> tuple[Result, ...]:
    return tuple(result_from_dict(d) for d in json.loads(text))


def spans_of(results: Iterable[Result]) -> list[Span]:
    return [r for r in results if isinstance(r, Span)]


# Task data keys that may hold the file of a document task, in order of preference:
# "document" is this package's own key; Label Studio's templates put a PDF under "pdf",
# an image under "image" (also the key of visual NER tasks) and a scan under "ocr".
DOCUMENT_KEYS: tuple[str, ...] = ("document", "pdf", "image", "ocr")


def document_path(data: Mapping[str, Any]) -> str | None:
    """The file (path or URL, as written) of a document task's ``data``, or None.

    The first non-empty string under :data:`DOCUMENT_KEYS`. The one place that answers
    "where is the document's file": the task model, importers, the store's search and the
    document loader all ask here, so they never disagree about which tasks have a file.
    """
    if not isinstance(data, Mapping):
        return None
    for key in DOCUMENT_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


@dataclass
class Task:
    """An imported unit of work.

    ``data`` holds the Label Studio ``data`` dict (``text`` for text tasks; for document tasks
    ``document`` is the path of the PDF or image and ``image`` may hold page image URLs).
    """

    data: dict[str, Any]
    id: int | None = None
    kind: TaskKind = "text"
    title: str | None = None
    error: str | None = None  # the last problem met with this task (bad PDF, hostile regex...)
    created_at: datetime = field(default_factory=utcnow)

    @property
    def text(self) -> str | None:
        value = self.data.get("text")
        return value if isinstance(value, str) else None

    @property
    def source_path(self) -> str | None:
        """The file of a document task (PDF or image): see :func:`document_path`."""
        return document_path(self.data)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Show the task in JupyterLab: the labextension renders this MIME type as inert text."""
        bundle = {"id": self.id, "title": self.title, "kind": self.kind, "text": self.text or ""}
        return {
            TASK_MIME_TYPE: bundle,
            "text/plain": f"Task {self.id}: {(self.title or self.text or '')[:80]!r}",
        }


@dataclass(frozen=True)
class Prediction:
    """Read-only pre-annotation of one task: results plus where they came from.

    ``pipeline_hash`` names the exact pipeline (resources, versions, rule and prompt hashes);
    with ``document_hash`` it decides whether a re-run may skip this task.
    """

    task_id: int
    results: tuple[Result, ...]
    model_version: str
    server: str | None = None
    config_hash: str | None = None
    pipeline_hash: str | None = None
    document_hash: str | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)
    score: float | None = None
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None  # assigned by the store
    version: int | None = None  # 1, 2, ... per task, assigned by the store

    def __post_init__(self) -> None:
        object.__setattr__(self, "results", tuple(self.results))


@dataclass(frozen=True)
class CompletionEdit:
    """One entry of a completion's history: who changed it, when, and what it held before."""

    at: datetime
    by: str
    results: tuple[Result, ...]
    note: str = ""


@dataclass
class Completion:
    """A person's editable annotation of a task, possibly started from a prediction."""

    task_id: int
    results: list[Result] = field(default_factory=list)
    id: int | None = None
    copied_from: int | None = None  # prediction id it was created from
    created_by: str = "user"
    created_at: datetime = field(default_factory=utcnow)
    updated_by: str | None = None
    updated_at: datetime | None = None
    ground_truth: bool = False
    history: list[CompletionEdit] = field(default_factory=list)
    # what another tool recorded about it (JSON): ``skipped`` for a task its annotator skipped
    # (Label Studio's ``was_cancelled``), ``labelstudio`` for its id, lead time, author there
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def skipped(self) -> bool:
        """The annotator skipped the task: no annotation, and never training data."""
        return bool(self.meta.get("skipped"))

    @classmethod
    def from_prediction(cls, prediction: Prediction, by: str = "user") -> Completion:
        if prediction.id is None:
            raise ValueError("a prediction must be stored before a completion is created from it")
        return cls(
            task_id=prediction.task_id,
            results=list(prediction.results),
            copied_from=prediction.id,
            created_by=by,
        )


def stored_id(record: Task | Prediction | Completion) -> int:
    """The id of a record read from a project (stored records always have one).

    The dataclasses allow ``id=None`` for records not yet stored; code that reads records back
    from a project uses this to say so, and fails loudly if handed an unsaved one.
    """
    if record.id is None:
        raise ValueError(f"this {type(record).__name__.lower()} has no id: it was not read from a project")
    return record.id
