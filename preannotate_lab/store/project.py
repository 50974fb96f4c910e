"""``Project``: one pre-annotation project in one SQLite file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from .codec import now_iso
from .completions import CompletionMixin
from .db import BUSY_TIMEOUT_MS, PATIENCE_S, Database
from .errors import ProjectFileError
from .grid import GridMixin
from .lookups import LookupsMixin
from .ls_links import LabelStudioLinksMixin
from .predictions import PredictionMixin
from .roots import RootsMixin, seed_legacy_roots
from .runs import RunsMixin
from .schema import prepare
from .tasks import TaskMixin
from .text_index import TextIndexMixin

if TYPE_CHECKING:
    from ..labeling import LabelingConfig
    from .recover import RecoveryReport


def _meta(conn, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _set_meta(conn, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


class Project(TaskMixin, PredictionMixin, CompletionMixin, GridMixin, RootsMixin,
              LabelStudioLinksMixin, TextIndexMixin, LookupsMixin,
              RunsMixin):
    """A project store: tasks, immutable predictions, editable completions, the config.

    ``Project(path)`` opens the file or creates it; :meth:`create` and :meth:`open` insist
    on one or the other. Safe to share between threads (a connection per thread) and to use
    from several processes at once; a pickled Project reopens its file on the other side.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        mode: str = "open_or_create",
        config: LabelingConfig | str | None = None,
        name: str | None = None,
        patience: float = PATIENCE_S,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        if mode not in ("open", "create", "open_or_create"):
            raise ValueError(f"mode must be 'open', 'create' or 'open_or_create', not {mode!r}")
        self.path = Path(path)
        exists = self.path.exists() and self.path.stat().st_size > 0
        if self.path.is_dir():
            raise ProjectFileError(f"{self.path} is a folder; give the path of a project file")
        if mode == "open" and not exists:
            raise ProjectFileError(
                f"no project file at {self.path}; use Project.create(path) to start one"
            )
        if mode == "create" and exists:
            raise ProjectFileError(f"{self.path} already exists; use Project.open(path) to open it")
        if not self.path.parent.is_dir():
            raise ProjectFileError(
                f"cannot create {self.path}: folder {self.path.parent} does not exist"
            )
        # patience: how long a write waits for other writers before StoreBusyError;
        # busy_timeout_ms: how long SQLite waits before the store's own backoff takes over
        self._db = Database(self.path, patience=patience, busy_timeout_ms=busy_timeout_ms)
        self._config_cache: tuple[str, Any] | None = None
        try:
            prepare(self._db, may_create=not exists)
            with self._db.write() as conn:
                seed_legacy_roots(conn)
                if _meta(conn, "created_at") is None:
                    _set_meta(conn, "created_at", now_iso())
                    _set_meta(conn, "name", name or self.path.stem)
                elif name is not None:
                    _set_meta(conn, "name", name)
        except BaseException:
            self._db.close()
            raise
        if config is not None:
            self.set_config(config)

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        config: LabelingConfig | str | None = None,
        *,
        name: str | None = None,
    ) -> Self:
        """Create a new project file (refuses to overwrite an existing one)."""
        return cls(path, mode="create", config=config, name=name)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Self:
        """Open an existing project file, migrating an older schema in place."""
        return cls(path, mode="open")

    @staticmethod
    def recover(
        damaged: str | os.PathLike[str], out: str | os.PathLike[str]
    ) -> RecoveryReport:
        """Copy every row still readable in a damaged project file into a new file ``out``.

        Never writes to ``damaged``; refuses to overwrite ``out``. The report says per
        table how many rows were copied and which rowids could not be read. Then open
        ``out`` (CLI: ``preannotate recover DAMAGED OUT``).
        """
        from .recover import recover_project

        return recover_project(damaged, out)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def release_thread(self) -> None:
        """Close the calling thread's connection; call it when a worker thread is done.

        Connections of threads that end without it are closed later anyway (when another
        thread opens one); the project stays open and this thread may use it again.
        """
        self._db.release_thread()

    def transaction(self):
        """One write transaction around several calls: all of them land, or none do.

        Every write of this project on the same thread joins it (e.g. a whole import).
        """
        return self._db.write()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # connections cannot cross processes; the other side opens its own
        return (type(self).open, (str(self.path),))

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r})"

    # -- metadata and config --------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._db.read(lambda c: _meta(c, "name")) or self.path.stem

    @property
    def config_hash(self) -> str | None:
        return self._db.read(lambda c: _meta(c, "config_hash"))

    @property
    def config(self) -> LabelingConfig | None:
        """The labeling config, or None before one is set (parsed once per stored version)."""
        xml = self._db.read(lambda c: _meta(c, "config_xml"))
        if xml is None:
            return None
        if self._config_cache is None or self._config_cache[0] != xml:
            from ..labeling import LabelingConfig

            self._config_cache = (xml, LabelingConfig.from_xml(xml))
        return self._config_cache[1]

    def set_config(self, config: LabelingConfig | str, *, force: bool = False) -> None:
        """Store the labeling config (an object or its XML).

        Refuses with a ConfigError:

        * a config with structural errors (``config.validate()`` errors such as a control
          whose ``toName`` names no object, a duplicate label, no labels at all); warnings
          pass. Checks that need the hub (which models may share a server) stay with the
          callers that know the models;
        * unless ``force=True``, a config that lacks labels completions use: with an earlier
          config, the labels it drops; for the first config, every label the completions use
          (e.g. completions imported before any config). The message names labels and tasks.
        """
        from ..labeling import ConfigError, LabelingConfig

        new = LabelingConfig.from_xml(config) if isinstance(config, str) else config
        if not isinstance(new, LabelingConfig):
            raise TypeError(
                f"set_config takes a LabelingConfig or XML text, not {type(config).__name__}"
            )
        errors = [
            p for p in new.validate() if p.severity == "error" and p.code not in _MODEL_CODES
        ]
        if errors:
            raise ConfigError(
                f"the config was not saved to {self.path.name}; it has {len(errors)} problem(s):\n- "
                + "\n- ".join(p.message for p in errors)
            )
        xml = new.to_xml()
        with self._db.write() as conn:
            old = self.config
            if not force:
                have = set(_values(new))
                before = None if old is None else set(_values(old))
                used = self.completion_labels()
                # a label the old config never had was let in on purpose (force=True or an
                # import without label checks), so only labels this change drops block it
                conflicts = {
                    label: tasks for label, tasks in used.items()
                    if label not in have and (before is None or label in before)
                }
                if conflicts:
                    raise ConfigError(_removal_message(self.path, conflicts, first=old is None))
            _set_meta(conn, "config_xml", xml)
            _set_meta(conn, "config_hash", new.hash())
            _set_meta(conn, "config_updated_at", now_iso())
        self._config_cache = (xml, new)


# problems only the hub can judge or that depend on how servers are deployed; set_config's
# callers (config builder, CLI) check these with the models they know
_MODEL_CODES = frozenset({"too_many_models", "unknown_model", "incompatible_models", "wrong_model_kind"})


def _values(config: LabelingConfig) -> list[str]:
    """Every value a completion's result may carry: labels, choices, relation labels."""
    return list(getattr(config, "all_values", config.label_values))


def _removal_message(path: Path, conflicts: dict[str, list[int]], *, first: bool) -> str:
    from ..labeling import describe_tasks

    problems = [
        f"label {label!r} is used by completions of {describe_tasks(tasks)}"
        for label, tasks in sorted(conflicts.items())
    ]
    what = "the first config" if first else "the new config"
    return (
        f"{what} of {path.name} lacks labels that completions use:\n- "
        + "\n- ".join(problems)
        + "\nAdd those labels to the config, change the completions, or pass force=True "
        "(CLI: --force) to save it anyway; the completions keep their labels"
    )
