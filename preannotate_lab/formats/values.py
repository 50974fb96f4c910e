"""What no stored task may hold: numbers JSON cannot write and text UTF-8 cannot encode.

A score of ``Infinity``/``NaN`` (or ``1e400``, which JSON readers turn into infinity) would be
stored and then make every later export with predictions fail; a lone surrogate such as
``\\ud800`` (legal in a JSON escape, not in UTF-8) would abort the whole write. Import asks
:func:`value_problems` per task and leaves out just that task, with a message naming the
field. Policy: refused, not clamped — an invented score would look like a real one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ..model import result_to_dict
from .parsed import ParsedTask


def value_problems(parsed: ParsedTask) -> list[str]:
    """Problems of one parsed task, each naming where (``prediction #0 score``), at most 5."""
    problems: list[str] = []
    task = parsed.task
    found = [*_walk(task.data, "data"), *_walk(task.title, "title")]
    for i, p in enumerate(parsed.predictions):
        name = f"prediction #{i}"
        found.extend(_walk(p.score, f"{name} score"))
        found.extend(_walk(p.model_version, f"{name} model_version"))
        for j, r in enumerate(p.results):
            found.extend(_walk(result_to_dict(r), f"{name} result #{j}"))
    for i, c in enumerate(parsed.completions):
        name = f"completion #{i}"
        found.extend(_walk(c.created_by, f"{name} author"))
        for j, r in enumerate(c.results):
            found.extend(_walk(result_to_dict(r), f"{name} result #{j}"))
    for where, message in found:
        problems.append(f"{where} {message}")
        if len(problems) == 5:
            break
    return problems


def _walk(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, float):
        if not math.isfinite(value):
            yield where, (f"is {value} (JSON cannot hold it; a number like 1e400 overflows to "
                          "infinity); use a finite number or leave it out")
    elif isinstance(value, str):
        bad = _bad_char(value)
        if bad is not None:
            yield where, bad
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and (bad := _bad_char(key)) is not None:
                yield f"{where} key", bad
            yield from _walk(item, f"{where}.{key}" if isinstance(key, str) and _bad_char(key) is None
                             else where)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{where}[{i}]")


def _bad_char(text: str) -> str | None:
    """A message for the first character UTF-8 cannot encode (a lone surrogate), else None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"holds an invalid Unicode character U+{ord(text[exc.start]):04X} (a lone "
                f"surrogate) at character {exc.start}; fix the file's \\u escapes")
    return None
