"""ConfigBuilder edits of choices and relations on an existing config, and the ServersPanel
following a running job (kernel-side watch thread that ends when the servers are idle)."""

from __future__ import annotations

import threading
import time

import pytest
from widgets_fixtures import (
    frontend_request,
    make_project,
    ner_config,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import ConfigBuilder, Lab, ServersPanel

pytestmark = pytest.mark.usefixtures("recording")


@pytest.fixture
def project(tmp_path, sample_texts):
    texts = [f"{sample_texts[i % len(sample_texts)]} (Report {i})" for i in range(60)]
    project = make_project(tmp_path / "panels.sqlite", texts, ner_config(["PERSON", "ORG", "GPE"]))
    yield project
    project.close()


@pytest.fixture
def manager():
    manager = ServerManager(max_servers=1)
    yield manager
    manager.close()


# -- ConfigBuilder -----------------------------------------------------------------------------
def test_choices_are_added_to_and_removed_from_an_existing_config_and_saved(project):
    builder = ConfigBuilder(project)
    assert builder.choices == [] and builder.relations == []
    result_of(builder, "add_choices", name="sentiment", values=["positive", "negative"])
    result_of(builder, "add_choices", name="sentiment", values=["neutral"])
    result_of(builder, "add_choices", name="certainty", values=["sure", "unsure"],
              choice="single", per_region=True)
    assert builder.choices == [
        {"name": "sentiment", "values": ["positive", "negative", "neutral"], "choice": "single", "per_region": False},
        {"name": "certainty", "values": ["sure", "unsure"], "choice": "single", "per_region": True},
    ]
    assert updates(builder, "choices")[-1] == builder.choices and builder.dirty
    assert '<Choice value="neutral"' in builder.xml
    result_of(builder, "remove_choices", name="sentiment", values=["negative"])
    result_of(builder, "remove_choices", name="certainty")
    assert builder.choices == [{"name": "sentiment", "values": ["positive", "neutral"],
                                "choice": "single", "per_region": False}]
    reply = frontend_request(builder, "add_choices", name="sentiment", values="positive")
    assert "values must be string[], not string 'positive'" in reply["error"]
    assert "'PERSON' is already a label" in frontend_request(
        builder, "add_choices", name="kind", values=["PERSON"])["error"]
    result_of(builder, "save")
    assert [c.choices for c in project.config.choices] == [("positive", "neutral")]
    assert project.config.label_values == ["PERSON", "ORG", "GPE"]  # labels kept


def test_relations_are_added_to_and_removed_from_an_existing_config_and_saved(project):
    builder = ConfigBuilder(project)
    result_of(builder, "add_relation", value="works_for", allowed="PERSON>ORG")
    result_of(builder, "add_relation", value="located_in", allowed="ORG>GPE, PERSON>GPE")
    result_of(builder, "add_relation", value="related")
    assert builder.relations == [{"value": "works_for", "allowed": ["PERSON>ORG"]},
                                 {"value": "located_in", "allowed": ["ORG>GPE", "PERSON>GPE"]},
                                 {"value": "related", "allowed": []}]
    assert "names labels the config does not have: 'DRUG'" in frontend_request(
        builder, "add_relation", value="treats", allowed="DRUG>PERSON")["error"]
    assert "not 'A>B' or 'A<>B'" in frontend_request(
        builder, "add_relation", value="x", allowed="PERSON=ORG")["error"]
    result_of(builder, "remove_relation", value="related")
    assert "no relation 'related'" in frontend_request(builder, "remove_relation", value="related")["error"]
    result_of(builder, "save")
    stored = {r.value: [str(p) for p in r.allowed] for r in project.config.relations}
    assert stored == {"works_for": ["PERSON>ORG"], "located_in": ["ORG>GPE", "PERSON>GPE"]}


def test_choice_and_relation_edits_need_a_config_or_start_one(tmp_path, sample_texts):
    project = make_project(tmp_path / "empty.sqlite", sample_texts[:1])
    builder = ConfigBuilder(project)
    assert "no config yet" in frontend_request(builder, "add_relation", value="r")["error"]
    assert "no config yet" in frontend_request(builder, "remove_choices", name="x")["error"]
    result_of(builder, "add_choices", name="topic", values=["sport", "politics"], choice="multiple")
    assert builder.choices[0]["choice"] == "multiple" and builder.xml.count("<Choice ") == 2
    project.close()


# -- ServersPanel --------------------------------------------------------------------------------
def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_panel_follows_a_running_job_and_stops_watching_when_idle(project, manager):
    from preannotate_lab.model import Task

    # enough work that a 20 ms poll sees the job running even on a warm pipeline
    project.add_tasks([Task({"text": f"Angela Merkel met Tim Cook in Berlin, note {i}."}) for i in range(540)])
    server = manager.deploy(project, name="news")
    panel = ServersPanel(manager, poll_interval=0.02)
    assert not panel.live and panel.servers_info[0]["status"] == "idle"
    threads_before = threading.active_count()
    job = server.run(project, batch_size=4, chunk_size=4)
    assert panel.watch() is True
    assert panel.watch() is False  # one watcher at a time
    job.wait(120)
    _wait(lambda: not panel.live)  # the thread ends by itself once the server is idle
    rows = updates(panel, "servers_info")
    busy = [r for r in rows if r[0]["status"] == "busy"]
    assert busy, "the panel never showed the running job"
    assert any(r[0]["job"] and r[0]["job"]["total"] == 600 for r in busy)  # with its progress
    # small traffic: far fewer updates than polls would send if every poll went out
    assert len(rows) <= len(busy) + 2
    assert rows[-1][0]["status"] == "idle" and rows[-1][0]["job"] is None
    assert [u for u in updates(panel, "live")] == [True, False]
    n = len(rows)  # none while idle
    time.sleep(0.3)
    assert len(updates(panel, "servers_info")) == n
    assert threading.active_count() <= threads_before + 1


def test_refresh_of_a_busy_server_starts_watching_and_close_stops_it(project, manager):
    server = manager.deploy(project, name="news")
    panel = ServersPanel(manager, poll_interval=5.0)
    job = server.run(project, batch_size=4, chunk_size=4)
    result_of(panel, "refresh")
    assert panel.live or job.finished
    started = time.monotonic()
    panel.close()  # wakes the sleeping thread at once
    assert not panel.live and time.monotonic() - started < 2.0
    job.wait(120)


def test_lab_starts_the_panel_watch_when_the_dialog_starts_a_job(project, manager):
    manager.deploy(project, name="news")
    lab = Lab(project, servers=manager)
    lab.servers_panel.poll_interval = 0.2
    lab.dialog.show_for(list(range(1, 41)))
    result_of(lab.dialog, "start")
    lab.dialog.job.wait(120)
    _wait(lambda: not lab.servers_panel.live)
    assert True in updates(lab.servers_panel, "live")
    assert lab.servers_panel.servers_info[0]["status"] == "idle"


def test_poll_interval_must_be_positive(manager):
    with pytest.raises(ValueError, match="poll_interval must be > 0"):
        ServersPanel(manager, poll_interval=0)
