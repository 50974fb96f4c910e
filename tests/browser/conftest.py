"""Fixtures for real-browser tests: a real ``jupyter lab`` on 127.0.0.1 and headless Chromium.

The server serves a temporary copy of ``notebooks/`` (checkpoints, kernels' project files and
test edits never touch the repository), with isolated Jupyter config/settings (autosave off,
no news or update checks) and ``window.jupyterapp`` exposed so tests can run commands.
Chromium is the system one (``/usr/bin/chromium``), driven by Python playwright; no browser
download is needed. Screenshots go to ``artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_fixtures import NOTEBOOKS, JupyterLab, shot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings_dir: Path, plugin: str, name: str, values: dict[str, Any]) -> None:
    target = settings_dir / plugin
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{name}.jupyterlab-settings").write_text(json.dumps(values))


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    state = tmp_path_factory.mktemp("jupyter-state")
    # Serve copies of the notebooks only: no generated projects, exports or checkpoints.
    root = tmp_path_factory.mktemp("served") / "notebooks"
    root.mkdir()
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        shutil.copy2(notebook, root / notebook.name)
    settings = state / "lab-settings"
    # No "fetch news?" toast (needs network, overlaps elements); no autosave: tests edit and
    # execute notebooks and must not write them back.
    _write_settings(settings, "@jupyterlab/apputils-extension", "notification",
                    {"fetchNews": "false", "checkForUpdates": False})
    _write_settings(settings, "@jupyterlab/docmanager-extension", "plugin", {"autosave": False})
    env = dict(os.environ)
    built = NOTEBOOKS.parent / "preannotate_lab" / "labextension"
    if (built / "package.json").exists():
        # this checkout's built extension, ahead of the one the venv links (the first found wins)
        data = state / "data"
        (data / "labextensions").mkdir(parents=True)
        (data / "labextensions" / "preannotate-lab").symlink_to(built)
        env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(data), env.get("JUPYTER_PATH")]))
    env.update(
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
        PREANNOTATE_LAB_HOME=str(state / "preannotate-home"),
        OMP_THREAD_LIMIT="1",
    )
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, for commands and kernel state
        "--LabApp.extension_manager=readonly",  # no package-index queries from the manager
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    log_path = state / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        lab = JupyterLab(f"http://127.0.0.1:{port}", token, root, log_path)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(lab.url("api/status"), timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jupyter lab did not start:\n" + lab.log_tail())
                time.sleep(0.3)
            yield lab
        finally:
            proc.terminate()  # SIGTERM: jupyter shuts its kernels down cleanly
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser tab (1280x900) that records console messages and page errors."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    messages: list[str] = []
    pg.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    pg.console_messages = messages
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        shot(pg, f"{request.node.name}-FAILED")
    ctx.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    # Expose the call outcome to the page fixture so a failing test leaves a screenshot.
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
