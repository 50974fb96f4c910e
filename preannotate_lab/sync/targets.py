"""Which Label Studio project a push or pull talks to, and the digest links remember."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..formats.ls_meta import results_digest
from .client import Connection, LabelStudioSyncError

if TYPE_CHECKING:
    from ..store import Project as ProjectStore
    from ..store.ls_links import LinkTarget


def digest(results: Iterable[Any], skipped: bool) -> str:
    """What a completion or annotation says (its results, or that it is a skip), short.

    The same on both sides for the same annotation: confidences, region ids and control
    names, which Label Studio may drop or fill in, are left out (see ``ls_meta``).
    """
    return ("skip:" if skipped else "") + results_digest(results)


def config_xml(project: ProjectStore) -> str:
    config = project.config
    if config is None:
        raise LabelStudioSyncError(
            f"project {project.name!r} has no labeling config; set one (project.set_config(...) "
            "or the config builder in pl.Lab) before pushing it to Label Studio")
    return config.to_xml()


def existing_target(project: ProjectStore, conn: Connection, ls_project: int | None) -> LinkTarget | None:
    """The recorded target on this server: ``ls_project`` if given, else the one synced last."""
    return project.labelstudio_target(conn.url, ls_project)


def check_exists(conn: Connection, ls_project: int) -> dict[str, Any]:
    """The Label Studio project as a dict; a clear error when it is not there."""
    from .client import plain

    try:
        return plain(conn.client.projects.get(id=ls_project))
    except Exception as exc:
        if getattr(exc, "status_code", None) == 404:
            raise LabelStudioSyncError(
                f"Label Studio at {conn.url} has no project {ls_project}; give another --ls-project, "
                "or push with --title to create a new one") from None
        raise conn_error(conn, exc, f"reading project {ls_project}") from exc


def conn_error(conn: Connection, exc: Exception, what: str) -> LabelStudioSyncError:
    from .client import api_error

    return api_error(exc, what, conn.url)
