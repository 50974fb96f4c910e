"""Whether a deployed server fits a project's current config: the one gate for that decision.

``Server.run`` asks it before a job (refusing what would store wrong predictions, warning about
labels the server will not predict), and the Pre-Annotate dialog and the servers panel show its
answer on each server's row. A server is:

- ``"fits"``: deployed from this project's current config, with the hub's current resources;
- ``"stale"``: the config or the hub changed since the deploy (what differs is listed);
- ``"other project"``: deployed from another project (what differs is listed all the same).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..store import Project as ProjectStore
    from .server import Server

FitStatus = Literal["fits", "stale", "other project"]


@dataclass(frozen=True)
class Fit:
    """How a server compares with a project's current config (see :func:`server_fit`)."""

    server: str
    project: str
    status: FitStatus
    # labels the config gives to a model= resource that this server does not predict
    missing_labels: tuple[str, ...] = ()
    # labels this server predicts that the config does not have at all
    extra_labels: tuple[str, ...] = ()
    # (resource, version deployed, version in the hub now)
    changed_resources: tuple[tuple[str, str, str], ...] = ()
    config_changed: bool = False  # the config's hash differs from the one deployed
    deployed_from: str | None = None  # the other project's name (status "other project")

    @property
    def fits(self) -> bool:
        return self.status == "fits"

    @property
    def runnable(self) -> bool:
        """Whether a run may go ahead: its predictions would neither carry labels the config
        lacks nor claim resources the hub has changed since (missing labels only warn)."""
        return not self.extra_labels and not self.changed_resources

    @property
    def differences(self) -> list[str]:
        """What differs, one phrase each (empty when the server fits)."""
        out = []
        if self.deployed_from is not None:
            out.append(f"deployed from project {self.deployed_from!r}")
        if self.missing_labels:
            out.append(f"does not predict {', '.join(self.missing_labels)}, which the config asks for")
        if self.extra_labels:
            out.append(f"predicts {', '.join(self.extra_labels)}, which the config does not have")
        if self.changed_resources:
            out.append("the hub changed " + ", ".join(
                f"{name} ({old} -> {new})" for name, old, new in self.changed_resources))
        if self.config_changed and not (self.missing_labels or self.extra_labels):
            out.append("the project's config changed since the deploy")
        return out

    @property
    def summary(self) -> str:
        """One line for a UI: "fits", or the status and what differs."""
        if self.fits:
            return "fits"
        return f"{self.status}: {'; '.join(self.differences) or 'deployed from another config'}"

    def describe(self) -> dict[str, Any]:
        """Plain data for UIs (JSON-able)."""
        return {"status": self.status, "summary": self.summary, "runnable": self.runnable,
                "missing_labels": list(self.missing_labels),
                "extra_labels": list(self.extra_labels),
                "changed_resources": [list(c) for c in self.changed_resources],
                "config_changed": self.config_changed, "deployed_from": self.deployed_from}


def server_fit(server: Server, project: ProjectStore) -> Fit:
    """Compare ``server`` with ``project``'s current config and the hub's current resources."""
    try:
        config = project.config
    except Exception:  # e.g. a closed project: a run reports that itself, clearly
        config = None
    labels = set(server.labels)
    missing: list[str] = []
    extra: list[str] = []
    config_changed = False
    if config is not None:
        allowed = set(config.all_values)
        extra = [label for label in server.labels if label not in allowed]
        missing = [v for v in dict.fromkeys(_model_values(config)) if v not in labels]
        digest = getattr(config, "hash", None)
        current = digest() if callable(digest) else None
        config_changed = bool(server.config_hash and current and server.config_hash != current)
    changed = []
    for stage in server.spec.stages:
        now = hub_version(server.manager.hub, stage.name)
        if now is not None and now != stage.version:
            changed.append((stage.name, stage.version, now))
    other = _other_project(server.project, project)
    status: FitStatus = "other project" if other is not None else (
        "stale" if missing or extra or changed or config_changed else "fits")
    return Fit(server=server.name, project=_name(project), status=status,
               missing_labels=tuple(missing), extra_labels=tuple(extra),
               changed_resources=tuple(changed), config_changed=config_changed,
               deployed_from=other)


def _name(project: ProjectStore) -> str:
    try:
        return str(project.name)
    except Exception:  # a closed project: its file's name says which one
        return os.path.splitext(os.path.basename(str(project.path)))[0]


def _model_values(config: Any) -> list[str]:
    """Every value the config gives to a model= resource (manual labels are not asked for)."""
    uses = getattr(config, "resource_uses", None)
    if uses is None:
        return [v for values in dict(getattr(config, "models", {})).values() for v in values]
    return [v for use in uses for v in use.values]


def _other_project(deployed: ProjectStore | None, project: ProjectStore) -> str | None:
    """The name of the project a server was deployed from, if that is not ``project``."""
    if deployed is None or deployed is project:
        return None
    try:
        same = os.path.samefile(deployed.path, project.path)
    except (OSError, AttributeError, TypeError):
        same = str(getattr(deployed, "path", "")) == str(getattr(project, "path", None))
    return None if same else str(getattr(deployed, "name", deployed))


def hub_version(hub: Any, name: str) -> str | None:
    """The version ``hub`` has now for ``name`` (None: not a hub resource, e.g. built inline)."""
    try:
        return hub.info(name).version
    except Exception:  # an inline resource, or one removed from the hub since the deploy
        return None
