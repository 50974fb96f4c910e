"""The public verbs: read_tasks / export / to_dataframe, servers that know their project,
paths accepted wherever a project is, and the old names as deprecated aliases."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from server_fixtures import MODEL, config_for
from widgets_fixtures import recording  # noqa: F401 - the fixture, used through usefixtures

import preannotate_lab as pl
from preannotate_lab.server import ServerError, ServerManager
from preannotate_lab.store import Project as ProjectStore


@pytest.fixture
def project(tmp_path, sample_texts):
    project = pl.Project(tmp_path / "surface.sqlite")
    project.read_tasks(pd.DataFrame({"text": sample_texts[:4], "source": ["a", "b", "c", "d"]}))
    project.set_config(config_for({MODEL: ["PERSON", "ORG", "GPE"]}))
    yield project
    project.close()


def test_project_is_the_store_with_verbs(project):
    assert isinstance(project, ProjectStore)
    assert project.count_tasks() == 4


def test_read_tasks_takes_files_folders_and_dataframes(tmp_path, sample_texts):
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in sample_texts[4:7]))
    report = pl.read_tasks(tmp_path / "p.sqlite", path)  # a project path works too
    assert report.n_tasks == 3
    with pl.Project.open(tmp_path / "p.sqlite") as project:
        report = project.read_tasks(pd.DataFrame({"text": ["one more paragraph"]}))
        assert report.n_tasks == 1 and project.count_tasks() == 4


def test_export_and_to_dataframe_are_project_methods(project, tmp_path):
    report = project.export("jsonl", tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert report.n_tasks == len(lines) == 4
    frame = project.to_dataframe(kind="tasks")
    assert len(frame) == 4


def test_server_runs_on_the_project_it_was_deployed_from(project):
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="ner")
        assert server.project is project
        job = server.run(project.task_ids()[:2], wait=True)
        assert job.state == "done" and job.progress["done"] == 2
        assert [s.name for s in manager.deployed()] == ["ner"]
    finally:
        manager.close()


def test_server_from_a_config_needs_a_project_to_run(project):
    manager = ServerManager()
    try:
        server = manager.deploy(config_for({MODEL: ["PERSON"]}), name="bare")
        with pytest.raises(ServerError, match="project="):
            server.run()
        job = server.run(project=project, wait=True)
        assert job.state == "done" and job.progress["done"] == 4
    finally:
        manager.close()


def test_old_spellings_still_work_with_a_deprecation_warning(project, tmp_path):
    manager = ServerManager()
    try:
        server = manager.deploy(project, name="old")
        with pytest.warns(DeprecationWarning, match=r"server.run\(task_ids\)"):
            job = server.run(project, project.task_ids()[:1], wait=True)
        assert job.progress["done"] == 1
        with pytest.warns(DeprecationWarning, match="deployed"):
            assert [s.name for s in manager.list()] == ["old"]
    finally:
        manager.close()
    with pytest.warns(DeprecationWarning, match="project.export"):
        export_project = pl.export_project
    assert export_project(project, "jsonl", tmp_path / "old.jsonl").n_tasks == 4
    with pytest.warns(DeprecationWarning, match="read_tasks"):
        assert callable(pl.import_path)


@pytest.mark.usefixtures("recording")
def test_widgets_take_a_project_path(project):
    path = project.path
    lab = pl.Lab(str(path), servers=ServerManager())
    assert isinstance(lab.project, ProjectStore) and lab.project.count_tasks() == 4
    builder = pl.ConfigBuilder(path)
    assert builder.project.path == path


@pytest.mark.usefixtures("recording")
def test_a_stray_string_is_refused_not_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError, match="path of a project file"):
        pl.TaskGrid("Barack Obama visited Berlin")
    assert list(tmp_path.iterdir()) == []


def test_every_public_name_is_visible_to_type_checkers():
    """The TYPE_CHECKING imports in __init__ name exactly the lazily exported names, each from
    the module the lazy loader uses, so editors and mypy see the same API users get."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(pl.__file__).read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and getattr(node.test, "id", None) == "TYPE_CHECKING")
    seen = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom)
            for alias in node.names}
    assert seen == dict(pl._EXPORTS)
    for name in pl._EXPORTS:
        assert getattr(pl, name) is not None
