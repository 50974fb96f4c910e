"""The rule studio saves rules into the library and deploys them through the config gate."""

from __future__ import annotations

import pytest
from server_fixtures import MODEL, config_for
from studio_fixtures import brute_force, real_texts  # noqa: F401 - fixture

import preannotate_lab as pl
from preannotate_lab.labeling import ConfigError
from preannotate_lab.model import Task
from preannotate_lab.resources import Hub, ResourceError
from preannotate_lab.resources.ruleset import Rule
from preannotate_lab.server import ServerManager
from preannotate_lab.store import Project
from preannotate_lab.studio import RuleStudio, RuleStudioError


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
    project = Project.create(tmp_path / "deploy.sqlite")
    project.add_tasks([Task({"text": t}) for t in real_texts[:300]])
    yield project
    project.close()


def test_save_then_deploy_predicts_what_the_statistics_showed(project, hub, manager):
    studio = RuleStudio(project, hub=hub, servers=manager)
    amount = Rule.regex("amount", r"\$\d+(?:\.\d+)? (?:million|billion)", "MONEY_AMOUNT")
    cities = Rule.dictionary("cities", ["London", "New York", "Sydney", "Canberra"], "CITY")
    saved = studio.save(amount, "finance", description="money and places")
    saved = studio.save(cities, "finance")
    assert [r.name for r in saved.rules] == ["amount", "cities"]
    assert hub.rules.get("finance") == saved and saved.description == "money and places"
    assert studio.rulesets() == ["finance"] and studio.load("finance") == saved
    edited = Rule.regex("amount", r"\$\d+(?:\.\d+)? (?:million|billion|m)\b", "MONEY_AMOUNT")
    assert [r.pattern for r in studio.save(edited, "finance").rules if r.name == "amount"] == [edited.pattern]
    stats = studio.stats(studio.load("finance"), examples=100_000)

    server = studio.deploy("finance", name="rules")
    assert project.config is not None and sorted(project.config.models["finance"]) == ["CITY", "MONEY_AMOUNT"]
    job = server.run(wait=True)
    assert job.state == "done"
    predicted = sorted((tid, s.start, s.end, s.label) for tid in project.task_ids()
                       for s in (project.latest_prediction(tid).results or ()))
    shown = sorted((m["task_id"], m["start"], m["end"], m["label"]) for m in stats.matches)
    assert predicted == shown and len(shown) == stats.hits > 0


def test_deploy_adds_to_an_existing_config_and_the_gate_refuses_a_label_clash(project, hub, manager):
    project.set_config(config_for({MODEL: ["PERSON", "ORG", "GPE"]}))
    studio = RuleStudio(project, hub=hub, servers=manager)
    studio.save(Rule.regex("amount", r"\$\d+ million", "AMOUNT"), "money")
    config = studio.config_with("money")
    assert config.models == {MODEL: ["PERSON", "ORG", "GPE"], "money": ["AMOUNT"]}
    studio.save(Rule.dictionary("orgs", ["Labor Party"], "ORG"), "clash")
    with pytest.raises(ConfigError, match="'ORG'"):
        studio.deploy("clash")
    assert project.config.models == {MODEL: ["PERSON", "ORG", "GPE"]}  # unchanged
    with pytest.raises(ResourceError, match="no rule set named 'nope'"):
        studio.deploy("nope")


def test_rules_are_checked_where_they_enter(project, hub):
    studio = RuleStudio(project, hub=hub)
    with pytest.raises(ResourceError, match="rule 'bad'.*does not compile"):
        studio.stats({"name": "bad", "label": "X", "pattern": "(unclosed"})
    with pytest.raises(TypeError, match="not a string"):
        studio.stats("amount")
    with pytest.raises(RuleStudioError, match="at least one rule"):
        studio.stats([])
    stats = studio.stats({"name": "d", "label": "CITY", "type": "dictionary", "keywords": ["Sydney"]})
    assert stats.hits == sum(len(v) for v in brute_force(
        Rule.dictionary("d", ["Sydney"], "CITY"), project.task_texts()).values())


def test_the_public_names(project):
    assert pl.RuleStudio is RuleStudio and issubclass(pl.RuleStudioError, pl.PreannotateError)
    assert issubclass(pl.RuleTimeoutError, pl.RuleStudioError)
    studio = pl.RuleStudio(project.path)  # a path works as everywhere
    assert studio.project.path == project.path
    studio.project.close()
