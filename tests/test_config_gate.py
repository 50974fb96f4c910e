"""The one config gate: set_config and servers.deploy judge a config with the live hub and limit."""

from __future__ import annotations

import pytest
from server_fixtures import MODEL, save_rules

import preannotate_lab as pl
from preannotate_lab.config_gate import check_config
from preannotate_lab.labeling import ConfigError, LabelingConfig
from preannotate_lab.server import CapacityError, ServerError, ServerManager

TEXT = '<Text name="text" value="$text"/>'


def xml(*labels: str) -> str:
    return f'<View><Labels name="label" toName="text">{"".join(labels)}</Labels>{TEXT}</View>'


@pytest.fixture
def limit():
    """pl.servers.max_models_per_server, restored after the test."""
    before = pl.servers.max_models_per_server
    yield pl.servers
    pl.servers.max_models_per_server = before


@pytest.fixture
def rule_sets() -> list[str]:
    names = [f"gate_rules_{i}" for i in range(3)]
    for i, name in enumerate(names):
        save_rules(name, [{"name": "id", "type": "regex", "pattern": rf"ID{i}-\d+", "label": f"ID{i}"}])
    return names


def test_set_config_reads_the_live_model_limit_of_pl_servers(tmp_path, limit, rule_sets):
    project = pl.Project(tmp_path / "p.sqlite")
    config = LabelingConfig.from_labels({MODEL: ["PERSON"], **{n: [f"ID{i}"] for i, n in enumerate(rule_sets)}})
    limit.max_models_per_server = 3
    with pytest.raises(ConfigError, match=r"(?s)not saved to p.sqlite.*4 models.*at most 3"):
        project.set_config(config)
    assert project.config is None
    assert [p.code for p in check_config(config)] == ["too_many_models"]
    limit.max_models_per_server = 4
    project.set_config(config)
    assert project.config.resources == config.resources
    with pytest.raises(ValueError, match="at least 1"):
        limit.max_models_per_server = 0


def test_a_label_its_model_cannot_predict_is_refused_a_label_without_model_is_manual(tmp_path):
    project = pl.Project(tmp_path / "p.sqlite")
    bad = xml(f'<Label value="PERSON" model="{MODEL}"/>', f'<Label value="DRUG" model="{MODEL}"/>')
    with pytest.raises(ConfigError, match=rf"(?s)label 'DRUG' names model='{MODEL}', which does not "
                                          r"predict it; .* predicts: .*PERSON.*Drop model="):
        project.set_config(bad)
    assert project.config is None
    project.set_config(xml(f'<Label value="PERSON" model="{MODEL}"/>', '<Label value="DRUG"/>'))
    assert project.config.label_values == ["PERSON", "DRUG"]
    assert project.config.resources == {MODEL: ["PERSON"]}  # DRUG is annotated by hand


def test_a_project_created_with_a_bad_config_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DRUG"):
        pl.Project(tmp_path / "new.sqlite", config=xml(f'<Label value="DRUG" model="{MODEL}"/>'))


def test_english_and_german_pipelines_cannot_share_a_server(tmp_path, german):
    en, de = pl.hub.model_info(MODEL), pl.hub.model_info(german)
    assert (en.language, de.language) == ("en", "de")  # from each pipeline's meta.json
    assert de.labels == ("LOC", "PER")
    config = LabelingConfig.from_labels({MODEL: ["PERSON"], german: ["PER"]})
    message = (f"models {MODEL} and {german} cannot share one server: {MODEL} is for language "
               f"'en' and {german} for 'de'")
    [problem] = [p for p in check_config(config) if p.severity == "error"]
    assert problem.code == "incompatible_models" and problem.message.startswith(message)
    project = pl.Project(tmp_path / "p.sqlite")
    with pytest.raises(ConfigError, match=message):
        project.set_config(config)
    manager = ServerManager()
    with pytest.raises(ServerError, match=message):
        manager.deploy(config)
    assert manager.deployed() == []


def test_language_neutral_rules_share_a_server_with_any_language(german, rule_sets):
    config = LabelingConfig.from_labels({german: ["PER"], rule_sets[0]: ["ID0"]})
    assert [p for p in check_config(config) if p.severity == "error"] == []
    config = LabelingConfig.from_labels({rule_sets[0]: ["ID0"], german: ["PER"], MODEL: ["ORG"]})
    assert [p.code for p in check_config(config)] == ["incompatible_models"]


def test_deploy_runs_the_same_gate(rule_sets):
    manager = ServerManager(max_models_per_server=2)
    with pytest.raises(CapacityError, match=r"names 3 models .*at most 2"):
        manager.deploy(LabelingConfig.from_labels({n: [f"ID{i}"] for i, n in enumerate(rule_sets)}))
    with pytest.raises(ServerError, match=r"label 'DRUG' names model="):
        manager.deploy(LabelingConfig.from_xml(xml(f'<Label value="DRUG" model="{MODEL}"/>')))
    assert manager.deployed() == []
    manager.close()
