"""``pl.Project``: the project store plus the verbs a notebook reaches for.

    project = pl.Project("news.sqlite")
    project.read_tasks("tasks.json")                 # or a DataFrame, a folder, a list of paths
    project.export("labelstudio", "out/tasks.json")
    spans = project.to_dataframe(kind="spans")

The store (``preannotate_lab.store.Project``) knows tables and transactions; it sits below the
formats, so it cannot import them. This subclass sits above both and adds the import/export
verbs. Every lower layer types its argument as the store's ``Project``, which this is.

:func:`as_project` is the one gate that turns what a user passes (a Project or the path of a
project file) into a Project, for every widget, the server manager and the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import formats
from .config_gate import require_valid_config
from .labeling import LabelingConfig
from .store import Project as ProjectStore

if TYPE_CHECKING:
    import pandas

    from .formats import ExportReport, ImportReport
    from .quality import QualityReport
    from .sync import LabelStudioSync

PathLike = str | os.PathLike[str]
# what every entry point accepts where it needs a project (see as_project)
ProjectLike = ProjectStore | str | os.PathLike[str]
PROJECT_SUFFIXES = (".sqlite", ".sqlite3", ".db")


class Project(ProjectStore):
    """A pre-annotation project in one SQLite file, with import and export verbs.

    ``Project(path)`` opens the file or creates it; :meth:`create` and :meth:`open` insist on
    one or the other.
    """

    def set_config(self, config: LabelingConfig | str, *, force: bool = False) -> None:
        """Store the labeling config after the one config gate (:mod:`.config_gate`) passed it.

        Beyond the store's own checks (structure; labels that completions use), the gate refuses
        with a ConfigError a config that gives one server more resources than
        ``pl.servers.max_models_per_server``, a label whose ``model=`` resource does not predict
        it (a label without ``model=`` is manual and fine), a resource of the wrong kind, and
        resources that cannot share a server (another language or spaCy runtime).
        """
        new = LabelingConfig.from_xml(config) if isinstance(config, str) else config
        if isinstance(new, LabelingConfig):
            require_valid_config(new, what=f"the config was not saved to {self.path.name}")
        super().set_config(new, force=force)

    def read_tasks(self, source: PathLike | Iterable[PathLike] | pandas.DataFrame,
                   **options: Any) -> ImportReport:
        """Import tasks from files, folders or a DataFrame; see :func:`read_tasks`."""
        return read_tasks(self, source, **options)

    def export(self, fmt: str, out: Any, **options: Any) -> ExportReport:
        """Write the project as ``fmt`` (``labelstudio``, ``genailab``, ``jsonl``, ``conll``,
        ``spacy``, ``coco``) to ``out``, a path or a writable file."""
        return formats.export_project(self, fmt, out, **options)

    def to_dataframe(self, kind: str = "tasks", **options: Any) -> pandas.DataFrame:
        """Tasks, predictions or completions as a pandas DataFrame (``kind=``)."""
        return formats.to_dataframe(self, kind=kind, **options)

    def report(self, task_ids: Iterable[int] | None = None, *, version: int | None = None,
               server: str | None = None, label_map: dict[str, str] | None = None) -> QualityReport:
        """Pre-annotation quality against the ground-truth completions: per-label scores,
        label confusion and annotation effort saved; see :func:`preannotate_lab.quality_report`."""
        from .quality import quality_report

        return quality_report(self, None if task_ids is None else list(task_ids),
                              version=version, server=server, label_map=label_map)

    @property
    def labelstudio(self) -> LabelStudioSync:
        """Push to and pull from a running Label Studio: ``project.labelstudio.push()``."""
        from .sync import LabelStudioSync

        return LabelStudioSync(self)


def read_tasks(project: ProjectLike,
               source: PathLike | Iterable[PathLike] | pandas.DataFrame,
               **options: Any) -> ImportReport:
    """Import tasks into ``project``: a file, a folder, a list of those, or a DataFrame.

    Options go to the reader (``on_duplicate``, ``format``, ``text_column``, ...). A file
    that cannot be read at all is reported in ``report.errors`` while the other files import
    (``on_bad_file="report"``; pass ``"fail"`` for all or nothing).
    """
    store = as_project(project, who="read_tasks")
    if _is_dataframe(source):
        return formats.import_dataframe(store, source, **options)
    options.setdefault("on_bad_file", "report")
    return formats.import_path(store, source, **options)


def as_project(value: Any, *, who: str = "this") -> ProjectStore:
    """``value`` if it is a project, else the project file at that path (opened or created).

    The one place that decides what counts as a project, so every entry point accepts the
    same things and refuses the rest with the same message.
    """
    if isinstance(value, ProjectStore):
        return value
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        # an existing file, or a new one named like a project file: a stray string (a task
        # text passed by mistake) must not create a file
        if path.is_file() or path.suffix.lower() in PROJECT_SUFFIXES:
            return Project(path)
        raise TypeError(
            f"{who} takes a Project or the path of a project file ({', '.join(PROJECT_SUFFIXES)}); "
            f"{str(value)[:80]!r} is neither an existing file nor such a path"
        )
    raise TypeError(
        f"{who} takes a Project or the path of a project file, not {type(value).__name__}"
    )


def _is_dataframe(value: Any) -> bool:
    # pandas is imported only when a DataFrame was actually passed
    return type(value).__module__.startswith("pandas") and hasattr(value, "columns")
