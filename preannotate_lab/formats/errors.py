"""Errors and reports of import and export; every message names the input it is about."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from ..errors import PreannotateError


class FormatError(PreannotateError, ValueError):
    """An input or output file cannot be read or written in the format asked for."""


class TaskImportError(FormatError):
    """A whole input could not be imported (unparseable file, wrong content); nothing was written."""


class ExportError(FormatError):
    """An export could not be written (bad options, unknown format, unwritable target)."""


def deprecated_name(module: str, name: str) -> Any:
    """``ImportError_``, the old name of :class:`TaskImportError`, with a DeprecationWarning.

    It mimicked the builtin ``ImportError``; it still works for code written against it.
    """
    if name == "ImportError_":
        warnings.warn(f"{module}.ImportError_ is deprecated; use {module}.TaskImportError",
                      DeprecationWarning, stacklevel=3)
        return TaskImportError
    raise AttributeError(f"module {module!r} has no attribute {name!r}")


def __getattr__(name: str) -> Any:
    return deprecated_name(__name__, name)


@dataclass(frozen=True)
class ItemError:
    """One bad item of an input (a task, a row, a file of a folder) that was not imported."""

    input: str  # the file (or "DataFrame") the item came from
    position: str  # where in it: "task #3", "line 7", "row 12", a file name
    message: str

    def __str__(self) -> str:
        return f"{self.input}, {self.position}: {self.message}"


@dataclass
class ImportReport:
    """What an import did: new task ids, skipped duplicates, per-item errors and warnings."""

    inputs: list[str] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    n_predictions: int = 0
    n_completions: int = 0
    skipped_duplicates: list[str] = field(default_factory=list)  # source ids already stored
    overwritten: list[str] = field(default_factory=list)  # source ids (or content keys) updated in place
    updated_task_ids: list[int] = field(default_factory=list)  # stored tasks updated in place
    completions_kept: int = 0  # imported completions an updated task already had
    errors: list[ItemError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_tasks(self) -> int:
        return len(self.task_ids)

    @property
    def ok(self) -> bool:
        """True when every item of every input was imported (duplicates skipped are fine)."""
        return not self.errors

    def summary(self) -> str:
        parts = [
            f"imported {self.n_tasks} task(s) with {self.n_predictions} prediction(s) and "
            f"{self.n_completions} completion(s) from {', '.join(self.inputs) or 'nothing'}"
        ]
        if self.skipped_duplicates:
            parts.append(f"skipped {len(self.skipped_duplicates)} duplicate(s)")
        if self.overwritten:
            parts.append(f"updated {len(self.updated_task_ids)} stored task(s) in place, keeping "
                         f"their completions ({self.completions_kept} imported completion(s) "
                         "were already there)")
        if self.errors:
            parts.append(f"{len(self.errors)} item(s) not imported:")
            parts.extend(f"  {e}" for e in self.errors[:20])
            if len(self.errors) > 20:
                parts.append(f"  ... and {len(self.errors) - 20} more")
        parts.extend(f"warning: {w}" for w in self.warnings[:20])
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.summary()


@dataclass
class ExportReport:
    """What an export wrote: where, how many tasks, what it skipped and why."""

    format: str
    path: str | None
    n_tasks: int = 0
    n_skipped: int = 0
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        head = f"exported {self.n_tasks} task(s) as {self.format} to {self.path or 'memory'}"
        if self.n_skipped:
            head += f" ({self.n_skipped} skipped)"
        return "\n".join([head, *(f"note: {n}" for n in self.notes[:20])])
