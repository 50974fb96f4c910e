"""Running rules over texts: every match, under the rules engine's own per-task timeout.

The regex runs through :func:`~preannotate_lab.resources.rules.find_spans`, the function a
server calls, so a pattern behaves here exactly as it will when deployed (a dictionary rule's
own pattern is only tried where a keyword can start: :mod:`.fastpath`); a pattern that times
out on one task stops the statistics at once with the task and the text that caused it (a
studio that waited out the timeout on each of 100,000 tasks would hang for hours).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

from ..resources.base import ItemError
from ..resources.rules import find_spans
from ..resources.ruleset import Rule
from .errors import RuleTimeoutError
from .fastpath import DictionaryFinder

Hit = tuple[int, int, str, str]  # start, end, label, rule name
_BUDGET_CHECK = 64  # tasks between looks at the clock


@dataclass
class Scan:
    """What a pass of rules over some tasks found."""

    hits: dict[int, list[Hit]] = field(default_factory=dict)  # task id -> hits (tasks with hits)
    scanned: list[int] = field(default_factory=list)  # task ids the regex ran on, in order
    regex_s: float = 0.0
    stopped: bool = False  # the time budget ran out before every task was scanned


def compiled(rules: Iterable[Rule]) -> list[tuple[Rule, regex.Pattern[str]]]:
    return [(rule, rule.compile()) for rule in rules]


def scan(rules: list[tuple[Rule, regex.Pattern[str]]], texts: Mapping[int, str], ids: list[int],
         *, timeout: float, budget: float | None = None) -> Scan:
    """Run ``rules`` on the texts of ``ids``; raises RuleTimeoutError on the first timeout."""
    out = Scan()
    started = time.perf_counter()
    finders = [DictionaryFinder(rule) for rule, _pattern in rules]
    for n, task_id in enumerate(ids):
        if budget is not None and n % _BUDGET_CHECK == 0 and n and time.perf_counter() - started > budget:
            out.stopped = True
            break
        text = texts.get(task_id)
        if text is None:
            continue
        found: list[Hit] = []
        for (rule, pattern), finder in zip(rules, finders, strict=True):
            found.extend(_matches(rule, pattern, finder, task_id, text, timeout))
        out.scanned.append(task_id)
        if found:
            out.hits[task_id] = sorted(found)
    out.regex_s = time.perf_counter() - started
    return out


def _matches(rule: Rule, pattern: regex.Pattern[str], finder: DictionaryFinder, task_id: int,
             text: str, timeout: float) -> list[Hit]:
    """The rule's matches in one text: what the rules engine's find_spans gives."""
    if finder.usable:
        try:
            spans = finder.find(pattern, text, timeout)
        except TimeoutError:
            raise RuleTimeoutError(_timeout_message(rule, task_id, text, timeout)) from None
        if spans is not None:
            return [(start, end, rule.label, rule.name) for start, end in spans]
    found = find_spans([(rule, pattern)], text, timeout=timeout, source=rule.name)
    if isinstance(found, ItemError):
        raise RuleTimeoutError(_timeout_message(rule, task_id, text, timeout))
    return [(s.start, s.end, s.label, rule.name) for s in found]


def _timeout_message(rule: Rule, task_id: int, text: str, timeout: float) -> str:
    sample = text[:60] + ("..." if len(text) > 60 else "")
    return (f"rule {rule.name!r} timed out after {timeout:g} s on task {task_id} ({sample!r}): "
            "the pattern backtracks catastrophically on this text. Simplify it: avoid nested "
            "repeats such as (a+)+ or (\\w+\\s?)*, and alternatives that can match the same text")


def in_context(task_id: int, text: str, hit: Hit, width: int) -> dict[str, Any]:
    """One match with ``width`` characters of text on either side."""
    start, end, label, rule = hit
    return {"task_id": task_id, "start": start, "end": end, "label": label, "rule": rule,
            "left": text[max(0, start - width):start], "match": text[start:end],
            "right": text[end:end + width]}
