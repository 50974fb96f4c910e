"""Live sync with a real Label Studio 1.23.2 (see labelstudio_fixtures.py) through
label-studio-sdk: push and pull, both idempotent, edits and skips kept as such.

The fixture's server takes a legacy token, so every test here also shows that one works.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from labelstudio_fixtures import NER_CONFIG as CONFIG
from labelstudio_fixtures import NER_TEXTS as TEXTS
from labelstudio_fixtures import span_of

import preannotate_lab as pl
from preannotate_lab.model import Completion, Prediction, Span, Task

pytestmark = [pytest.mark.labelstudio, pytest.mark.slow]

_span = span_of

def _value(text: str, word: str, label: str) -> dict:
    start = text.index(word)
    return {"from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": start + len(word), "text": word, "labels": [label]}}


def _project(tmp_path: Path, name: str = "p") -> tuple[pl.Project, list[int]]:
    """Three tasks, a prediction on each, a person's completion on the first."""
    project = pl.Project.create(tmp_path / f"{name}.sqlite", config=CONFIG)
    ids = project.add_tasks([Task({"text": t}) for t in TEXTS])
    orgs = ["Acme Corp", "Globex", "Initech"]
    people = ["Alice Smith", "Bob Jones", "Carol Diaz"]
    for tid, text, per, org in zip(ids, TEXTS, people, orgs, strict=True):
        project.add_predictions([Prediction(task_id=tid, model_version="ner-v1", score=0.8, results=(
            _span(text, per, "PER", confidence=0.9), _span(text, org, "ORG", confidence=0.7)))])
    project.completion_from_prediction(project.latest_prediction(ids[0]).id, by="maria")
    return project, ids


def _spans(items) -> list[tuple]:
    return sorted((r["value"]["start"], r["value"]["end"], r["value"]["labels"][0], r["value"]["text"])
                  for r in items if r.get("type") == "labels")


def _ours(results) -> list[tuple]:
    return sorted((r.start, r.end, r.label, r.text) for r in results if isinstance(r, Span))


def _connection(label_studio) -> dict:
    return {"url": label_studio.url, "api_key": label_studio.token}


def _snapshot(label_studio, ls_project: int) -> list[tuple]:
    """Everything about the project's tasks that a sync could change."""
    return [(t["id"], json.dumps(t["data"], sort_keys=True),
             sorted((p["id"], json.dumps(p["result"], sort_keys=True)) for p in t["predictions"]),
             sorted((a["id"], a["was_cancelled"], json.dumps(a["result"], sort_keys=True))
                    for a in t["annotations"]))
            for t in label_studio.tasks(ls_project)]


def test_push_creates_the_project_with_every_span_and_a_second_push_changes_nothing(tmp_path, label_studio):
    project, ids = _project(tmp_path)
    report = project.labelstudio.push(title="sync test", **_connection(label_studio))
    assert report.created_project and report.errors == []
    assert (report.tasks_created, report.predictions_created, report.completions_created) == (3, 3, 1)
    there = label_studio.call("GET", f"/api/projects/{report.ls_project}")
    assert there["title"] == "sync test" and there["label_config"].strip() == project.config.to_xml().strip()
    assert report.project_url == f"{label_studio.url}/projects/{report.ls_project}"
    tasks = label_studio.tasks(report.ls_project)
    assert len(tasks) == 3
    by_ours = {t["meta"]["preannotate"]["task_id"]: t for t in tasks}
    for tid in ids:
        task = by_ours[tid]
        assert task["data"]["text"] == project.get_task(tid).text
        assert [_spans(p["result"]) for p in task["predictions"]] == [
            _ours(p.results) for p in project.predictions(tid)]
        assert [p["model_version"] for p in task["predictions"]] == ["ner-v1"]
        assert [_spans(a["result"]) for a in task["annotations"]] == [
            _ours(c.results) for c in project.completions(tid)]
    assert project.labelstudio.target(label_studio.url).ls_project == report.ls_project

    before = _snapshot(label_studio, report.ls_project)
    again = project.labelstudio.push(**_connection(label_studio))
    assert again.ls_project == report.ls_project and not again.changed, again.to_dict()
    assert again.completions_unchanged == 1
    assert _snapshot(label_studio, report.ls_project) == before


