"""Helpers shared by the tests/test_formats_*.py modules: fixture files, configs, project snapshots."""

from __future__ import annotations

import json
from pathlib import Path

from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.store import Project

DATA = Path(__file__).parent / "data" / "formats"


def config(name: str) -> LabelingConfig:
    return LabelingConfig.from_xml((DATA / name).read_text("utf-8"))


def load(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text("utf-8"))


def snapshot(project: Project) -> list[tuple]:
    """Everything stored about every task, to compare a project before and after an import."""
    out = []
    for task in project.iter_tasks():
        out.append((
            task.id, task.kind, task.title, json.dumps(task.data, sort_keys=True), task.created_at,
            [(p.id, p.version, p.model_version, p.score, p.results, p.created_at) for p in project.predictions(task.id)],
            [(c.id, c.created_by, c.ground_truth, list(c.results), c.created_at) for c in project.completions(task.id)],
        ))
    return out


def new_project(tmp_path: Path, xml: str | None = None, name: str = "project") -> Project:
    """A new project file under ``tmp_path``, with the config of a fixture XML when given."""
    return Project.create(tmp_path / f"{name}.sqlite", config(xml) if xml else None)
