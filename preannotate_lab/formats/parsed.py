"""The intermediate form of an import: a task with its predictions and completions, unstored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import PreannotateError
from ..model import Completion, Prediction, Task
from ..store.codec import SOURCE_ID_KEY, source_id_of

# SOURCE_ID_KEY: the ``task.data`` key holding the id a task had in the file it came from.
# Duplicate detection (``on_duplicate``) compares it through the store's indexed
# ``source_id`` column, and export writes it back as the task's ``id``; it is never
# exported inside ``data``.
__all__ = ["SOURCE_ID_KEY", "ParsedTask", "TaskProblem", "iso", "parse_time"]


class TaskProblem(PreannotateError, ValueError):
    """One task of an input cannot be imported; the message says why (without its position)."""


@dataclass(slots=True)
class ParsedTask:
    """A task read from an input, not yet stored (its predictions have ``task_id=0``)."""

    task: Task
    position: str  # where in the input: "task #3", "line 7", a file name
    predictions: list[Prediction] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    # per completion: the input's id of the prediction it was copied from, if any
    completion_parents: list[str | None] = field(default_factory=list)
    # per prediction: its id in the input, if any (to map completion_parents)
    prediction_source_ids: list[str | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # its source id is one Label Studio assigned on import (not the id it had with us):
    # when no stored task has it, the import looks the task up by content instead
    match_content: bool = False

    @property
    def source_id(self) -> str | None:
        return source_id_of(self.task.data)


def parse_time(value: Any, what: str = "time") -> datetime | None:
    """A UTC datetime from ISO 8601 text ("...Z", "2022-10-29 14:07:12"), else None.

    Text that is no time gives None (the caller falls back to now). A time that exists in
    its own zone but not in UTC (``9999-12-31T23:00:00-05:00``) raises :class:`TaskProblem`
    naming ``what``: it could be neither stored nor exported.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise TaskProblem(
            f"has {what} {str(value)[:60]!r}, which is out of range in UTC; "
            "fix the date or remove it"
        ) from None


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC (the inverse of :func:`parse_time`)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
