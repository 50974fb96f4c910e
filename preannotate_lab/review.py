"""What makes a prediction worth a person's look first (no I/O): its least confident result, and
where its resources (or its versions) disagree.

The store calls :func:`review_facts` once per prediction as it writes it, and keeps the answer in
the prediction's provenance under ``"review"``, so that the task grid sorts and filters 100,000
tasks without reading their results:

* ``confidence``: the lowest confidence among the prediction's results (None when none has one);
* ``flags``, among :data:`STORED_FLAGS`:

  - ``models_disagree``: two resources of the prediction that are not rules put overlapping spans
    with another label or other boundaries, or the prediction's spans disagree so with the
    version before it;
  - ``rule_model_conflict``: a rule's span overlaps a model's span with another label or
    other boundaries.

``low_confidence`` is not stored: it depends on a setting (``settings.REVIEW.low_confidence``)
and is derived from ``confidence`` whenever it is asked for (:func:`flags_with_confidence`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .model import Result, Span

REVIEW_FLAGS = ("low_confidence", "models_disagree", "rule_model_conflict")
STORED_FLAGS = ("models_disagree", "rule_model_conflict")
RULE_FACTORIES = frozenset({"rules"})
"""Factories whose spans count as rules (certain by construction) rather than a model's guess."""


def least_confidence(results: Iterable[Result]) -> float | None:
    """The lowest confidence among ``results`` (spans, choices, relations), None without any."""
    found = [float(r.confidence) for r in results if r.confidence is not None]
    return min(found) if found else None


def rule_sources(provenance: Mapping[str, Any]) -> set[str]:
    """Names of the resources of a prediction's provenance that are rule sets."""
    names = set()
    for entry in provenance.get("resources") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and (
                entry.get("factory") in RULE_FACTORIES or "rules_hash" in entry):
            names.add(entry["name"])
    return names


def _conflicts(a: list[Span], b: list[Span]) -> bool:
    """Whether a span of ``a`` overlaps a span of ``b`` with another label or other offsets."""
    ordered = sorted(b, key=lambda s: s.start)
    for x in a:
        for y in ordered:
            if y.start >= x.end:
                break
            if y.end > x.start and (x.start, x.end, x.label) != (y.start, y.end, y.label):
                return True
    return False


def stored_flags(results: Iterable[Result], rules: set[str],
                 previous: Iterable[Result] | None = None) -> list[str]:
    """The :data:`STORED_FLAGS` that hold for a prediction (see the module docstring)."""
    spans = [r for r in results if isinstance(r, Span)]
    by_source: dict[str | None, list[Span]] = {}
    for span in spans:
        by_source.setdefault(span.source, []).append(span)
    sources = list(by_source)
    flags = set()
    for i, first in enumerate(sources):
        for second in sources[i + 1:]:
            if not _conflicts(by_source[first], by_source[second]):
                continue
            kinds = {first in rules, second in rules}
            flags.add("rule_model_conflict" if kinds == {True, False} else "models_disagree")
    if previous is not None and "models_disagree" not in flags:
        before = [r for r in previous if isinstance(r, Span)]
        if _conflicts(spans, before):
            flags.add("models_disagree")
    return [f for f in STORED_FLAGS if f in flags]


def review_facts(results: Iterable[Result], provenance: Mapping[str, Any],
                 previous: Iterable[Result] | None = None) -> dict[str, Any]:
    """``{"confidence": lowest or None, "flags": [...]}`` for a prediction about to be stored."""
    results = list(results)
    confidence = least_confidence(results)
    return {"confidence": None if confidence is None else round(confidence, 4),
            "flags": stored_flags(results, rule_sources(provenance), previous)}


def flags_with_confidence(stored: Iterable[str], confidence: float | None,
                          threshold: float) -> list[str]:
    """The review flags of a task: ``low_confidence`` when below ``threshold``, then the stored."""
    out = ["low_confidence"] if confidence is not None and confidence < threshold else []
    return out + [f for f in STORED_FLAGS if f in set(stored)]
