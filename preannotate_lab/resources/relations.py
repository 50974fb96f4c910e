"""Relations between entity spans: candidate pairs by rule, then a scorer.

:class:`RelationResource` splits the work in two so a model can come later: ``candidates``
(pairs of earlier spans whose labels are allowed, in one sentence, within ``max_distance``
tokens) and ``score`` (which relation, with what confidence). :class:`RuleRelations` accepts
every candidate; a model-based resource overrides ``score`` only.

Config ``allowed`` lists label pairs: ``"PERSON>ORG"`` (from a PERSON to an ORG),
``"ORG<PERSON"`` (the same, written the other way), ``"DRUG<>DOSE"`` (bidirectional).
Several relation types: ``relations: [{"label": "works_for", "allowed": "PERSON>ORG"}, ...]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Relation, Span
from .base import ConfigField, ItemError, ItemOutput, Resource, ResourceError, ResourceInfo

VERSION = "1.0"


@dataclass(frozen=True)
class PairRule:
    """Spans labeled ``source`` relate to spans labeled ``target`` as ``label``."""

    source: str
    target: str
    bidirectional: bool
    label: str | None


@dataclass(frozen=True)
class Candidate:
    head: Span
    tail: Span
    rule: PairRule
    distance: int  # tokens between the two spans


def parse_allowed(text: str, label: str | None = None, *, resource: str = "relations") -> list[PairRule]:
    """Parse ``"A>B, C<>D, E<F"`` into pair rules; a malformed item is named in the error."""
    rules = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        for op in ("<>", ">", "<"):
            if op in item:
                left, _, right = (s.strip() for s in item.partition(op))
                break
        else:
            left = right = ""
            op = ""
        if not left or not right or any(c in left + right for c in "<>"):
            raise ResourceError(
                f"resource {resource!r}: cannot read allowed pair {item!r}; write FROM>TO, "
                "TO<FROM or A<>B with label names, separated by commas")
        if op == "<":
            left, right = right, left
        rules.append(PairRule(left, right, op == "<>", label))
    return rules


def _rules_from_config(name: str, config: Mapping[str, Any]) -> list[PairRule]:
    """Pair rules from a checked config (``relations`` or ``allowed`` + ``label``)."""
    if config["relations"] is not None:
        items = config["relations"]
        if not isinstance(items, (list, tuple)) or not items:
            raise ResourceError(f"resource {name!r}: 'relations' must be a non-empty list")
        rules = []
        for item in items:
            if not isinstance(item, Mapping) or not isinstance(item.get("allowed"), str):
                raise ResourceError(f"resource {name!r}: each relation needs 'allowed'; got {item!r}")
            rules += parse_allowed(item["allowed"], item.get("label"), resource=name)
    else:
        rules = parse_allowed(config["allowed"], config["label"], resource=name)
    if not rules:
        raise ResourceError(f"resource {name!r}: give 'allowed' label pairs, e.g. \"PERSON>ORG\"")
    return rules


class RelationResource(Resource):
    """Base of relation resources: rule-based candidate pairs, then :meth:`score`."""

    kind = "relation"
    config_fields = {
        "allowed": ConfigField(str, "", 'label pairs, e.g. "PERSON>ORG, DRUG<>DOSE"'),
        "label": ConfigField(str, None, "the relation label of the 'allowed' pairs"),
        "relations": ConfigField((list, tuple), None,
                                 'several types: [{"label", "allowed"}] (instead of allowed)'),
        "max_distance": ConfigField(int, 30, "most tokens between the two spans"),
        "same_sentence": ConfigField(bool, True, "pair only spans of one sentence"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        self.name = name
        self.version = VERSION
        self.language = "xx"
        self.memory_mb = 2.0
        self.rules = _rules_from_config(name, opts)
        self.max_distance = opts["max_distance"]
        self.same_sentence = opts["same_sentence"]
        self.labels = tuple(dict.fromkeys(r.label for r in self.rules if r.label))
        import spacy

        self._nlp = spacy.blank("en")
        self._nlp.add_pipe("sentencizer")

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        rules = _rules_from_config(name, cls.checked_config(name, config))
        labels = tuple(dict.fromkeys(r.label for r in rules if r.label))
        pairs = ", ".join(f"{r.source}{'<>' if r.bidirectional else '>'}{r.target}" for r in rules)
        return ResourceInfo(name=name, kind=cls.kind, labels=labels, version=VERSION,
                            language="xx", memory_mb=2.0, factory=cls.factory,
                            config=dict(config), description=f"relations between {pairs}")

    def fingerprint_parts(self) -> tuple[Any, ...]:
        return ([vars(r) for r in self.rules], self.max_distance, self.same_sentence)

    def candidates(self, text: str, spans: list[Span]) -> list[Candidate]:
        """Allowed pairs of spans, near enough, in one sentence; each unordered pair once per rule."""
        doc = self._nlp(text)
        where = {}
        for span in spans:
            chunk = doc.char_span(span.start, span.end, alignment_mode="expand")
            if chunk is not None and len(chunk):
                where[span.id] = (chunk.start, chunk.end, chunk.sent.start)
        out: list[Candidate] = []
        seen: set[tuple[str, str, str | None]] = set()
        for rule in self.rules:
            for first in spans:
                for second in spans:
                    if first.id == second.id or first.id not in where or second.id not in where:
                        continue
                    if (first.label, second.label) != (rule.source, rule.target):
                        continue
                    head, tail = first, second
                    if rule.bidirectional:  # one relation per unordered pair, first span first
                        head, tail = sorted((first, second), key=lambda s: (s.start, s.end))
                    key = (head.id, tail.id, rule.label)
                    if key in seen:
                        continue
                    (hs, he, hsent), (ts, te, tsent) = where[head.id], where[tail.id]
                    if self.same_sentence and hsent != tsent:
                        continue
                    distance = max(0, max(hs, ts) - min(he, te))
                    if distance > self.max_distance:
                        continue
                    seen.add(key)
                    out.append(Candidate(head, tail, rule, distance))
        return out

    def score(self, text: str, candidates: list[Candidate]) -> list[Relation]:
        raise NotImplementedError

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        sources = {r.source for r in self.rules} | {r.target for r in self.rules}
        for document, results in items:
            spans = [r for r in results if isinstance(r, Span) and r.label in sources]
            if len(spans) < 2:
                yield []
                continue
            try:
                yield list(self.score(document.text, self.candidates(document.text, spans)))
            except Exception as exc:  # noqa: BLE001 - reported on this task only
                yield ItemError(f"relation extraction failed on this task: {exc}", self.name)


class RuleRelations(RelationResource):
    """Every candidate pair becomes a relation (confidence 1.0: a rule, certain by construction)."""

    def score(self, text: str, candidates: list[Candidate]) -> list[Relation]:
        return [
            Relation(c.head.id, c.tail.id, label=c.rule.label,
                     direction="bi" if c.rule.bidirectional else "right", confidence=1.0,
                     source=self.name)
            for c in candidates
        ]
