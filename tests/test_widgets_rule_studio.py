"""RuleStudioWidget: requests as the browser sends them (stats, load, save, deploy), the
Lab's Rules tab, all without a browser."""

from __future__ import annotations

import pytest
from studio_fixtures import brute_force, real_texts  # noqa: F401 - fixture
from widgets_fixtures import (
    frontend_request,
    make_project,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.model import Task
from preannotate_lab.resources import Hub
from preannotate_lab.resources.ruleset import Rule
from preannotate_lab.server import ServerManager
from preannotate_lab.widgets import Lab, RuleStudioWidget

pytestmark = pytest.mark.usefixtures("recording")

AMOUNT = {"name": "amount", "label": "AMOUNT", "type": "regex",
          "pattern": r"\$\d+(?:\.\d+)? (?:million|billion)"}


@pytest.fixture
def hub(tmp_path) -> Hub:
    return Hub(tmp_path / "home")


@pytest.fixture
def manager(hub):
    manager = ServerManager(hub=hub)
    yield manager
    manager.close()


@pytest.fixture
def project(tmp_path, real_texts):  # noqa: F811 - the fixture
    project = make_project(tmp_path / "studio-widget.sqlite", real_texts[:400])
    yield project
    project.close()


def test_stats_request_answers_what_the_studio_computes(project, hub, manager):
    widget = RuleStudioWidget(project, hub=hub, servers=manager)
    assert widget.project_tasks == 400 and widget.project_name == "studio-widget"
    result = result_of(widget, "stats", rule=AMOUNT, examples=5)
    expected = brute_force(Rule.from_dict(AMOUNT), project.task_texts())
    assert result["hits"] == sum(len(v) for v in expected.values()) > 0
    assert result["tasks_with_hits"] == len(expected)
    assert result["hits_per_label"] == {"AMOUNT": result["hits"]}
    assert len(result["matches"]) == 5 and result["scope"]["sample"] is None
    first = result["matches"][0]
    assert set(first) == {"task_id", "start", "end", "label", "rule", "left", "match", "right"}
    assert result["index"]["used"] and result["top_matches"][0][1] >= 1
    sampled = result_of(widget, "stats", rule=AMOUNT, sample=100)
    assert sampled["scope"] == {"tasks": 100, "project_tasks": 400, "sample": 100, "seed": 0}


def test_bad_rules_and_hostile_patterns_come_back_as_error_replies(project, hub, manager):
    widget = RuleStudioWidget(project, hub=hub, servers=manager)
    reply = frontend_request(widget, "stats", rule={"name": "x", "label": "X", "pattern": "(oops"})
    assert "does not compile" in reply["error"] and reply["error_type"] == "ResourceError"
    reply = frontend_request(widget, "stats", rule={"name": "x", "label": "X", "colour": "red"})
    assert reply["error_type"] == "TypeError" and "'stats'" in reply["error"]
    [bad] = project.add_tasks([Task({"text": "a" * 5000 + "b"})])
    reply = frontend_request(widget, "stats", rule={"name": "x", "label": "A", "pattern": "(a+)+$"})
    assert reply["error_type"] == "RuleTimeoutError"
    assert f"timed out after 0.5 s on task {bad}" in reply["error"]


def test_save_load_and_deploy_round_trip(project, hub, manager):
    widget = RuleStudioWidget(project, hub=hub, servers=manager)
    deployed = []
    widget.on_deployed(deployed.append)
    saved = result_of(widget, "save", rule=AMOUNT, ruleset="finance")
    assert saved["name"] == "finance" and [r["name"] for r in saved["rules"]] == ["amount"]
    assert widget.rulesets == ["finance"] and updates(widget, "rulesets")[-1] == ["finance"]
    assert "saved rule 'amount' in rule set 'finance'" in widget.message
    cities = {"name": "cities", "label": "CITY", "type": "dictionary", "keywords": ["Sydney", "London"]}
    result_of(widget, "save", rule=cities, ruleset="finance")
    loaded = result_of(widget, "load", ruleset="finance")
    assert [r["name"] for r in loaded["rules"]] == ["amount", "cities"]
    assert loaded["rules"][1]["keywords"] == ["Sydney", "London"]
    done = result_of(widget, "deploy", ruleset="finance")
    assert done == {"server": deployed[0].name, "ruleset": "finance", "labels": ["AMOUNT", "CITY"]}
    assert sorted(project.config.models["finance"]) == ["AMOUNT", "CITY"]
    job = manager.get(done["server"]).run(wait=True)
    assert job.state == "done"
    stats = result_of(widget, "stats", rule=loaded["rules"][1], examples=10_000)
    predicted = sorted((tid, s.start, s.end) for tid in project.task_ids()
                       for s in project.latest_prediction(tid).results if s.label == "CITY")
    assert predicted == sorted((m["task_id"], m["start"], m["end"]) for m in stats["matches"])
    # the deployed rule now agrees with the stored predictions it made
    assert [a for a in stats["against"] if a["kind"] == "prediction"][0]["agree"] == stats["hits"]
    assert "no rule set named 'nope'" in frontend_request(widget, "deploy", ruleset="nope")["error"]


def test_the_lab_has_a_rules_tab_wired_to_its_servers(project, hub, manager):
    lab = Lab(project, servers=manager, hub=hub)
    assert lab.tabs.get_title(5) == "Rules" and lab.tabs.children[5] is lab.rule_studio
    result_of(lab.rule_studio, "save", rule=AMOUNT, ruleset="money")
    result_of(lab.rule_studio, "deploy", ruleset="money")
    assert [row["name"] for row in lab.servers_panel.servers_info] == [s.name for s in manager.deployed()]
