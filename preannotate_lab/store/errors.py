"""Errors raised by the project store; each names the file, task or record it is about."""

from __future__ import annotations

from ..errors import PreannotateError


class StoreError(PreannotateError):
    """Base class of every project-store error."""


class ProjectFileError(StoreError):
    """The project file is missing, is not SQLite, is damaged, or is not a preannotate_lab project."""


class SchemaVersionError(ProjectFileError):
    """The project file was written by a newer preannotate_lab than the one running."""


class StoreBusyError(StoreError):
    """Another writer held the project file for longer than the store is willing to wait."""


class InvalidRecordError(StoreError, ValueError):
    """A task, prediction or completion handed to the store cannot be stored as given."""


class _NotFound(StoreError, KeyError):
    """KeyError whose message reads as a sentence (KeyError would print it quoted)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class TaskNotFound(_NotFound):
    """No task with that id (it may have been deleted; see ``Project.deletions()``)."""


class PredictionNotFound(_NotFound):
    """No prediction with that id."""


class CompletionNotFound(_NotFound):
    """No completion with that id."""
