"""preannotate_lab: Jupyter-native pre-annotation with spaCy models, rules and prompts.

    import preannotate_lab as pl
    project = pl.Project("project.sqlite")
    project.read_tasks("tasks.json")
    server = pl.servers.deploy(project)
    server.run(wait=True)
    pl.Lab(project)

Public names are imported on first use, so ``import preannotate_lab`` stays fast and does not
load spaCy, pandas or the widgets until they are needed.
"""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # data
    "Task": "model", "Document": "model", "Token": "model", "Box": "model", "Page": "model",
    "Span": "model", "Choice": "model", "Relation": "model",
    "Prediction": "model", "Completion": "model",
    # project and config
    "Project": "project", "read_tasks": "project", "LabelingConfig": "labeling",
    "ConfigError": "labeling", "ConfigProblem": "labeling", "ModelInfo": "labeling",
    # pre-annotation
    "hub": "resources", "servers": "server", "Rule": "resources.rules", "RuleSet": "resources.rules", "diff_results": "compare", "agreement": "compare",
    "quality_report": "quality", "QualityReport": "quality", "QualityError": "quality",
    "RuleStudio": "studio", "RuleStudioError": "studio", "RuleTimeoutError": "studio",
    # training
    "train_ner": "training", "train_textcat": "training",
    "TrainingJob": "training", "TrainingError": "training",
    # documents
    "document_for": "documents",
    # widgets
    "Lab": "widgets", "ConfigBuilder": "widgets", "TaskGrid": "widgets",
    "PreannotateDialog": "widgets", "LabelingView": "widgets", "ServersPanel": "widgets",
    "RuleStudioWidget": "widgets",
    # errors: every one derives from PreannotateError (ConfigError and TrainingError are above)
    "PreannotateError": "errors",
    "StoreError": "store", "ProjectFileError": "store", "SchemaVersionError": "store",
    "StoreBusyError": "store", "InvalidRecordError": "store", "InvalidCompletionError": "store.checks",
    "TaskNotFound": "store", "PredictionNotFound": "store", "CompletionNotFound": "store",
    "FormatError": "formats", "TaskImportError": "formats", "ExportError": "formats",
    "ResourceError": "resources", "ResourceConfigError": "resources",
    "ServerError": "server", "CapacityError": "server", "JobError": "server",
    "DocumentError": "documents", "PageTimeout": "ocr", "DocumentPathError": "paths",
}

# old public name -> (module, name that implements it, what to write instead); kept for one
# release with a DeprecationWarning
_DEPRECATED: dict[str, tuple[str, str, str]] = {
    "import_path": ("formats", "import_path", "pl.read_tasks(project, path) or project.read_tasks(path)"),
    "import_dataframe": ("formats", "import_dataframe", "pl.read_tasks(project, df) or project.read_tasks(df)"),
    "export_project": ("formats", "export_project", "project.export(fmt, path)"),
    "to_dataframe": ("formats", "to_dataframe", "project.to_dataframe(kind=...)"),
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        module, attr, instead = _DEPRECATED[name]
        warnings.warn(f"pl.{name} is deprecated; use {instead}", DeprecationWarning, stacklevel=2)
        return getattr(import_module(f".{module}", __name__), attr)
    defined_in = _EXPORTS.get(name)
    if defined_in is None:
        raise AttributeError(f"module 'preannotate_lab' has no attribute {name!r}")
    value = getattr(import_module(f".{defined_in}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


# editors and type checkers see the names; at run time __getattr__ imports them on first use
if TYPE_CHECKING:
    from .compare import agreement, diff_results
    from .documents import DocumentError, document_for
    from .errors import PreannotateError
    from .formats import ExportError, FormatError, TaskImportError
    from .labeling import ConfigError, ConfigProblem, LabelingConfig, ModelInfo
    from .model import (
        Box,
        Choice,
        Completion,
        Document,
        Page,
        Prediction,
        Relation,
        Span,
        Task,
        Token,
    )
    from .ocr import PageTimeout
    from .paths import DocumentPathError
    from .project import Project, read_tasks
    from .quality import QualityError, QualityReport, quality_report
    from .resources import ResourceConfigError, ResourceError, hub
    from .resources.rules import Rule, RuleSet
    from .server import CapacityError, JobError, ServerError, servers
    from .store import (
        CompletionNotFound,
        InvalidRecordError,
        PredictionNotFound,
        ProjectFileError,
        SchemaVersionError,
        StoreBusyError,
        StoreError,
        TaskNotFound,
    )
    from .store.checks import InvalidCompletionError
    from .studio import RuleStudio, RuleStudioError, RuleTimeoutError
    from .training import TrainingError, TrainingJob, train_ner, train_textcat
    from .widgets import (
        ConfigBuilder,
        Lab,
        LabelingView,
        PreannotateDialog,
        RuleStudioWidget,
        ServersPanel,
        TaskGrid,
    )
