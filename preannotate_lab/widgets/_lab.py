"""``pl.Lab(project)``: the composed notebook app wiring grid -> dialog -> labeling view."""

from __future__ import annotations

from typing import Any

import ipywidgets

from ..project import ProjectLike, as_project
from ._config_builder import ConfigBuilder
from ._labeling_view import LabelingView
from ._labelstudio_panel import LabelStudioPanel
from ._preannotate_dialog import PreannotateDialog
from ._rule_studio import RuleStudioWidget
from ._servers_panel import ServersPanel
from ._task_grid import TaskGrid

TABS = ("Tasks", "Labeling", "Config", "Servers", "Label Studio", "Rules")


class Lab(ipywidgets.VBox):
    """Tabs Tasks (grid + pre-annotate dialog), Labeling, Config, Servers, Label Studio
    (push and pull), Rules (the rule studio), wired together.

    Pre-Annotate in the grid opens the dialog on the selection; a finished job refreshes the
    grid and the servers panel; opening a task shows it in the Labeling tab; saving a config
    updates the labeling view's colours; a pull refreshes the grid and the open task.
    """

    def __init__(self, project: ProjectLike, *, servers: Any = None, hub: Any = None, by: str = "user") -> None:
        project = as_project(project, who="Lab")
        self.project = project
        self.grid = TaskGrid(project)
        self.dialog = PreannotateDialog(project, servers, by=by)
        self.dialog.visible = False
        self.view = LabelingView(project, by=by)
        self.view.task_query = self.grid.query  # next / previous task follow the grid's order
        self.config_builder = ConfigBuilder(project, hub)
        self.servers_panel = ServersPanel(self.dialog.servers, project=project)
        self.labelstudio_panel = LabelStudioPanel(project)
        self.rule_studio = RuleStudioWidget(project, hub=hub, servers=self.dialog.servers)
        self.tabs = ipywidgets.Tab(children=[
            ipywidgets.VBox([self.grid, self.dialog]), self.view, self.config_builder,
            self.servers_panel, self.labelstudio_panel, self.rule_studio,
        ])
        for index, title in enumerate(TABS):
            self.tabs.set_title(index, title)
        super().__init__([self.tabs])
        self.grid.on_preannotate(self._preannotate)
        self.grid.on_open(self._open)
        self.dialog.on_finished(self._finished)
        self.config_builder.observe(self._config_saved, names="dirty")
        # one direction each, so the two server lists never ping-pong while a job runs
        self.dialog.observe(lambda _c: self.servers_panel.refresh(),
                            names=["selected_server", "running"])
        # the job starts right after ``running`` turns on: the panel follows it until idle
        self.dialog.observe(lambda c: c["new"] and self.servers_panel.watch(), names="running")
        self.servers_panel.on_deleted(lambda _name: self.dialog.refresh())
        self.labelstudio_panel.on_synced(self._synced)
        # a deploy from the rule studio changed the config and added a server
        self.rule_studio.on_deployed(lambda _server: (self.servers_panel.refresh(), self.dialog.refresh()))

    def _preannotate(self, ids: list[int]) -> None:
        self.dialog.show_for(ids)
        self.servers_panel.refresh()

    def _open(self, task_id: int) -> None:
        self.view.load(task_id)
        self.tabs.selected_index = TABS.index("Labeling")

    def _finished(self, _progress: dict[str, Any]) -> None:
        self.grid.refresh()
        self.servers_panel.refresh()
        if self.view.task_id is not None and not self.view.dirty:
            self.view.load(self.view.task_id)

    def _synced(self, report: Any) -> None:
        if report.action == "pull" and report.changed:
            self.grid.refresh()
            if self.view.task_id is not None and not self.view.dirty:
                self.view.load(self.view.task_id)

    def _config_saved(self, change: Any) -> None:
        if change["new"] is False and self.view.task_id is not None and not self.view.dirty:
            self.view._config_defs()
