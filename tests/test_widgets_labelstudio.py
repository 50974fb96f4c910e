"""LabelStudioPanel without a browser: its fields come from the environment, the API key
never reaches the browser's state, Push and Pull requests sync with a real Label Studio,
and the Lab's pull refreshes the grid."""

from __future__ import annotations

import json

import pytest
from widgets_fixtures import (
    comm_of,
    frontend_request,
    make_project,
    ner_config,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.widgets import Lab, LabelStudioPanel

pytestmark = pytest.mark.usefixtures("recording")

TEXTS = ["Alice Smith joined Acme Corp in Paris.", "Bob Jones left Globex for Berlin."]


@pytest.fixture
def project(tmp_path):
    project = make_project(tmp_path / "ls.sqlite", TEXTS, ner_config(["PERSON", "ORG", "GPE"]))
    yield project
    project.close()


def _sent_state(widget) -> str:
    """Everything the kernel ever sent to the browser for this widget, as text."""
    return json.dumps([m["data"] for m in comm_of(widget).sent], default=str)


def test_fields_come_from_the_environment_and_the_key_stays_in_the_kernel(project, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "secret-key-that-must-not-leak")
    panel = LabelStudioPanel(project)
    assert panel.url == "http://127.0.0.1:9" and panel.key_from_env and panel.ls_project is None
    # nothing listens there: the error names the server and lands on the status line
    reply = frontend_request(panel, "push", url="", api_key="", ls_project=None, title="")
    assert "Label Studio at http://127.0.0.1:9" in reply["error"] and "running" in reply["error"]
    assert "secret-key-that-must-not-leak" not in _sent_state(panel)
    error = frontend_request(panel, "pull", ls_project="abc")["error"]
    assert "ls_project must be" in error and "number" in error


def test_without_url_the_error_says_what_to_set(project, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    panel = LabelStudioPanel(project)
    assert panel.url == "" and not panel.key_from_env
    assert "LABEL_STUDIO_URL" in frontend_request(panel, "push")["error"]


@pytest.mark.labelstudio
@pytest.mark.slow
def test_push_and_pull_buttons_sync_and_the_lab_refreshes(project, label_studio, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    lab = Lab(project)
    panel = lab.labelstudio_panel
    assert lab.tabs.get_title(4) == "Label Studio"
    pushed = result_of(panel, "push", url=label_studio.url, api_key="", ls_project=None, title="widget sync")
    assert pushed["created_project"] and pushed["tasks_created"] == 2
    assert panel.ls_project == pushed["ls_project"]
    assert panel.project_url == f"{label_studio.url}/projects/{pushed['ls_project']}"
    assert "pushed to" in panel.message and panel.message_level == "info"
    # a person annotates there; Pull brings it back and the grid shows the completion
    task = label_studio.tasks(pushed["ls_project"])[0]
    label_studio.annotate(task["id"], [{"from_name": "label", "to_name": "text", "type": "labels",
                                        "value": {"start": 0, "end": 11, "text": "Alice Smith",
                                                  "labels": ["PERSON"]}}])
    token = lab.grid.refresh_token
    pulled = result_of(panel, "pull")  # the URL and project are remembered
    assert pulled["completions_created"] == 1 and pulled["ls_project"] == pushed["ls_project"]
    assert lab.grid.refresh_token > token and updates(lab.grid, "refresh_token")
    assert not result_of(panel, "pull")["changed"]
    assert label_studio.token not in _sent_state(panel)
    # a new panel on the same project starts from the project synced last
    again = LabelStudioPanel(project)
    assert again.ls_project == pushed["ls_project"] and again.url == label_studio.url
