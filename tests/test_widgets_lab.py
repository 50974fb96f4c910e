"""pl.Lab: grid selection -> dialog -> job -> grid refresh; open -> labeling view."""

from __future__ import annotations

import threading

import pytest
from widgets_fixtures import (
    make_project,
    ner_config,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
)

import preannotate_lab as pl
from preannotate_lab.server import ServerManager

pytestmark = pytest.mark.usefixtures("recording")


@pytest.fixture
def setup(tmp_path, sample_texts):
    project = make_project(tmp_path / "lab.sqlite", sample_texts, ner_config())
    manager = ServerManager()
    yield project, manager
    manager.close()
    project.close()


def test_lab_rejects_unknown_arguments(setup):
    project, manager = setup
    with pytest.raises(TypeError):
        pl.Lab(project, servers=manager, theme="dark")


def test_lab_wires_grid_dialog_view_and_panels(setup):
    project, manager = setup
    lab = pl.Lab(project, servers=manager)
    assert [lab.tabs.get_title(i) for i in range(4)] == ["Tasks", "Labeling", "Config", "Servers"]
    assert not lab.dialog.visible
    # select two tasks, press Pre-Annotate: the dialog opens on them
    result_of(lab.grid, "select", ids=[1, 2])
    result_of(lab.grid, "preannotate")
    assert lab.dialog.visible and lab.dialog.task_ids == [1, 2]
    # deploy from the dialog: the servers panel follows
    result_of(lab.dialog, "deploy", name="news")
    assert [row["name"] for row in lab.servers_panel.servers_info] == ["news"]
    finished = threading.Event()
    lab.dialog.on_finished(lambda _p: finished.set())
    tokens_before = lab.grid.refresh_token
    result_of(lab.dialog, "start")
    assert finished.wait(120)
    assert lab.grid.refresh_token > tokens_before  # the grid fetches its page again
    rows = {r["id"]: r for r in result_of(lab.grid, "page")["rows"]}
    assert rows[1]["status"] == rows[2]["status"] == "preannotated" and rows[3]["status"] == "new"
    # opening a row shows it in the Labeling tab, on its new prediction
    result_of(lab.grid, "open", task_id=2)
    assert lab.view.task_id == 2 and lab.tabs.selected_index == 1
    assert lab.view.shown["kind"] == "prediction"
    # deleting the server on the panel updates the dialog's list
    result_of(lab.servers_panel, "delete", name="news")
    assert lab.dialog.servers_info == [] and lab.dialog.selected_server == ""
