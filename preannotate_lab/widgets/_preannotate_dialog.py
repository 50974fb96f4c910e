"""PreannotateDialog: choose or deploy a server, run it on the selected tasks, watch progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import traitlets

from ..project import ProjectLike, as_project
from ._messages import Capacity, Confirm, Progress, ServerRow
from ._rpc import RpcWidget, css, esm, request
from ._servers import FINAL_STATES, Throttle, default_servers, describe_all, jsonable


class PreannotateDialog(RpcWidget):
    """Pre-annotate tasks of ``project`` on a deployed server (``servers``: default ``pl.servers``).

    ``show_for(task_ids)`` sets the tasks (the grid's Pre-Annotate button does this in the Lab);
    ``start()`` runs the selected server; progress reaches the browser at most
    ``updates_per_second`` times a second. ``on_finished(callback)``: ``callback(progress)``
    when a job ends (the Lab refreshes the grid).
    """

    _esm = esm("preannotate_dialog")
    _css = css("preannotate_dialog")

    servers_info = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[ServerRow])
    selected_server = traitlets.Unicode("").tag(sync=True)
    task_count = traitlets.Int(0).tag(sync=True)
    task_ids = traitlets.List(traitlets.Int())  # kernel only: may be 100,000 ids
    force = traitlets.Bool(False).tag(sync=True)
    progress = traitlets.Dict().tag(sync=True, ts=Progress)
    running = traitlets.Bool(False).tag(sync=True)
    visible = traitlets.Bool(True).tag(sync=True)
    # what a deploy from the project's config would take, before the click (check_deploy)
    capacity = traitlets.Dict().tag(sync=True, ts=Capacity)
    # a question waiting for the user: {"action": "start" | "replace", "server", "message", ...}
    confirm = traitlets.Dict().tag(sync=True, ts=Confirm)

    def __init__(self, project: ProjectLike, servers: Any = None, *, task_ids: Iterable[int] = (),
                 updates_per_second: float = 5.0, by: str = "user") -> None:
        project = as_project(project, who="PreannotateDialog")
        if updates_per_second <= 0:
            raise ValueError(f"updates_per_second must be > 0, not {updates_per_second}")
        super().__init__()
        self.project = project
        self.servers = servers if servers is not None else default_servers()
        self.by = by
        self.updates_per_second = updates_per_second
        self.job: Any = None
        self._finished_callbacks: list[Callable[[dict[str, Any]], Any]] = []
        self.task_ids = [int(i) for i in task_ids]
        self.refresh()

    @traitlets.observe("task_ids")
    def _count_tasks(self, change: Any) -> None:
        self.task_count = len(change["new"])

    # -- kernel API ---------------------------------------------------------------------------
    def show_for(self, task_ids: Iterable[int]) -> None:
        """Show the dialog for these tasks (the grid selection)."""
        self.task_ids = [int(i) for i in task_ids]
        self.visible = True
        self.notify(f"{self.task_count} task(s) selected")
        self.refresh()

    def on_finished(self, callback: Callable[[dict[str, Any]], Any]) -> None:
        self._finished_callbacks.append(callback)

    @request("refresh")
    def refresh(self) -> list[dict[str, Any]]:
        """Reload the list of servers (and keep the selection if that server still exists)."""
        self.servers_info = describe_all(self.servers, self.project)
        names = [row["name"] for row in self.servers_info]
        if self.selected_server not in names:
            self.selected_server = names[0] if len(names) == 1 else ""
        self.capacity = self._capacity()
        return self.servers_info

    def _capacity(self) -> dict[str, Any]:
        """Servers used/max, memory used/budget, the planned server's memory, and whether (and
        why not) Deploy can work now: the dialog disables Deploy with that reason."""
        check = getattr(self.servers, "check_deploy", None)
        if check is None:  # a manager-like object without the check: Deploy stays enabled
            return {}
        if self.project.config is None:
            return {"can_deploy": False, "reason": "the project has no labeling config yet; "
                    "build one in the Config tab (ConfigBuilder) before deploying a server"}
        return jsonable(check(self.project).describe())

    @request("select")
    def select(self, name: str) -> str:
        self.servers.get(name)  # ServerError names the deployed servers
        self.selected_server = name
        return name

    @request("deploy")
    def deploy(self, name: str | None = None) -> dict[str, Any]:
        """Deploy a server from the project's config and select it.

        A refusal (CapacityError: too many servers, too little memory) is shown on the status
        line with the servers to delete, and comes back as the request's error.
        """
        if self.project.config is None:
            raise ValueError("the project has no labeling config yet; build one in the Config "
                             "tab (ConfigBuilder) before deploying a server")
        try:
            server = self.servers.deploy(self.project, name=name or None, by=self.by,
                                         usage="preannotation")
        except Exception as exc:
            self.notify(f"Cannot deploy: {exc}", "error")
            self.refresh()
            raise
        self.refresh()
        self.selected_server = server.name
        self.notify(f"deployed server {server.name!r}")
        return jsonable(server.describe())

    @request("start")
    def start(self, force: bool | None = None, confirmed: bool = False) -> dict[str, Any]:
        """Run the selected server on the tasks; returns the first progress.

        A server that does not fit the project's current config (``Server.fit``) is not run
        at once: ``confirm`` asks first (run anyway, when the run is allowed, or deploy an
        updated server) and the call returns ``{"confirm": ...}``; ``confirm_start()`` or
        ``start(confirmed=True)`` runs it.
        """
        if not self.selected_server:
            raise ValueError("select a server (or deploy one) before starting")
        if not self.task_ids:
            raise ValueError("no tasks to pre-annotate; select tasks in the grid first")
        if self.job is not None and not self.job.finished:
            raise RuntimeError(f"job {self.job.id} is still {self.job.state}; cancel it first")
        server = self.servers.get(self.selected_server)
        fit = server.fit(self.project)
        if not fit.fits and not confirmed:
            what = "; ".join(fit.differences) or "deployed from another config"
            self.confirm = {"action": "start", "server": server.name, "fit": fit.describe(),
                            "can_run": fit.runnable, "force": force,
                            "message": f"server {server.name!r} is {fit.status}: {what}. "
                                       + ("Run it anyway, or deploy an updated server?"
                                          if fit.runnable else "Deploy an updated server?")}
            self.notify(self.confirm["message"], "warning")
            return {"confirm": self.confirm}
        self.confirm = {}
        throttle = Throttle(self._on_progress, rate=self.updates_per_second)
        self.running = True
        self.notify(f"pre-annotating {self.task_count} task(s) on {server.name!r}")
        try:
            self.job = server.run(list(self.task_ids), project=self.project,
                                  force=self.force if force is None else bool(force),
                                  on_progress=throttle)
        except Exception as exc:
            self.running = False
            self.notify(f"Cannot start: {exc}", "error")
            raise
        self._throttle = throttle
        progress = shown_progress(self.job.progress)
        if not self.job.finished:
            self.progress = progress
        return progress

    @request("confirm_start")
    def confirm_start(self) -> dict[str, Any]:
        """The user's yes to "run this stale server anyway"."""
        if self.confirm.get("action") != "start":
            raise ValueError("nothing waits for a confirmation; press Start")
        self.selected_server = self.confirm["server"]
        return self.start(self.confirm.get("force"), confirmed=True)

    @request("dismiss")
    def dismiss(self) -> bool:
        """Drop the question on screen (the user said no)."""
        self.confirm = {}
        return True

    @request("deploy_updated")
    def deploy_updated(self, replace: bool = False) -> dict[str, Any]:
        """Deploy a server from the project's current config in place of the stale one.

        When capacity (servers or memory) is short and deleting the stale server would help,
        the first call asks (``confirm["action"] == "replace"``); ``replace=True`` is the
        user's consent: the stale server is deleted (its job cancelled) and the new one
        deployed. Returns the new server's describe() dict, or ``{"confirm": ...}``.
        """
        stale = self.confirm.get("server") or self.selected_server or None
        check = self.servers.check_deploy(self.project)
        if not check.can_deploy and stale and stale in self.servers:
            if not replace:
                self.confirm = {"action": "replace", "server": stale, "reason": check.reason,
                                "message": f"Cannot deploy next to it: {check.reason}. Delete "
                                           f"server {stale!r} and deploy an updated one?"}
                self.notify(self.confirm["message"], "warning")
                return {"confirm": self.confirm}
            self.servers.delete(stale)
            self.notify(f"deleted server {stale!r} to make room")
        self.confirm = {}
        return self.deploy()

    @request("cancel")
    def cancel(self) -> dict[str, Any]:
        if self.job is None or self.job.finished:
            raise ValueError("no running job to cancel")
        self.job.cancel()
        self.notify("cancelling after the chunk in hand…")
        return jsonable(self.job.progress)

    @request("close")
    def close_dialog(self) -> bool:
        self.visible = False
        return False

    def _on_progress(self, progress: dict[str, Any]) -> None:
        # runs in the job's threads; trait changes are sent to the browser from there
        self.progress = shown_progress(progress)
        state = progress.get("state")
        if state in FINAL_STATES:
            self.running = False
            done, total, errors = progress.get("done"), progress.get("total"), progress.get("errors")
            text = f"job {state}: {done}/{total} tasks, {errors} error(s)"
            if progress.get("error"):
                text += f" — {progress['error']}"
            if progress.get("warnings"):
                text += f", {progress['warnings']} with warnings (a resource failed on them)"
            if progress.get("missing_labels"):
                text += (f"; this server does not predict {', '.join(progress['missing_labels'])}"
                         " (deploy an updated server)")
            self.notify(text, "error" if state == "failed" else "info")
            self.servers_info = describe_all(self.servers, self.project)
            for callback in list(self._finished_callbacks):
                callback(progress)


def shown_progress(progress: dict[str, Any]) -> dict[str, Any]:
    """The job's progress as the dialog sends it: JSON-able, plus ``reading_text``, the line
    under the bar while a document is read page by page (OCR of one long scan can take
    minutes before any task counts as done), "" otherwise."""
    reading = progress.get("reading") or {}
    text = ""
    if reading.get("pages") and progress.get("state") not in FINAL_STATES:
        text = f"reading task {reading.get('task')}: page {reading.get('page')} of {reading['pages']}"
    return {**jsonable(progress), "reading_text": text}
