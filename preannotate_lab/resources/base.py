"""The uniform interface of every resource in the hub (spaCy NER, rules, assertion, ...).

A resource is built by a named factory from a small config (like a spaCy component) and has
``name``, ``version``, ``kind``, ``labels``, ``language``, ``memory_mb`` and ``fingerprint()``.
Its one verb is :meth:`Resource.pipe`::

    for out in resource.pipe((document, earlier_results) for ...):
        if isinstance(out, ItemError):   # this item failed; the stream goes on
            record(out.message)
        else:
            results.extend(out)          # the NEW results this resource adds for this item

Per-item errors
---------------
``pipe`` yields exactly one value per input item, in order: either a ``list`` of new results
or an :class:`ItemError` carrying a message for that item only (a regex that timed out, an
LLM reply that was not JSON). Nothing is raised for per-item problems, so one hostile task never
stops a job of 100,000. :class:`ResourceError` is raised only for configuration problems
(an unknown model, a pattern that does not compile) and names the input at fault.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..errors import PreannotateError
from ..model import Document, Result

Kind = Literal["ner", "classification", "assertion", "relation"]
KINDS: tuple[str, ...] = ("ner", "classification", "assertion", "relation")

Item = tuple[Document, tuple[Result, ...]]


class ResourceError(PreannotateError):
    """A resource cannot be built or configured (names the resource and what to do)."""


@dataclass(frozen=True)
class ItemError:
    """The outcome of one item that failed; ``pipe`` yields it in place of that item's results."""

    message: str
    resource: str | None = None

    def __str__(self) -> str:
        return f"{self.resource}: {self.message}" if self.resource else self.message


# The contract calls the per-item error mechanism "ResultError"; both names are the same class.
ResultError = ItemError
ItemOutput = list[Result] | ItemError


@dataclass(frozen=True)
class ResourceInfo:
    """What the hub knows about a resource without loading it."""

    name: str
    kind: str
    labels: tuple[str, ...]
    version: str
    language: str = "en"
    memory_mb: float = 0.0
    description: str = ""
    factory: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)


def content_hash(*parts: Any, length: int = 16) -> str:
    """A stable hash of JSON-able parts (sorted keys), for fingerprints."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


class Resource(ABC):
    """Base class of hub resources.

    Subclasses set ``kind`` (class attribute) and, in ``__init__``, ``name``, ``version``,
    ``labels``, ``language`` and ``memory_mb``; they implement :meth:`pipe` and
    :meth:`describe` (cheap metadata from a config, without loading anything heavy).
    """

    kind: ClassVar[str]
    factory: ClassVar[str] = ""

    name: str
    version: str
    labels: tuple[str, ...]
    language: str = "en"
    memory_mb: float = 1.0

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> Resource:
        """Build from a spec's config (the hub calls this); ``hub`` gives access to the library."""
        return cls(name, config)  # type: ignore[call-arg]

    @classmethod
    @abstractmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        """Metadata for the hub's listing, without loading models (raises ResourceError on a bad config)."""

    @abstractmethod
    def pipe(self, items: Iterable[Item], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        """Yield, for each ``(document, earlier_results)`` in order, its new results or an ItemError."""

    def fingerprint_parts(self) -> tuple[Any, ...]:
        """What the fingerprint hashes besides kind, name and version (rules, prompts, meta)."""
        return ()

    def fingerprint(self) -> str:
        """Changes whenever the resource's behaviour may change (version, rules, prompt, model)."""
        return content_hash(self.kind, self.name, self.version, *self.fingerprint_parts())

    def info(self) -> ResourceInfo:
        return ResourceInfo(
            name=self.name,
            kind=self.kind,
            labels=tuple(self.labels),
            version=self.version,
            language=self.language,
            memory_mb=self.memory_mb,
            factory=self.factory,
        )

    def __call__(self, document: Document, results: Iterable[Result] = ()) -> list[Result]:
        """Run on one document; raises ResourceError if that item failed."""
        (out,) = list(self.pipe([(document, tuple(results))], batch_size=1))
        if isinstance(out, ItemError):
            raise ResourceError(str(out))
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} kind={self.kind} labels={len(self.labels)}>"


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of at most ``size`` items (the last may be shorter)."""
    if size < 1:
        raise ValueError(f"batch_size must be >= 1, got {size}")
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def config_value(config: Mapping[str, Any], key: str, types: type | tuple[type, ...],
                 default: Any, *, resource: str) -> Any:
    """Read one config option, with a clear error naming the resource and the option."""
    value = config.get(key, default)
    if isinstance(types, type):
        types = (types,)
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if value is not None and (not isinstance(value, types) or isinstance(value, bool) and bool not in types):
        wanted = " or ".join(t.__name__ for t in types)
        raise ResourceError(
            f"resource {resource!r}: option {key!r} must be {wanted}, got {value!r}"
        )
    return value
