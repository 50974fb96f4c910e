"""The SQLite project store: one file per project (WAL), safe across threads and processes.

from preannotate_lab.store import Project
with Project("news.sqlite") as project:
    ids = project.add_tasks(tasks)
    total, rows = project.task_rows(sort="title", status="new", search="berlin")
"""

from __future__ import annotations

from .errors import (
    CompletionNotFound,
    InvalidRecordError,
    PredictionNotFound,
    ProjectFileError,
    SchemaVersionError,
    StoreBusyError,
    StoreError,
    TaskNotFound,
)
from .grid import KINDS, SORTS, STATUSES
from .project import Project
from .recover import RecoveryReport, recover_project
from .schema import SCHEMA_VERSION

__all__ = [
    "KINDS",
    "SORTS",
    "SCHEMA_VERSION",
    "STATUSES",
    "CompletionNotFound",
    "InvalidRecordError",
    "PredictionNotFound",
    "Project",
    "ProjectFileError",
    "RecoveryReport",
    "SchemaVersionError",
    "StoreBusyError",
    "StoreError",
    "TaskNotFound",
    "recover_project",
]
