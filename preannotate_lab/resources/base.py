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

import difflib
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..errors import PreannotateError
from ..model import Document, Result

Kind = Literal["ner", "classification", "assertion", "relation"]
KINDS: tuple[str, ...] = ("ner", "classification", "assertion", "relation")

Item = tuple[Document, tuple[Result, ...]]


class ResourceError(PreannotateError):
    """A resource cannot be built or configured (names the resource and what to do)."""


class ResourceConfigError(ResourceError):
    """A resource config holds a key its factory does not declare, or a value of the wrong type."""


@dataclass(frozen=True)
class ItemError:
    """The outcome of one item that failed; ``pipe`` yields it in place of that item's results."""

    message: str
    resource: str | None = None

    def __str__(self) -> str:
        return f"{self.resource}: {self.message}" if self.resource else self.message


@dataclass(frozen=True)
class ItemWarning(ItemError):
    """An item that failed in part: one rule of a rule set timed out, the others matched.

    ``results`` holds what the other parts found; a server keeps them and records ``message``
    as a warning on the task's prediction. Callers that only know :class:`ItemError` treat it
    as a failed item (it is one), so nothing is kept silently.
    """

    results: tuple[Result, ...] = ()


# The contract calls the per-item error mechanism "ResultError"; both names are the same class.
ResultError = ItemError
# a Sequence, not a list: a resource may return list[Span] (lists are invariant)
ItemOutput = Sequence[Result] | ItemError


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
    # The config keys the factory accepts. None means undeclared: a plug-in factory written
    # before configs were declared keeps working, its keys unchecked.
    config_fields: ClassVar[Mapping[str, ConfigField] | None] = None

    name: str
    version: str
    labels: tuple[str, ...]
    language: str = "en"
    memory_mb: float = 1.0

    @classmethod
    def checked_config(cls, name: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """``config`` with every declared default filled in; raises ResourceConfigError on an
        unknown key or a value of the wrong type."""
        if cls.config_fields is None:
            return dict(config)
        return check_config(cls.config_fields, config,
                            owner=f"resource {name!r} ({cls.factory or cls.__name__})")

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
        return list(out)

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


# -- declared configs -------------------------------------------------------------------------
_TYPE_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
               list: "a list", tuple: "a list", dict: "an object", type(None): "null"}


@dataclass(frozen=True)
class ConfigField:
    """One config key a factory accepts: its JSON type(s), its default and what it means.

    ``None`` is accepted wherever the default is ``None`` (the key is then "not set") or
    ``type(None)`` is among the types; an integer is accepted where a number is expected,
    never a boolean.
    """

    types: type | tuple[type, ...]
    default: Any = None
    help: str = ""

    @property
    def type_tuple(self) -> tuple[type, ...]:
        return self.types if isinstance(self.types, tuple) else (self.types,)

    def expected(self) -> str:
        types = [*self.type_tuple, *([type(None)] if self.default is None else [])]
        return " or ".join(dict.fromkeys(_TYPE_WORDS.get(t, t.__name__) for t in types))

    def accepts(self, value: Any) -> bool:
        types = self.type_tuple
        if value is None:
            return self.default is None or type(None) in types
        if isinstance(value, bool):  # bool is an int subclass: "threshold": true is a mistake
            return bool in types
        return isinstance(value, types) or (float in types and isinstance(value, int))

    def coerce(self, value: Any) -> Any:
        """An integer given for a number becomes a float (JSON does not tell 1 from 1.0)."""
        floats = float in self.type_tuple and int not in self.type_tuple
        return float(value) if floats and isinstance(value, int) and not isinstance(value, bool) else value


def check_config(fields: Mapping[str, ConfigField], config: Mapping[str, Any], *,
                 owner: str) -> dict[str, Any]:
    """``config`` checked against ``fields``, every default filled in.

    Raises ResourceConfigError naming ``owner`` and the key: an unknown key lists the allowed
    ones (and the closest, for a typo); a wrong type gives the type expected and the value.
    """
    if not isinstance(config, Mapping):
        raise ResourceConfigError(f"{owner}: the config must be a JSON object, got {config!r}")
    out = {key: field.default for key, field in fields.items()}
    for key, value in config.items():
        field = fields.get(key)
        if field is None:
            raise ResourceConfigError(unknown_key_message(owner, str(key), list(fields)))
        if not field.accepts(value):
            raise ResourceConfigError(
                f"{owner}: config key {key!r} must be {field.expected()}, got {value!r}")
        out[key] = field.coerce(value)
    return out


def unknown_key_message(owner: str, key: str, allowed: list[str]) -> str:
    """"unknown config key 'treshold'; allowed: ...; did you mean 'threshold'?"."""
    close = difflib.get_close_matches(key, allowed, n=1)
    return (f"{owner}: unknown config key {key!r}; allowed: {', '.join(allowed) or 'none'}"
            + (f"; did you mean {close[0]!r}?" if close else ""))
