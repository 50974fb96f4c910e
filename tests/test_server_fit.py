"""A run is refused, with what to do, when its predictions would not fit the project or would
claim to come from rules that have changed since the server was deployed."""

from __future__ import annotations

import pytest
from server_fixtures import MODEL, config_for, make_project, save_rules

from preannotate_lab.server import ServerManager
from preannotate_lab.server.errors import ServerError


def test_a_server_predicting_labels_the_project_lacks_is_refused(tmp_path, sample_texts):
    project = make_project(tmp_path / "p.sqlite", sample_texts[:3])
    project.set_config(config_for({MODEL: ["PERSON", "ORG"]}))
    manager = ServerManager()
    other = manager.deploy(config_for({MODEL: ["GPE"]}), name="places")
    with pytest.raises(ServerError, match=r"predicts 'GPE'.*does not have.*servers.deploy\(project\)"):
        other.run(project, wait=True)
    assert project.count_predictions() == 0
    own = manager.deploy(project, name="own")
    assert own.run(project, wait=True).progress["predicted"] == 3
    manager.delete("places")
    manager.delete("own")


def test_a_rule_set_edited_after_deploy_asks_for_a_new_deploy(tmp_path):
    save_rules("fit_money", [{"name": "usd", "type": "regex", "pattern": r"\$\d+", "label": "MONEY"}])
    project = make_project(tmp_path / "p.sqlite", ["It cost $5.", "It cost $7 and EUR 9."])
    project.set_config(config_for({"fit_money": ["MONEY"]}))
    manager = ServerManager()
    server = manager.deploy(project, name="money")
    assert server.run(project, wait=True).progress["predicted"] == 2

    save_rules("fit_money", [{"name": "usd", "type": "regex", "pattern": r"(?:\$|EUR )\d+",
                              "label": "MONEY"}])
    with pytest.raises(ServerError, match=r"older versions of fit_money.*deploy again"):
        server.run(project, wait=True)
    manager.delete("money")
    fresh = manager.deploy(project, name="money")
    # the new rules make both tasks stale: each gets a second prediction version
    assert fresh.run(project, wait=True).progress["predicted"] == 2
    last = project.latest_prediction(project.task_ids()[1])
    assert [s.text for s in last.results] == ["$7", "EUR 9"]
    manager.delete("money")
