"""Named factories and resource specs: the leaf every resource module may import.

Like spaCy's ``Language.factory``: a resource class registers under a factory name with
``register_factory("rules")``; a *spec* (name + factory + small config) names one concrete
resource. The built-in factories are registered in :mod:`.registrations`; the
:class:`~.resource_hub.Hub` lists, describes and builds resources from specs.

Building or describing goes through :func:`build_resource` / :func:`describe_resource`, which
check the config against the factory's declared ``config_fields`` first, so a misspelt key
(``"treshold"``) is refused instead of silently falling back to the default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .base import KINDS, Resource, ResourceError, ResourceInfo

_FACTORIES: dict[str, type[Resource]] = {}


def register_factory(name: str) -> Callable[[type[Resource]], type[Resource]]:
    """Class decorator: make ``cls`` buildable by the hub under factory ``name``."""

    def decorate(cls: type[Resource]) -> type[Resource]:
        if getattr(cls, "kind", None) not in KINDS:
            raise TypeError(f"factory {name!r}: {cls.__name__}.kind must be one of {KINDS}")
        cls.factory = name
        _FACTORIES[name] = cls
        return cls

    return decorate


def factories() -> dict[str, type[Resource]]:
    """Factory name -> resource class (the built-ins once ``preannotate_lab.resources`` is imported)."""
    return dict(_FACTORIES)


def get_factory(name: str) -> type[Resource]:
    if name not in _FACTORIES:
        raise ResourceError(f"unknown factory {name!r}; known factories: {', '.join(sorted(_FACTORIES))}")
    return _FACTORIES[name]


# config keys that hold a secret itself (the config is saved as JSON, fingerprinted and shown);
# a key ending in "_env" names an environment variable instead and is fine
_SECRET_KEYS = frozenset({"api_key", "apikey", "key", "token", "access_token", "secret", "password",
                          "authorization", "bearer", "auth"})
_SECRET_SUFFIXES = ("api_key", "apikey", "access_key", "private_key", "secret_key", "_token", "_secret",
                    "_password")


def _secret_keys(config: Mapping[str, Any], where: str = "") -> list[str]:
    found = []
    for key, value in config.items():
        path = f"{where}{key}"
        lowered = str(key).lower().replace("-", "_")
        if not lowered.endswith("_env") and (lowered in _SECRET_KEYS or lowered.endswith(_SECRET_SUFFIXES)):
            found.append(path)
        # only HTTP headers are searched inside: a label map may well name a label "PASSWORD"
        if lowered == "headers" and isinstance(value, Mapping):
            found += _secret_keys(value, f"{path}.")
    return found


def refuse_inline_secrets(name: str, config: Mapping[str, Any]) -> None:
    """ResourceError if ``config`` holds an API key, token or password in plain text.

    Every factory's config passes here before anything is built, described or saved: a key in
    a config would be written to ``resources/<name>.json``. The fix is an environment variable.
    """
    found = _secret_keys(config)
    if found:
        raise ResourceError(
            f"resource {name!r}: do not put an API key or other secret in the config "
            f"({', '.join(map(repr, found))}); it would be saved in plain text. Put it in an "
            "environment variable and give that variable's NAME instead, e.g. "
            "'api_key_env': 'MY_LLM_KEY'"
        )


def build_resource(factory: str, name: str, config: Mapping[str, Any], *, hub: Any = None) -> Resource:
    """Build resource ``name`` with ``factory`` from a config checked against its declared keys."""
    refuse_inline_secrets(name, config)
    cls = get_factory(factory)
    cls.checked_config(name, config)
    return cls.from_config(name, dict(config), hub=hub)


def describe_resource(factory: str, name: str, config: Mapping[str, Any], *,
                      hub: Any = None) -> ResourceInfo:
    """Metadata of resource ``name`` (nothing loaded), its config checked first."""
    refuse_inline_secrets(name, config)
    cls = get_factory(factory)
    cls.checked_config(name, config)
    return cls.describe(name, config, hub=hub)


@dataclass(frozen=True)
class ResourceSpec:
    """A named resource: which factory builds it, from which config."""

    name: str
    factory: str
    config: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResourceSpec:
        unknown = set(data) - {"name", "factory", "config", "description"}
        if unknown or "name" not in data or "factory" not in data:
            raise ResourceError(
                f"a resource spec needs 'name' and 'factory' (and optional 'config', "
                f"'description'); got keys {sorted(data)}"
            )
        name = data["name"]
        if not isinstance(name, str) or not name.strip() or "/" in name:
            raise ResourceError(f"resource name {name!r} must be a non-empty string without '/'")
        config = data.get("config") or {}
        if not isinstance(config, Mapping):
            raise ResourceError(f"resource {name!r}: 'config' must be a JSON object")
        return cls(name, str(data["factory"]), dict(config), str(data.get("description", "")))
