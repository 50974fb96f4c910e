"""Import and export, one module per format.

    from preannotate_lab.formats import import_path, export_project
    report = import_path(project, "tasks.json")            # Label Studio / Generative AI Lab JSON
    report = import_path(project, ["notes.csv", "scans/"])  # CSV, a folder of .txt/PDF/images
    export_project(project, "genailab", "export.json", only_ground_truth=True)
    export_project(project, "conll", "train.conll")

Inputs: ``.json`` (task lists, and Label Studio's JSON, snapshot and JSON_MIN exports),
``.jsonl``, ``.csv``/``.tsv``, ``.txt``, ``.conll`` (CONLL2003), PDFs and images, folders of
those, and DataFrames (:func:`import_dataframe`; a frame of spans becomes predictions or
completions). Outputs: ``labelstudio``, ``genailab``, ``jsonl``, ``conll``, ``spacy`` (DocBin),
``coco``, and :func:`to_dataframe` (tasks or spans). :func:`read_tagged` reads a BIO-tagged token file's
gold spans without a project (to score against, or to pick examples from).
A task keeps the id it had in its file in ``task.data["_source_id"]``.
"""

from __future__ import annotations

from typing import Any

from .conll_reader import read_tagged
from .errors import ExportError, ExportReport, FormatError, ImportReport, ItemError, TaskImportError
from .errors import deprecated_name as _deprecated_name
from .exporting import EXPORT_FORMATS, export_project, to_dataframe
from .importing import IMPORT_FORMATS, import_dataframe, import_path
from .parsed import SOURCE_ID_KEY

__all__ = [
    "EXPORT_FORMATS", "IMPORT_FORMATS", "SOURCE_ID_KEY",
    "ExportError", "ExportReport", "FormatError", "ImportReport", "ItemError", "TaskImportError",
    "export_project", "import_dataframe", "import_path", "read_tagged", "to_dataframe",
]


def __getattr__(name: str) -> Any:
    return _deprecated_name(__name__, name)
