"""preannotate_lab: Jupyter-native pre-annotation with spaCy models, rules and prompts.

    import preannotate_lab as pl
    project = pl.Project("project.sqlite")
    pl.Lab(project)

Public names are imported on first use, so ``import preannotate_lab`` stays fast and does not
load spaCy, pandas or the widgets until they are needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # data
    "Task": "model", "Document": "model", "Token": "model", "Box": "model", "Page": "model",
    "Span": "model", "Choice": "model", "Relation": "model",
    "Prediction": "model", "Completion": "model",
    # project and config
    "Project": "store", "LabelingConfig": "config", "ConfigError": "config",
    "ConfigProblem": "config", "ModelInfo": "config",
    # pre-annotation
    "hub": "resources", "servers": "server", "Rule": "resources.rules", "RuleSet": "resources.rules", "diff_results": "compare", "agreement": "compare",
    # import / export
    "import_path": "formats", "export_project": "formats",
    "import_dataframe": "formats", "to_dataframe": "formats",
    # training
    "train_ner": "training", "train_textcat": "training",
    "TrainingJob": "training", "TrainingError": "training",
    # documents
    "document_for": "documents",
    # widgets
    "Lab": "widgets", "ConfigBuilder": "widgets", "TaskGrid": "widgets",
    "PreannotateDialog": "widgets", "LabelingView": "widgets", "ServersPanel": "widgets",
    # errors: every one derives from PreannotateError (ConfigError and TrainingError are above)
    "PreannotateError": "errors",
    "StoreError": "store", "ProjectFileError": "store", "SchemaVersionError": "store",
    "StoreBusyError": "store", "InvalidRecordError": "store", "InvalidCompletionError": "store.checks",
    "TaskNotFound": "store", "PredictionNotFound": "store", "CompletionNotFound": "store",
    "FormatError": "formats", "TaskImportError": "formats", "ExportError": "formats",
    "ResourceError": "resources",
    "ServerError": "server", "CapacityError": "server", "JobError": "server",
    "DocumentError": "documents", "PageTimeout": "ocr",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'preannotate_lab' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
