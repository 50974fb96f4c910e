"""Regex and dictionary rules that label text, grouped in rule sets that live in a user library.

A :class:`RuleSet` (:mod:`.ruleset`) is plain data (JSON), validated when created: a pattern
that does not compile is refused with the rule's name. Every match runs with the ``regex`` package's
``timeout=``, so a catastrophic pattern (``(a+)+$`` on ``aaaa...ab``) costs one task an
:class:`~.base.ItemWarning` (the other rules' matches are kept) and the job goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import regex

from ..model import Span
from .base import (
    ConfigField,
    ItemError,
    ItemOutput,
    ItemWarning,
    Resource,
    ResourceInfo,
)
from .rules_library import RulesLibrary
from .ruleset import DEFAULT_TIMEOUT, Rule, RuleSet, trie_pattern

__all__ = ["Rule", "RuleSet", "RulesLibrary", "RulesResource", "DEFAULT_TIMEOUT", "trie_pattern"]


def find_spans(rules: Iterable[tuple[Rule, regex.Pattern[str]]], text: str, *, timeout: float,
               source: str) -> list[Span] | ItemError:
    """Every match of every rule in ``text`` (deduplicated, sorted by offset).

    A rule that times out loses only its own matches on this text: the others still run and
    their spans come back in an :class:`ItemWarning` that names the slow rule(s).
    """
    found: dict[tuple[int, int, str], Span] = {}
    slow: list[str] = []
    for rule, compiled in rules:
        group = rule.group if rule.type == "regex" else 0
        matched: dict[tuple[int, int, str], Span] = {}
        try:
            for match in compiled.finditer(text, timeout=timeout):
                start, end = match.span(group)
                if start < 0 or end <= start:
                    continue  # empty match or a group that did not take part
                key = (start, end, rule.label)
                if key not in found and key not in matched:
                    # a rule's match is certain by construction: confidence 1.0
                    matched[key] = Span(start, end, rule.label, text[start:end],
                                        confidence=1.0, source=source)
        except TimeoutError:
            slow.append(repr(rule.name))
            continue  # matches found before the timeout are dropped too: they may be partial
        found.update(matched)
    spans = [found[k] for k in sorted(found)]
    if slow:
        which = f"rule {slow[0]}" if len(slow) == 1 else f"rules {', '.join(slow)}"
        return ItemWarning(
            f"{which} timed out after {timeout:g} s on this task; simplify the pattern",
            source, tuple(spans))
    return spans


class RulesResource(Resource):
    """A rule set as a NER resource. Config: ``{"ruleset": name}`` (from the library) or inline
    ``{"rules": [...]}``; optional ``timeout`` (seconds per rule and task)."""

    kind = "ner"
    config_fields = {
        "ruleset": ConfigField(str, None, "name of a rule set in the library (default: the resource name)"),
        "rules": ConfigField((list, tuple), None, "inline rules, as in a rule set file"),
        "timeout": ConfigField(float, None, "seconds per rule and task (default: the rule set's)"),
        "description": ConfigField(str, "", "what the inline rules find"),
    }

    def __init__(self, name: str, ruleset: RuleSet) -> None:
        self.name = name
        self.ruleset = ruleset
        self.version = ruleset.fingerprint()[:8]
        self.labels = ruleset.labels
        self.language = "xx"
        self.memory_mb = 1.0 + sum(len(r.keywords) for r in ruleset.rules) / 5000
        self._compiled = [(rule, rule.compile()) for rule in ruleset.rules]

    @classmethod
    def _ruleset(cls, name: str, config: Mapping[str, Any], hub: Any = None) -> RuleSet:
        opts = cls.checked_config(name, config)
        if opts["rules"] is not None:
            data = {"name": name, "rules": list(opts["rules"]), "description": opts["description"],
                    "timeout": DEFAULT_TIMEOUT if opts["timeout"] is None else opts["timeout"]}
            return RuleSet.from_dict(data, source=f"resource {name!r}")
        library = hub.rules if hub is not None else RulesLibrary.default()
        ruleset = library.get(opts["ruleset"] or name)
        if opts["timeout"] is not None:
            ruleset = replace(ruleset, timeout=opts["timeout"])
        return ruleset

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> RulesResource:
        return cls(name, cls._ruleset(name, config, hub))

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        ruleset = cls._ruleset(name, config, hub)
        n = len(ruleset.rules)
        return ResourceInfo(
            name=name, kind=cls.kind, labels=ruleset.labels, version=ruleset.fingerprint()[:8],
            language="xx", memory_mb=1.0, factory="rules", config=dict(config),
            description=ruleset.description or f"{n} rule{'s' * (n != 1)}",
        )

    def fingerprint_parts(self) -> tuple[Any, ...]:
        return (self.ruleset.fingerprint(),)

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        for document, _results in items:
            yield find_spans(self._compiled, document.text, timeout=self.ruleset.timeout,
                             source=self.name)
