"""The CLI's config entry points (config --labels-from/--labels/--xml, init --xml) pass the gate."""

from __future__ import annotations

from pathlib import Path

from server_fixtures import MODEL, save_rules
from test_cli import run

from preannotate_lab.store import Project

BAD_XML = (f'<View><Labels name="label" toName="text"><Label value="PERSON" model="{MODEL}"/>'
           f'<Label value="DRUG" model="{MODEL}"/></Labels><Text name="text" value="$text"/></View>')


def _config_of(path: Path):
    with Project.open(path) as project:
        return project.config


def test_labels_the_model_does_not_predict_are_refused_not_dropped(tmp_path: Path) -> None:
    project = tmp_path / "p.sqlite"
    run("init", str(project))
    refused = run("config", str(project), "--labels-from", MODEL, "--labels", "PERSON,DRUG", check=False)
    assert refused.returncode == 1
    assert "predicts the label 'DRUG'" in refused.stderr
    assert f"{MODEL} predicts CARDINAL" in refused.stderr and "PERSON" in refused.stderr
    assert _config_of(project) is None


def test_an_xml_label_its_model_cannot_predict_is_refused(tmp_path: Path) -> None:
    project, xml = tmp_path / "p.sqlite", tmp_path / "config.xml"
    xml.write_text(BAD_XML)
    run("init", str(project))
    refused = run("config", str(project), "--xml", str(xml), check=False)
    assert refused.returncode == 1
    assert f"label 'DRUG' names model='{MODEL}', which does not predict it" in refused.stderr
    assert _config_of(project) is None
    created = run("init", str(tmp_path / "q.sqlite"), "--xml", str(xml), check=False)
    assert created.returncode == 1 and "DRUG" in created.stderr
    assert not (tmp_path / "q.sqlite").exists()  # refused before the file was created
    xml.write_text(BAD_XML.replace(f'value="DRUG" model="{MODEL}"', 'value="DRUG"'))  # manual
    run("config", str(project), "--xml", str(xml))
    assert _config_of(project).label_values == ["PERSON", "DRUG"]


def test_more_resources_than_a_server_holds_are_refused_at_config(tmp_path: Path) -> None:
    names = [f"cli_gate_{i}" for i in range(5)]
    for i, name in enumerate(names):  # the CLI process shares the test session's user home
        save_rules(name, [{"name": "id", "type": "regex", "pattern": rf"ID{i}-\d+", "label": f"ID{i}"}])
    project = tmp_path / "p.sqlite"
    run("init", str(project))
    refused = run("config", str(project), "--labels-from", ",".join([MODEL, *names]), check=False)
    assert refused.returncode == 1 and "6 models" in refused.stderr and "at most 5" in refused.stderr
    assert _config_of(project) is None
    run("config", str(project), "--labels-from", ",".join([MODEL, *names[:4]]))
    assert len(_config_of(project).resources) == 5
