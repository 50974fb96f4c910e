"""Real text for the rule studio tests, and the brute-force scan its statistics must equal."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from preannotate_lab.resources.ruleset import Rule

# real sentences that exercise case folding: a Turkish capital İ, a Kelvin sign, a long s
FOLDING_TEXTS = [
    "Flights to \u0130STANBUL were cancelled; \u0130stanbul airport reopened on Monday.",
    "The probe cooled to 4 \u212aelvin before the \u212aEY measurement.",
    "Old prints spell it \u017fun and \u017fea in the 1700s.",
]


@pytest.fixture(scope="session")
def real_texts(sample_texts) -> list[str]:
    """600 real paragraphs (Wikipedia and news, from gensim's test data) plus the samples."""
    from benchmarks.corpus import paragraphs

    found, _where = paragraphs(600)
    return found + list(sample_texts) + FOLDING_TEXTS


def brute_force(rule: Rule, texts: dict[int, str]) -> dict[int, list[tuple[int, int, str]]]:
    """Task id -> sorted distinct (start, end, label) of every match, without any index."""
    pattern = rule.compile()
    group = rule.group if rule.type == "regex" else 0
    out: dict[int, list[tuple[int, int, str]]] = {}
    for task_id, text in texts.items():
        found = set()
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if start >= 0 and end > start:
                found.add((start, end, rule.label))
        if found:
            out[task_id] = sorted(found)
    return out


def hits_of(stats_hits: Iterable[dict]) -> list[tuple[int, int, int, str]]:
    return [(m["task_id"], m["start"], m["end"], m["label"]) for m in stats_hits]
