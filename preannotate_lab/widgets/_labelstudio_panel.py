"""LabelStudioPanel: push the project to a running Label Studio and pull its annotations back."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import traitlets

from ..project import ProjectLike, as_project
from ..sync import KEY_ENV, URL_ENV, LabelStudioSync, SyncReport
from ._rpc import RpcWidget, css, esm, request


class LabelStudioPanel(RpcWidget):
    """URL and API key fields (``$LABEL_STUDIO_URL`` / ``$LABEL_STUDIO_API_KEY`` by default),
    the Label Studio project id (empty: the one synced last, else a new one), Push, Pull and
    a status line with what the last sync did.

    The API key never goes to the browser (the widget's state is saved in the notebook): the
    browser sends one only when the user types it; otherwise the kernel's environment's is used.
    A push or pull runs in the request (the reply comes when it is done).
    """

    _esm = esm("labelstudio_panel")
    _css = css("labelstudio_panel")

    url = traitlets.Unicode("").tag(sync=True)
    key_from_env = traitlets.Bool(False).tag(sync=True)  # a key is set in the kernel's env
    ls_project = traitlets.Int(None, allow_none=True).tag(sync=True)
    project_url = traitlets.Unicode("").tag(sync=True)
    last = traitlets.Dict().tag(sync=True)  # the last report, as SyncReport.to_dict()

    def __init__(self, project: ProjectLike) -> None:
        super().__init__()
        self.project = as_project(project, who="LabelStudioPanel")
        self.sync = LabelStudioSync(self.project)
        self._synced_callbacks: list[Callable[[SyncReport], Any]] = []
        self.url = os.environ.get(URL_ENV, "")
        self.key_from_env = bool(os.environ.get(KEY_ENV))
        target = self.sync.target(self.url or None)
        if target is not None:
            self.url = self.url or target.url
            self.ls_project = target.ls_project
            self.project_url = f"{target.url}/projects/{target.ls_project}"

    def on_synced(self, callback: Callable[[SyncReport], Any]) -> None:
        """``callback(report)`` after each push or pull done here."""
        self._synced_callbacks.append(callback)

    @request("push")
    def push(self, url: str | None = None, api_key: str | None = None,
             ls_project: int | None = None, title: str | None = None) -> dict[str, Any]:
        """Push to Label Studio; the fields left empty fall back to the environment."""
        report = self.sync.push(url=self._url(url), api_key=api_key or None,
                                ls_project=self._project(ls_project), title=title or None)
        return self._done(report)

    @request("pull")
    def pull(self, url: str | None = None, api_key: str | None = None,
             ls_project: int | None = None) -> dict[str, Any]:
        """Pull the annotations made in Label Studio back as completions."""
        report = self.sync.pull(url=self._url(url), api_key=api_key or None,
                                ls_project=self._project(ls_project))
        return self._done(report)

    def _url(self, url: str | None) -> str | None:
        if url is not None and url.strip():
            self.url = url.strip()
        return self.url or None

    def _project(self, ls_project: Any) -> int | None:
        if ls_project in (None, ""):
            return self.ls_project
        try:
            return int(ls_project)
        except (TypeError, ValueError):
            raise ValueError(f"the Label Studio project id must be a number, not {ls_project!r}") from None

    def _done(self, report: SyncReport) -> dict[str, Any]:
        self.ls_project = report.ls_project
        self.project_url = report.project_url
        self.last = report.to_dict()
        self.notify(report.summary(), "error" if report.errors else "info")
        for callback in list(self._synced_callbacks):
            callback(report)
        return self.last
