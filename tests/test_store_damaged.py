"""A damaged project file is named in every error, with how to recover it (API and CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run

from preannotate_lab.model import Task
from preannotate_lab.project import Project
from preannotate_lab.store import ProjectFileError

RECOVER = "preannotate recover"


def _project(path: Path) -> int:
    with Project(path) as project:
        project.add_tasks([Task({"text": f"Task {i}. " + "Anna lives in Berlin. " * 40}) for i in range(300)])
    return path.stat().st_size


def overwrite_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8192] = b"\xff" * 8192
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize("damage", [overwrite_middle, truncate])
def test_every_read_names_the_damaged_file_and_the_fix(tmp_path: Path, damage) -> None:
    path = tmp_path / "news.sqlite"
    _project(path)
    damage(path)
    with pytest.raises(ProjectFileError) as caught:
        with Project(path) as project:
            list(project.iter_tasks())
    message = str(caught.value)
    assert f"project file {path} is damaged" in message and "malformed" in message
    fixed = tmp_path / "news-recovered.sqlite"
    assert f"{RECOVER} {path} {fixed}" in message
    assert f"pl.Project.recover('{path}', '{fixed}')" in message
    assert '".recover"' not in message  # the sqlite3 shell's .recover fails on these files


def test_a_file_that_never_was_sqlite_is_still_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes\n" * 100)
    with pytest.raises(ProjectFileError, match="is not a preannotate_lab project") as caught:
        Project(path)
    assert "damaged" not in str(caught.value)


def test_the_cli_names_the_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite"
    _project(path)
    overwrite_middle(path)
    for command in (["status", str(path)], ["export", str(path), "--format", "jsonl",
                                            "--out", str(tmp_path / "out.jsonl")]):
        proc = run(*command, check=False)
        assert proc.returncode == 1, proc.stdout
        assert f"project file {path} is damaged" in proc.stderr and RECOVER in proc.stderr
