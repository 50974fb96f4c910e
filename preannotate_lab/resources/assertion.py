"""Assertion status of NER chunks (present, absent, possible, hypothetical, historical, family).

A ConText-style algorithm: trigger phrases (negation from negspacy's maintained clinical
termset, the other statuses from :mod:`.assertion_terms`) are matched with spaCy's
PhraseMatcher on a blank tokenizer; overlapping triggers keep the longest (so pseudo-triggers
such as "no change" block "no"); a trigger's scope runs forward and/or backward within its
sentence and stops at a terminating phrase ("but", "however"). A chunk in the scope of
several triggers gets the status first in :data:`~.assertion_terms.PRECEDENCE`.

Why not medspacy's ConText: medspacy 1.3.1 works with spaCy 3.8 only when installed with
``--no-deps`` next to ten hand-picked packages (its metadata pins ``spacy<3.8`` on Python <
3.12), and two of those install top-level ``tests``/``benchmarks``/``resources`` packages
into site-packages. A fresh ``pip install`` cannot reproduce that cleanly.

The resource emits, for every span of the configured labels in the earlier results, a copy
with ``assertion`` set and the same ``id``, so the caller replaces the original span.
The copy keeps the span's ``source`` (the model that found the chunk).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..model import Span
from .assertion_terms import PRECEDENCE, STATUSES, all_triggers
from .base import (
    ConfigField,
    ItemError,
    ItemOutput,
    Resource,
    ResourceError,
    ResourceInfo,
    content_hash,
)

VERSION = "1.0"
_SENTENCE_END = {".", "!", "?"}


@dataclass(frozen=True)
class _Trigger:
    start: int  # token offsets
    end: int
    category: str
    direction: str


class AssertionResource(Resource):
    """ConText-style assertion status. Config: ``apply_to`` (span labels to assert; all if
    empty), ``extra_triggers`` (list of ``{"phrase", "status", "direction"}``).

    Its ``labels`` are the statuses it can give (as a labeling config lists assertion labels).
    """

    kind = "assertion"
    config_fields = {
        "apply_to": ConfigField((list, tuple), (), "span labels to assert (default: every span)"),
        "extra_triggers": ConfigField((list, tuple), (),
                                      'more triggers: [{"phrase", "status", "direction"}]'),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        self.name = name
        self.version = VERSION
        self.language = "en"
        self.memory_mb = 5.0
        self.apply_to = tuple(opts["apply_to"])
        self.labels = STATUSES
        self._extra = _extra_triggers(name, opts["extra_triggers"])
        self._triggers = [*all_triggers(), *self._extra]
        self._nlp, self._matcher = _build_matcher(self._triggers)

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        _extra_triggers(name, cls.checked_config(name, config)["extra_triggers"])
        return ResourceInfo(
            name=name, kind=cls.kind, labels=STATUSES, version=VERSION,
            language="en", memory_mb=5.0, factory="assertion", config=dict(config),
            description="ConText-style assertion status: " + ", ".join(STATUSES),
        )

    def fingerprint_parts(self) -> tuple[Any, ...]:
        import negspacy

        return (sorted(self.apply_to), content_hash(sorted(self._triggers)),
                getattr(negspacy, "__version__", "1"))

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        only = set(self.apply_to)
        for document, results in items:
            spans = [r for r in results if isinstance(r, Span) and (not only or r.label in only)]
            if not spans:
                yield []
                continue
            try:
                yield self._assert(document.text, spans)
            except Exception as exc:  # noqa: BLE001 - reported on this task only
                yield ItemError(f"assertion failed on this task: {exc}", self.name)

    def statuses(self, text: str, spans: Iterable[Span]) -> list[str]:
        """The status of each span (in order), for direct use."""
        return [s.assertion or "present" for s in self._assert(text, list(spans))]

    def _assert(self, text: str, spans: list[Span]) -> list[Span]:
        doc = self._nlp.make_doc(text)
        sentence = _sentence_ids(doc)
        triggers = _longest(
            _Trigger(start, end, *self._nlp.vocab.strings[key].split(":"))
            for key, start, end in self._matcher(doc)
        )
        stops = [t for t in triggers if t.category == "terminate"]
        active = [t for t in triggers if t.category in STATUSES]
        out = []
        for span in spans:
            chunk = doc.char_span(span.start, span.end, alignment_mode="expand")
            if chunk is None or len(chunk) == 0:
                out.append(replace(span, assertion="present"))
                continue
            found = {t.category for t in active
                     if _reaches(t, chunk.start, chunk.end, sentence, stops)}
            status = next((s for s in PRECEDENCE if s in found), "present")
            out.append(replace(span, assertion=status))
        return out


def _extra_triggers(name: str, items: Iterable[Any]) -> list[tuple[str, str, str]]:
    out = []
    for item in items:
        if not isinstance(item, Mapping) or not item.get("phrase"):
            raise ResourceError(f"resource {name!r}: each extra trigger needs a 'phrase'; got {item!r}")
        status = item.get("status")
        direction = item.get("direction", "forward")
        if status not in STATUSES[1:] + ("pseudo", "terminate"):
            raise ResourceError(
                f"resource {name!r}: trigger {item['phrase']!r} has status {status!r}; use one of "
                f"{STATUSES[1:] + ('pseudo', 'terminate')}")
        if direction not in ("forward", "backward", "both"):
            raise ResourceError(f"resource {name!r}: trigger {item['phrase']!r}: direction must "
                                "be forward, backward or both")
        out.append((str(item["phrase"]), status, direction))
    return out


def _build_matcher(triggers: list[tuple[str, str, str]]) -> tuple[Any, Any]:
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_key: dict[str, list[Any]] = {}
    for phrase, category, direction in triggers:
        by_key.setdefault(f"{category}:{direction}", []).append(nlp.make_doc(phrase))
    for key, docs in by_key.items():
        matcher.add(key, docs)
    return nlp, matcher


def _sentence_ids(doc: Any) -> list[int]:
    """Sentence number of each token: a sentence ends after . ! ? or at a line break."""
    ids, current = [], 0
    for token in doc:
        if token.is_space and "\n" in token.text:
            current += 1
            ids.append(current)
            continue
        ids.append(current)
        if token.text in _SENTENCE_END or (token.text.endswith(".") and token.is_punct):
            current += 1
    return ids


def _longest(triggers: Iterable[_Trigger]) -> list[_Trigger]:
    """Drop triggers overlapped by a longer one (pseudo-triggers block what they contain)."""
    kept: list[_Trigger] = []
    taken: set[int] = set()
    for t in sorted(triggers, key=lambda t: (t.start - t.end, t.start)):
        if not taken.intersection(range(t.start, t.end)):
            kept.append(t)
            taken.update(range(t.start, t.end))
    return kept


def _reaches(t: _Trigger, start: int, end: int, sentence: list[int], stops: list[_Trigger]) -> bool:
    """Whether trigger ``t`` has the chunk of tokens [start, end) in its scope."""
    if t.end <= start and t.direction in ("forward", "both"):
        lo, hi = t.end, start
    elif t.start >= end and t.direction in ("backward", "both"):
        lo, hi = end, t.start
    else:
        return False
    if sentence[t.start] != sentence[start]:
        return False
    return not any(lo <= s.start < hi for s in stops)
