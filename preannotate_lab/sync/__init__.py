"""Live two-way sync with a running Label Studio (through ``label-studio-sdk``).

    project.labelstudio.push()                 # LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY
    project.labelstudio.pull()
    project.labelstudio.push(url="http://localhost:8080", api_key="...", title="News NER")

A push creates the Label Studio project the first time (or updates ``ls_project``) and
sends the config, the tasks, predictions and completions that are new or changed since the
last sync; a pull brings back the annotations made there as completions (see
:mod:`.push` and :mod:`.pull`). Which record is which there is kept in the project file,
so both are idempotent: a second push or pull with nothing new changes nothing. Where a
completion was edited on both sides, the side synced last wins; a pull keeps what it
replaces in the completion's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .client import KEY_ENV, URL_ENV, LabelStudioSyncError, connect
from .report import SyncReport

if TYPE_CHECKING:
    from ..store import Project as ProjectStore
    from ..store.ls_links import LinkTarget

__all__ = ["KEY_ENV", "URL_ENV", "LabelStudioSync", "LabelStudioSyncError", "SyncReport"]


class LabelStudioSync:
    """``project.labelstudio``: push to and pull from a Label Studio server.

    ``url`` and ``api_key`` default to ``$LABEL_STUDIO_URL`` and ``$LABEL_STUDIO_API_KEY``;
    a personal access token and a legacy token both work.
    """

    def __init__(self, project: ProjectStore) -> None:
        self.project = project

    def push(self, *, url: str | None = None, api_key: str | None = None,
             ls_project: int | None = None, title: str | None = None) -> SyncReport:
        """Create (titled ``title``, else the project's name) or update the Label Studio
        project this one was pushed to last, or ``ls_project``."""
        from .push import push

        return push(self.project, connect(url, api_key), ls_project=ls_project, title=title)

    def pull(self, *, url: str | None = None, api_key: str | None = None,
             ls_project: int | None = None) -> SyncReport:
        """Bring back the annotations of the Label Studio project pushed to last (or
        ``ls_project``) as completions."""
        from .pull import pull

        return pull(self.project, connect(url, api_key), ls_project=ls_project)

    def target(self, url: str | None = None) -> LinkTarget | None:
        """The Label Studio project synced last (on ``url``, or on any server), if any."""
        return self.project.labelstudio_target(url.rstrip("/") if url else None)
