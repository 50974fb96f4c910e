"""The Pre-Annotate dialog and the servers panel mark which server fits the project, ask before
running a stale one, offer an updated deploy, and show capacity before Deploy (no browser)."""

from __future__ import annotations

import pytest
from widgets_fixtures import (
    make_project,
    ner_config,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
)

from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import PreannotateDialog, ServersPanel

pytestmark = pytest.mark.usefixtures("recording")


@pytest.fixture
def manager():
    manager = ServerManager(max_servers=1)
    yield manager
    manager.close()


@pytest.fixture
def project(tmp_path, sample_texts):
    project = make_project(tmp_path / "fit.sqlite", sample_texts[:4], ner_config(["PERSON"]))
    yield project
    project.close()


def _row(rows, name):
    return next(row for row in rows if row["name"] == name)


def test_rows_are_marked_fits_stale_or_other_project(project, manager, tmp_path, sample_texts):
    dialog = PreannotateDialog(project, manager, task_ids=project.task_ids())
    result_of(dialog, "deploy", name="person")
    assert _row(dialog.servers_info, "person")["fit"]["status"] == "fits"
    # the config grows after the deploy: the "10/10, 0 errors" with PERSON only
    project.set_config(ner_config(["PERSON", "ORG", "GPE"]))
    rows = result_of(dialog, "refresh")
    fit = _row(rows, "person")["fit"]
    assert fit["status"] == "stale" and fit["missing_labels"] == ["ORG", "GPE"]
    assert "does not predict ORG, GPE" in fit["summary"]
    other = make_project(tmp_path / "other.sqlite", sample_texts[:1], ner_config(["PERSON"]))
    panel = ServersPanel(manager, project=other)
    assert _row(panel.servers_info, "person")["fit"]["status"] == "other project"
    own = ServersPanel(manager)  # without a project: against the project it was deployed from
    assert _row(own.servers_info, "person")["fit"]["status"] == "stale"
    other.close()


def test_start_on_a_stale_server_asks_first_then_runs_when_confirmed(project, manager):
    dialog = PreannotateDialog(project, manager, task_ids=project.task_ids())
    result_of(dialog, "deploy", name="person")
    project.set_config(ner_config(["PERSON", "ORG"]))
    reply = result_of(dialog, "start")
    assert reply["confirm"]["action"] == "start" and reply["confirm"]["can_run"]
    assert "is stale" in dialog.message and "does not predict ORG" in dialog.message
    assert dialog.job is None and project.count_predictions() == 0  # nothing ran yet
    result_of(dialog, "dismiss")
    assert dialog.confirm == {}
    with pytest.raises(ValueError, match="nothing waits"):
        dialog.confirm_start()
    result_of(dialog, "start")
    with pytest.warns(UserWarning, match="does not predict ORG"):
        result_of(dialog, "confirm_start")
    dialog.job.wait(timeout=120)
    assert dialog.job.progress["predicted"] == 4 and dialog.confirm == {}
    assert "does not predict ORG" in dialog.message  # the finished job says so too


def test_deploy_an_updated_server_replaces_the_stale_one_with_consent(project, manager):
    dialog = PreannotateDialog(project, manager, task_ids=project.task_ids())
    result_of(dialog, "deploy", name="person")
    project.set_config(ner_config(["PERSON", "ORG"]))
    result_of(dialog, "start")
    # max_servers=1: deploying beside it would be refused, so the dialog asks to replace it
    reply = result_of(dialog, "deploy_updated")
    assert reply["confirm"]["action"] == "replace" and reply["confirm"]["server"] == "person"
    assert "1 servers are deployed (max 1)" in reply["confirm"]["message"]
    assert "person" in manager  # nothing deleted without the user's yes
    server = result_of(dialog, "deploy_updated", replace=True)
    assert "person" not in manager and server["name"] in manager
    assert dialog.selected_server == server["name"] and dialog.confirm == {}
    assert _row(dialog.servers_info, server["name"])["fit"]["status"] == "fits"
    progress = result_of(dialog, "start")
    assert "confirm" not in progress
    dialog.job.wait(timeout=120)


def test_capacity_is_shown_and_deploy_disabled_with_the_reason_before_the_click(project, manager):
    dialog = PreannotateDialog(project, manager)
    capacity = dialog.capacity
    assert capacity["can_deploy"] and capacity["servers_used"] == 0 and capacity["max_servers"] == 1
    assert capacity["planned_mb"] > 0 and capacity["memory_budget_mb"] == round(manager.memory_budget_mb, 1)
    result_of(dialog, "deploy", name="person")
    capacity = dialog.capacity
    assert not capacity["can_deploy"] and capacity["servers_used"] == 1
    assert "1 servers are deployed (max 1)" in capacity["reason"]
    manager.delete("person")
    manager.cache.clear()  # nothing loaded: the English pipeline would be loaded again
    manager.memory_budget_mb = 10  # and it alone is larger than that
    result_of(dialog, "refresh")
    capacity = dialog.capacity
    assert not capacity["can_deploy"] and "alone exceeds the memory budget of 10 MB" in capacity["reason"]