def test_push_sends_only_what_changed_here(tmp_path, label_studio):
    project, ids = _project(tmp_path)
    first = project.labelstudio.push(**_connection(label_studio))
    # here: a new task, a new prediction, an edited completion, a new completion
    [new_tid] = project.add_tasks([Task({"text": "Erin Lee works for Umbrella in Oslo."})])
    project.add_predictions([Prediction(task_id=ids[1], model_version="ner-v2", results=(
        _span(TEXTS[1], "Berlin", "GPE"),))])
    [done] = project.completions(ids[0])
    project.update_completion(done.id, [_span(TEXTS[0], "Paris", "GPE")], by="maria")
    project.add_completion(Completion(task_id=ids[2], results=[_span(TEXTS[2], "Tokyo", "GPE")],
                                      created_by="jo"))
    report = project.labelstudio.push(**_connection(label_studio))
    assert report.ls_project == first.ls_project and not report.created_project
    assert (report.tasks_created, report.predictions_created, report.completions_created,
            report.completions_updated) == (1, 1, 1, 1), report.to_dict()
    by_ours = {t["meta"]["preannotate"]["task_id"]: t for t in label_studio.tasks(report.ls_project)}
    assert len(by_ours) == 4 and new_tid in by_ours
    assert [_spans(a["result"]) for a in by_ours[ids[0]]["annotations"]] == [[(32, 37, "GPE", "Paris")]]
    assert sorted(p["model_version"] for p in by_ours[ids[1]]["predictions"]) == ["ner-v1", "ner-v2"]
    assert [_spans(a["result"]) for a in by_ours[ids[2]]["annotations"]] == [[(36, 41, "GPE", "Tokyo")]]
    assert not project.labelstudio.push(**_connection(label_studio)).changed


def test_pull_brings_annotations_edits_and_skips_back_once(tmp_path, label_studio):
    project, ids = _project(tmp_path)
    pushed = project.labelstudio.push(**_connection(label_studio))
    by_ours = {t["meta"]["preannotate"]["task_id"]: t for t in label_studio.tasks(pushed.ls_project)}
    # there: a person annotates task 2, skips task 3, and edits the pushed annotation of task 1
    made = label_studio.annotate(by_ours[ids[1]]["id"], [_value(TEXTS[1], "Berlin", "GPE")], lead_time=3.5)
    skip = label_studio.annotate(by_ours[ids[2]]["id"], [], was_cancelled=True)
    [pushed_annotation] = by_ours[ids[0]]["annotations"]
    label_studio.call("PATCH", f"/api/annotations/{pushed_annotation['id']}",
                      {"result": [_value(TEXTS[0], "Alice Smith", "PER"), _value(TEXTS[0], "Paris", "GPE")]})
    [original] = project.completions(ids[0])

    report = project.labelstudio.pull(**_connection(label_studio))
    assert report.errors == [] and report.ls_project == pushed.ls_project
    assert (report.tasks_created, report.completions_created, report.completions_updated) == (0, 2, 1), \
        report.to_dict()
    assert project.count_tasks() == 3
    # the edit updates the completion it came from, its old results in the history
    [edited] = project.completions(ids[0])
    assert edited.id == original.id and edited.created_by == "maria"
    assert _ours(edited.results) == [(0, 11, "PER", "Alice Smith"), (32, 37, "GPE", "Paris")]
    assert [_ours(h.results) for h in edited.history] == [_ours(original.results)]
    assert "Label Studio" in edited.history[0].note
    # the new annotation is a completion of task 2, with its Label Studio id and lead time
    [added] = project.completions(ids[1])
    assert _ours(added.results) == [(26, 32, "GPE", "Berlin")] and not added.skipped
    assert added.meta["labelstudio"]["id"] == made["id"] and added.meta["labelstudio"]["lead_time"] == 3.5
    # the skip stays a skip
    [skipped] = project.completions(ids[2])
    assert skipped.skipped and skipped.results == [] and skipped.meta["labelstudio"]["id"] == skip["id"]

    state = [(c.id, c.results, len(c.history)) for t in ids for c in project.completions(t)]
    again = project.labelstudio.pull(**_connection(label_studio))
    assert not again.changed and again.completions_unchanged == 3, again.to_dict()
    assert [(c.id, c.results, len(c.history)) for t in ids for c in project.completions(t)] == state
    # and what was pulled is not pushed back as new
    before = _snapshot(label_studio, pushed.ls_project)
    assert not project.labelstudio.push(**_connection(label_studio)).changed
    assert _snapshot(label_studio, pushed.ls_project) == before


