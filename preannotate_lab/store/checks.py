"""Checks a completion's results must pass before the store keeps them.

The same rules as import: every label, choice and relation label is one the project's config
has (when it has a config), and a span of a text task lies inside the text and says the text
at its offsets. A document task's spans are checked against its text only when the task's
data carries one (``data["text"]``), and then only their offsets: a page's text can differ
from the span text that OCR produced for a box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..model import Choice, Relation, Result, Span
from .errors import InvalidRecordError

if TYPE_CHECKING:
    from ..labeling import LabelingConfig

PROBLEMS_SHOWN = 10


class InvalidCompletionError(InvalidRecordError):
    """A completion's results break the config or the task's text; the message names each span."""


def known_values(config: LabelingConfig | None) -> dict[str, set[str]] | None:
    """The values results may carry per result kind, or None without a config (no check)."""
    if config is None:
        return None
    return {
        "span": set(config.label_values),
        "choice": {v for c in config.choices for v in c.choices},
        "relation": {r.value for r in config.relations},
    }


def _describe(result: Result) -> str:
    if isinstance(result, Span):
        return f"span {result.id} [{result.start}, {result.end}) {result.label!r}"
    if isinstance(result, Choice):
        return f"choice {result.id} {list(result.labels)!r}"
    return f"relation {result.id} {result.label!r}"


def _label_problems(result: Result, known: Mapping[str, set[str]]) -> list[str]:
    if isinstance(result, Span):
        kind, used = "span", (result.label,) + ((result.assertion,) if result.assertion else ())
    elif isinstance(result, Choice):
        kind, used = "choice", tuple(result.labels)
    elif isinstance(result, Relation) and result.label:
        kind, used = "relation", (result.label,)
    else:
        return []
    allowed = known.get(kind, set())
    shown = ", ".join(sorted(allowed)) or "none"
    return [
        f"{_describe(result)} uses {kind} label {label!r}, which the project config does not "
        f"have (config {kind} labels: {shown})"
        for label in used if label not in allowed
    ]


def _text_problems(span: Span, text: str, *, compare_text: bool) -> list[str]:
    if span.end > len(text):
        return [f"{_describe(span)} ends at {span.end}, past the end of the text "
                f"({len(text)} characters)"]
    if compare_text and span.text and text[span.start:span.end] != span.text:
        return [f"{_describe(span)} says {span.text[:40]!r} but the text at "
                f"[{span.start}, {span.end}) is {text[span.start:span.end][:40]!r}"]
    return []


def result_problems(
    results: Iterable[Result], *, kind: str, data: Mapping[str, Any],
    config: LabelingConfig | None, compare_text: bool = True,
) -> list[str]:
    """Every problem of ``results`` for a task of this kind and data (empty: they are fine).

    ``compare_text=False`` skips the check that a span's text is the text at its offsets
    (importers warn about that and keep the file's offsets; see ``formats.labelstudio``).
    """
    known = known_values(config)
    text = data.get("text")
    problems: list[str] = []
    for result in results:
        if known is not None:
            problems += _label_problems(result, known)
        if isinstance(result, Span) and isinstance(text, str):
            # a rectangle-only span of a page (0, 0) has no offsets worth checking
            if kind == "document" and result.boxes and result.end == 0:
                continue
            problems += _text_problems(result, text, compare_text=compare_text and kind == "text")
    return problems


def ensure_valid_results(
    results: Iterable[Result], *, what: str, task_id: int, kind: str, data: Mapping[str, Any],
    config: LabelingConfig | None, compare_text: bool = True,
) -> None:
    """Raise :class:`InvalidCompletionError` naming ``what``, the task and each bad result."""
    problems = result_problems(results, kind=kind, data=data, config=config,
                               compare_text=compare_text)
    if not problems:
        return
    lines = "\n".join(f"- {p}" for p in problems[:PROBLEMS_SHOWN])
    more = len(problems) - PROBLEMS_SHOWN
    if more > 0:
        lines += f"\n- ... and {more} more"
    raise InvalidCompletionError(
        f"{what} of task {task_id} was not saved: {len(problems)} problem(s):\n{lines}\n"
        "Fix the offsets or labels, or add the labels to the project config first"
    )


def label_of(result: Result) -> str:
    if isinstance(result, Span):
        return result.label
    if isinstance(result, Choice):
        return "/".join(result.labels)
    return str(getattr(result, "label", None))


def split_by_config(
    results: Iterable[Result], config: LabelingConfig | None
) -> tuple[list[Result], list[Result]]:
    """(results the config allows, results with a label it lacks); relations of a left-out
    span are left out with it."""
    results = list(results)
    known = known_values(config)
    if known is None:
        return results, []
    dropped = [r for r in results if _label_problems(r, known)]
    gone = {r.id for r in dropped if isinstance(r, Span)}
    dropped += [r for r in results if isinstance(r, Relation) and r not in dropped
                and (r.from_id in gone or r.to_id in gone)]
    kept = [r for r in results if r not in dropped]
    return kept, dropped
