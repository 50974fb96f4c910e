"""Rules and rule sets as plain data (JSON), validated when created.

A pattern that does not compile is refused with the rule's name. Dictionary rules compile
their keywords into one trie-shaped regular expression (shared prefixes factored out), which
matches 10,000 keywords in about the time of a few dozen.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import regex
from regex import Pattern as RegexPattern  # inside Rule, ``regex`` names its constructor

from .base import ResourceError, content_hash

DEFAULT_TIMEOUT = 0.5  # seconds a rule may spend on one task
RuleType = Literal["regex", "dictionary"]
FORMAT = "preannotate_lab.ruleset/1"


@dataclass(frozen=True)
class Rule:
    """One rule: a regex pattern or a keyword list, mapped to a label."""

    name: str
    label: str
    type: RuleType = "regex"
    pattern: str = ""
    keywords: tuple[str, ...] = ()
    case_sensitive: bool = True
    whole_word: bool = False
    group: int | str = 0  # regex rules: which group is the span (0 = the whole match)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keywords", tuple(self.keywords))

    @classmethod
    def regex(cls, name: str, pattern: str, label: str, *, case_sensitive: bool = True,
              whole_word: bool = False, group: int | str = 0) -> Rule:
        rule = cls(name, label, "regex", pattern=pattern, case_sensitive=case_sensitive,
                   whole_word=whole_word, group=group)
        rule.compile()
        return rule

    @classmethod
    def dictionary(cls, name: str, keywords: Iterable[str], label: str, *,
                   case_sensitive: bool = False, whole_word: bool = True) -> Rule:
        words = tuple(dict.fromkeys(k.strip() for k in keywords if k and k.strip()))
        rule = cls(name, label, "dictionary", keywords=words, case_sensitive=case_sensitive,
                   whole_word=whole_word)
        rule.compile()
        return rule

    @classmethod
    def from_csv(cls, name: str, path: str | Path, label: str, *, column: int | str = 0,
                 case_sensitive: bool = False, whole_word: bool = True) -> Rule:
        """A dictionary rule whose keywords are one column of a CSV file (header row if named)."""
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                if isinstance(column, str):
                    reader = csv.DictReader(fh)
                    if column not in (reader.fieldnames or []):
                        raise ResourceError(
                            f"CSV {path} has no column {column!r}; columns: {reader.fieldnames}")
                    words = [row[column] for row in reader]
                else:
                    words = [row[column] for row in csv.reader(fh) if len(row) > column]
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise ResourceError(f"cannot read keywords from {path}: {exc}") from exc
        return cls.dictionary(name, words, label, case_sensitive=case_sensitive,
                              whole_word=whole_word)

    def compile(self) -> RegexPattern[str]:
        """The compiled pattern; raises ResourceError naming the rule if it is invalid."""
        if not self.name or not self.label:
            raise ResourceError(f"rule {self.name!r}: a rule needs a name and a label")
        if self.type == "regex":
            if not self.pattern:
                raise ResourceError(f"rule {self.name!r}: the pattern is empty")
            body = self.pattern
        elif self.type == "dictionary":
            if not self.keywords:
                raise ResourceError(f"rule {self.name!r}: the keyword list is empty")
            body = trie_pattern(self.keywords)
        else:
            raise ResourceError(f"rule {self.name!r}: type must be 'regex' or 'dictionary', got {self.type!r}")
        if self.whole_word:
            body = rf"(?<!\w)(?:{body})(?!\w)"
        flags = regex.V0 | (0 if self.case_sensitive else regex.IGNORECASE)
        try:
            compiled = regex.compile(body, flags)
        except regex.error as exc:
            raise ResourceError(f"rule {self.name!r}: the pattern does not compile: {exc}") from exc
        if self.type == "regex" and self.group not in (0, "0"):
            names = set(compiled.groupindex)
            if not (isinstance(self.group, int) and 0 < self.group <= compiled.groups
                    or self.group in names):
                raise ResourceError(f"rule {self.name!r}: the pattern has no group {self.group!r}")
        return compiled

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type,
                               "case_sensitive": self.case_sensitive, "whole_word": self.whole_word}
        if self.type == "regex":
            out["pattern"] = self.pattern
            if self.group not in (0, "0"):
                out["group"] = self.group
        else:
            out["keywords"] = list(self.keywords)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        allowed = {"name", "label", "type", "pattern", "keywords", "case_sensitive",
                   "whole_word", "group"}
        unknown = set(data) - allowed
        if unknown:
            raise ResourceError(f"rule {data.get('name')!r}: unknown field(s) {sorted(unknown)}")
        kind = data.get("type", "regex")
        defaults = {"case_sensitive": kind == "regex", "whole_word": kind == "dictionary"}
        rule = cls(**{**defaults, **data})
        rule.compile()
        return rule


def trie_pattern(keywords: Iterable[str]) -> str:
    """One regex matching any keyword, longest first, with shared prefixes factored out.

    Whitespace inside a keyword matches any run of whitespace ("heart  attack").
    """
    trie: dict[str, Any] = {}
    for word in keywords:
        node = trie
        for char in " ".join(word.split()):
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict[str, Any]) -> str:
    # iterative over a chain of single children keeps deep tries off the recursion limit
    parts: list[str] = []
    optional = "" in node
    branches = []
    for char in sorted(k for k in node if k):
        child = node[char]
        prefix = []
        while len(child) == 1 and "" not in child:
            (nxt,) = child
            prefix.append(nxt)
            child = child[nxt]
        text = "".join(r"\s+" if c == " " else regex.escape(c) for c in [char, *prefix])
        rest = _trie_regex(child) if child and set(child) != {""} else ""
        branches.append(text + rest)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if optional:
        body = f"(?:{body})?"
    parts.append(body)
    return "".join(parts)


@dataclass(frozen=True)
class RuleSet:
    """A named, ordered list of rules; its fingerprint is a hash of its content."""

    name: str
    rules: tuple[Rule, ...] = ()
    description: str = ""
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ResourceError(f"rule set {self.name!r}: two rules are named {rule.name!r}")
            seen.add(rule.name)
        if not (0 < self.timeout <= 60):
            raise ResourceError(f"rule set {self.name!r}: timeout must be in (0, 60] seconds")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.label for rule in self.rules))

    def with_rule(self, rule: Rule) -> RuleSet:
        """A copy with ``rule`` added, or replacing the rule of the same name."""
        rule.compile()
        rules = [r for r in self.rules if r.name != rule.name] + [rule]
        return replace(self, rules=tuple(rules))

    def without_rule(self, name: str) -> RuleSet:
        if name not in {r.name for r in self.rules}:
            raise ResourceError(f"rule set {self.name!r} has no rule {name!r}")
        return replace(self, rules=tuple(r for r in self.rules if r.name != name))

    def fingerprint(self) -> str:
        return content_hash([r.to_dict() for r in self.rules], self.timeout)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "name": self.name, "description": self.description,
                "timeout": self.timeout, "rules": [r.to_dict() for r in self.rules]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "rule set") -> RuleSet:
        if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
            raise ResourceError(f"{source}: a rule set is a JSON object with a 'rules' list")
        if data.get("format", FORMAT) != FORMAT:
            raise ResourceError(f"{source}: unsupported format {data.get('format')!r}, expected {FORMAT!r}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ResourceError(f"{source}: the rule set needs a 'name'")
        rules = []
        for i, item in enumerate(data["rules"]):
            if not isinstance(item, Mapping):
                raise ResourceError(f"{source}: rule #{i + 1} is not a JSON object")
            rules.append(Rule.from_dict(item))
        return cls(name, tuple(rules), str(data.get("description", "")),
                   float(data.get("timeout", DEFAULT_TIMEOUT)))