def test_pull_imports_a_task_made_in_label_studio(tmp_path, label_studio):
    project, _ = _project(tmp_path)
    pushed = project.labelstudio.push(**_connection(label_studio))
    text = "Frank Ocean sang in London."
    label_studio.import_tasks(pushed.ls_project, [{"data": {"text": text}, "annotations": [
        {"result": [_value(text, "London", "GPE")]}]}])
    report = project.labelstudio.pull(**_connection(label_studio))
    assert (report.tasks_created, report.completions_created) == (1, 1), report.to_dict()
    [new_tid] = [t for t in project.task_ids() if project.get_task(t).text == text]
    assert [_ours(c.results) for c in project.completions(new_tid)] == [[(20, 26, "GPE", "London")]]
    assert not project.labelstudio.pull(**_connection(label_studio)).changed
    assert project.count_tasks() == 4


def test_errors_say_what_to_do(tmp_path, label_studio, monkeypatch):
    project, _ = _project(tmp_path)
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    with pytest.raises(pl.PreannotateError, match="LABEL_STUDIO_URL"):
        project.labelstudio.push()
    with pytest.raises(pl.PreannotateError, match="API key"):
        project.labelstudio.push(url=label_studio.url, api_key="not-the-token-0123456789")
    with pytest.raises(pl.PreannotateError, match="never pushed"):
        project.labelstudio.pull(**_connection(label_studio))
    with pytest.raises(pl.PreannotateError, match="has no project 99999"):
        project.labelstudio.push(ls_project=99999, **_connection(label_studio))
    bare = pl.Project.create(tmp_path / "bare.sqlite")
    with pytest.raises(pl.PreannotateError, match="no labeling config"):
        bare.labelstudio.push(**_connection(label_studio))


def test_cli_push_and_pull_with_json(tmp_path, label_studio):
    project, ids = _project(tmp_path)
    path = str(project.path)
    env = {"LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.token}

    def run(*args: str) -> dict:
        import os

        done = subprocess.run([sys.executable, "-m", "preannotate_lab.cli", *args], capture_output=True,
                              text=True, env={**os.environ, **env}, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    pushed = run("labelstudio", "push", path, "--title", "cli sync", "--json")
    assert pushed["created_project"] and pushed["tasks_created"] == 3 and pushed["changed"]
    assert run("labelstudio", "push", path, "--json")["changed"] is False
    task = next(t for t in label_studio.tasks(pushed["ls_project"])
                if t["meta"]["preannotate"]["task_id"] == ids[2])
    label_studio.annotate(task["id"], [_value(TEXTS[2], "Tokyo", "GPE")])
    pulled = run("labelstudio", "pull", path, "--json")
    assert pulled["completions_created"] == 1 and pulled["ls_project"] == pushed["ls_project"]
    assert run("labelstudio", "pull", path, "--json")["changed"] is False
    assert [_ours(c.results) for c in pl.Project.open(path).completions(ids[2])] == [[(36, 41, "GPE", "Tokyo")]]
    # pushing to a given Label Studio project, and a clear error without a server
    other = label_studio.create_project(CONFIG, title="given")
    assert run("labelstudio", "push", path, "--ls-project", str(other), "--json")["tasks_created"] == 3
    done = subprocess.run([sys.executable, "-m", "preannotate_lab.cli", "labelstudio", "pull", path],
                          capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "LABEL_STUDIO_URL": "http://127.0.0.1:9",
                               "LABEL_STUDIO_API_KEY": "x"})
    assert done.returncode != 0 and "Label Studio" in done.stderr
