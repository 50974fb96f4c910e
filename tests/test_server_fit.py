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


def test_fit_says_fits_stale_or_other_project_with_what_differs(tmp_path, sample_texts):
    project = make_project(tmp_path / "p.sqlite", sample_texts[:2])
    project.set_config(config_for({MODEL: ["PERSON"]}))
    other = make_project(tmp_path / "other.sqlite", sample_texts[:2])
    other.set_config(config_for({MODEL: ["PERSON"]}))
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="person")
        fit = server.fit()
        assert fit.status == "fits" and fit.fits and fit.runnable and fit.summary == "fits"
        assert server.fit(other).status == "other project"
        assert server.fit(other).deployed_from == "p"

        project.set_config(config_for({MODEL: ["PERSON", "ORG", "GPE"]}))
        fit = server.fit(project)
        assert fit.status == "stale" and fit.runnable  # missing labels only warn
        assert fit.missing_labels == ("ORG", "GPE") and fit.extra_labels == ()
        assert fit.config_changed
        assert "does not predict ORG, GPE" in fit.summary
        assert server.describe()["fit"]["status"] == "stale"

        project.set_config(config_for({MODEL: ["ORG"]}))
        fit = server.fit(project)
        assert fit.extra_labels == ("PERSON",) and not fit.runnable
    finally:
        manager.close()


def test_a_run_missing_config_labels_warns_and_says_so_in_its_progress(tmp_path, sample_texts):
    # issue 10: PERSON on the server, five labels in the config: "10/10, 0 errors", PERSON only
    from preannotate_lab.server import ServerWarning

    project = make_project(tmp_path / "p.sqlite", sample_texts[:3])
    project.set_config(config_for({MODEL: ["PERSON"]}))
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="person")
        project.set_config(config_for({MODEL: ["PERSON", "ORG", "GPE"]}))
        with pytest.warns(ServerWarning, match=r"does not predict ORG, GPE.*servers.deploy"):
            job = server.run(wait=True)
        assert job.progress["missing_labels"] == ["ORG", "GPE"]
        assert job.progress["predicted"] == 3
        fresh = manager.deploy(project, name="all")
        assert fresh.fit().fits
        assert fresh.run(wait=True).progress["missing_labels"] == []
    finally:
        manager.close()


def test_a_rule_set_edited_after_deploy_makes_the_server_stale(tmp_path):
    save_rules("fit_stale", [{"name": "usd", "type": "regex", "pattern": r"\$\d+", "label": "MONEY"}])
    project = make_project(tmp_path / "p.sqlite", ["It cost $5."])
    project.set_config(config_for({"fit_stale": ["MONEY"]}))
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="money")
        save_rules("fit_stale", [{"name": "usd", "type": "regex", "pattern": r"\$\d+\.\d\d",
                                  "label": "MONEY"}])
        fit = server.fit()
        assert fit.status == "stale" and not fit.runnable
        ((name, old, new),) = fit.changed_resources
        assert name == "fit_stale" and old != new
        assert f"the hub changed fit_stale ({old} -> {new})" in fit.summary
    finally:
        manager.close()
