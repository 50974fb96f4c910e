"""Find spaCy pipelines (installed packages and user folders) and read their meta without loading them."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .base import ResourceError

# Loaded pipelines take about this many times their size on disk (en_core_web_sm: 15 MB on
# disk, ~60 MB resident after spacy.load).
MEMORY_PER_DISK_MB = 4.0
TEXTCAT_FACTORIES = ("textcat", "textcat_multilabel")


@dataclass(frozen=True)
class PipelineMeta:
    """What the hub needs from a pipeline's meta.json."""

    name: str  # hub name: the package name, or lang_name for a folder
    model: str  # what spacy.load takes: a package name or a folder path
    lang: str
    version: str
    spacy_version: str
    labels: dict[str, tuple[str, ...]]  # component -> labels
    components: tuple[str, ...]
    disk_mb: float
    description: str

    @property
    def memory_mb(self) -> float:
        return round(self.disk_mb * MEMORY_PER_DISK_MB, 1)

    @property
    def textcat_component(self) -> str | None:
        for comp in self.components:
            if comp in TEXTCAT_FACTORIES:
                return comp
        return None


def _disk_mb(folder: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for file in files:
            try:
                total += os.path.getsize(os.path.join(root, file))
            except OSError:
                continue
    return total / 1e6


@lru_cache(maxsize=256)
def _read_meta(folder: str, mtime: float) -> dict[str, Any]:
    return json.loads((Path(folder) / "meta.json").read_text("utf-8"))


def clear_caches() -> None:
    importlib.invalidate_caches()  # the import system's view of site-packages, too
    _installed.cache_clear()
    _read_meta.cache_clear()
    _folder_mb.cache_clear()


@lru_cache(maxsize=256)
def _folder_mb(folder: str, mtime: float) -> float:
    return round(_disk_mb(Path(folder)), 1)


def meta_of_folder(folder: Path, *, name: str | None = None, model: str | None = None) -> PipelineMeta:
    """Meta of a pipeline folder (a package's folder or a saved ``nlp.to_disk`` folder)."""
    meta_file = folder / "meta.json"
    if not meta_file.is_file():
        raise ResourceError(
            f"{folder} is not a spaCy pipeline folder (no meta.json); give the folder that "
            "nlp.to_disk() or `spacy train` wrote (e.g. output/model-best)"
        )
    try:
        meta = _read_meta(str(folder), meta_file.stat().st_mtime)
    except ValueError as exc:
        raise ResourceError(f"{meta_file} is not valid JSON: {exc}") from exc
    lang = str(meta.get("lang", "xx"))
    labels = {k: tuple(v) for k, v in (meta.get("labels") or {}).items() if isinstance(v, list)}
    components = tuple(meta.get("components") or meta.get("pipeline") or labels)
    disabled = set(meta.get("disabled") or ())
    return PipelineMeta(
        name=name or f"{lang}_{meta.get('name', folder.name)}",
        model=model or str(folder),
        lang=lang,
        version=str(meta.get("version", "0.0.0")),
        spacy_version=str(meta.get("spacy_version", "")),
        labels=labels,
        components=tuple(c for c in components if c not in disabled),
        disk_mb=_folder_mb(str(folder), meta_file.stat().st_mtime),
        description=str(meta.get("description", "")).split("\n")[0],
    )


@lru_cache(maxsize=1)
def _installed() -> tuple[str, ...]:
    import spacy.util

    # spaCy's own list reads the entry points once, when spaCy is imported, so a pipeline
    # pip-installed into a running kernel would never appear; read them again here
    fresh = {ep.name for ep in importlib.metadata.entry_points(group="spacy_models")}
    return tuple(sorted(fresh | set(spacy.util.get_installed_models())))


def installed_pipelines() -> list[PipelineMeta]:
    """Every installed spaCy pipeline package, read from its meta.json (nothing is loaded)."""
    import spacy.util

    out = []
    for package in _installed():
        try:
            folder = Path(spacy.util.get_package_path(package))
            out.append(meta_of_folder(folder, name=package, model=package))
        except (ResourceError, OSError, ImportError):
            continue  # a broken package must not hide the others; loading it names the problem
    return out


def pipeline_meta(model: str) -> PipelineMeta:
    """Meta for ``model``: an installed package name or a pipeline folder path."""
    for meta in installed_pipelines():
        if meta.model == model:
            return meta
    folder = Path(model).expanduser()
    if folder.is_dir():
        return meta_of_folder(folder.resolve())
    raise ResourceError(
        f"spaCy pipeline {model!r} is neither an installed package nor a folder; installed: "
        f"{', '.join(_installed()) or 'none'} (install one with pip, or hub.add_model_path(folder))"
    )


def load_pipeline(model: str) -> Any:
    """spacy.load with an error that names the model and what to do."""
    import spacy

    try:
        return spacy.load(model)
    except (OSError, ValueError, ImportError) as exc:
        raise ResourceError(f"cannot load spaCy pipeline {model!r}: {exc}") from exc
