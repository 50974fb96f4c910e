"""The wheel carries the front-end: a fresh venv with only ``pip install <wheel>`` has the
JupyterLab extension enabled and the widgets' bundles in place.

Builds the wheel from this checkout (hatch-jupyter-builder runs scripts/build_js.sh, so node and
npm must be there: ``scripts/setup.sh --dev`` installs them), then installs it into a new venv.
The venv gets JupyterLab first (the one dependency ``jupyter labextension list`` needs) and the
wheel with ``--no-deps``: the full dependency set (spaCy, dask, pandas...) took 83 s more here,
and adds nothing to what the extension's discovery needs. ~35 s in all.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXT = "share/jupyter/labextensions/preannotate-lab"


def _clean_env(**extra: str) -> dict[str, str]:
    # nothing of the test run may leak in: no PYTHONPATH onto this checkout, no venv on PATH
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH", "JUPYTER_DATA_DIR",
                        "JUPYTER_CONFIG_DIR"}}
    env.update(extra)
    return env


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def _requirement(name: str) -> str:
    """``name`` with the version range pyproject.toml gives it (the one the wheel will ask for)."""
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(rf'"({re.escape(name)}[<>=!~][^"]*)"', text)
    assert found, f"{name} is not a dependency in pyproject.toml"
    return found.group(1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
          "-w", str(dist), str(ROOT)], env=_clean_env())
    [built] = dist.glob("preannotate_lab-*.whl")
    return built


def test_wheel_holds_the_prebuilt_extension_and_the_widget_bundles(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = next(n.split("/data/")[0] for n in names if ".data/data/" in n) + "/data/"
    ext = {n[len(data) + len(EXT) + 1:] for n in names if n.startswith(data + EXT + "/")}
    assert {"package.json", "install.json", "static/style.js"} <= ext, sorted(ext)
    with zipfile.ZipFile(wheel) as zf:
        meta = json.loads(zf.read(f"{data}{EXT}/package.json"))
        install = json.loads(zf.read(f"{data}{EXT}/install.json"))
    assert meta["name"] == "preannotate-lab"
    # the federated entry point the extension's package.json names is really there
    assert meta["jupyterlab"]["_build"]["load"] in ext
    assert install["packageName"] == "preannotate-lab"
    # every bundle the build left in the widgets' static folder ships in the package
    static = ROOT / "preannotate_lab" / "widgets" / "static"
    built = {p.name for p in static.iterdir() if p.suffix in {".js", ".css"}}
    assert "labeling_view.js" in built and "task_grid.js" in built
    shipped = {Path(n).name for n in names if n.startswith("preannotate_lab/widgets/static/")}
    assert built <= shipped, sorted(built - shipped)
    # the extension is shared data only, not a second copy inside the package
    assert not any(n.startswith("preannotate_lab/labextension/") for n in names)


def test_fresh_venv_with_only_the_wheel_lists_the_extension_enabled(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], env=_clean_env())
    bin_ = venv / "bin"
    pip = [str(bin_ / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, _requirement("jupyterlab")], env=_clean_env())
    _run([*pip, "--no-deps", str(wheel)], env=_clean_env())
    env = _clean_env(JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
                     JUPYTER_DATA_DIR=str(tmp_path / "data"), JUPYTER_PLATFORM_DIRS="1")
    out = _run([str(bin_ / "jupyter"), "labextension", "list"], env=env)
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)  # drop the colours
    # the extension is listed under the venv's own labextensions folder
    section = text.split(str(venv / EXT.rsplit("/", 1)[0]), 1)
    assert len(section) == 2, text
    line = next((ln for ln in section[1].splitlines() if "preannotate-lab " in ln), None)
    assert line is not None, text
    assert "enabled" in line and "OK" in line and "(python, preannotate-lab)" in line, line
    # and the installed package finds its widgets' bundles
    # (files() of the top package only: the widgets package would import anywidget, not installed)
    probe = ("from importlib.resources import files; print(sorted(p.name for p in "
             "(files('preannotate_lab') / 'widgets' / 'static').iterdir()))")
    installed = _run([str(bin_ / "python"), "-c", probe], env=env, cwd=tmp_path).stdout
    assert "'labeling_view.js'" in installed and "'task_grid.js'" in installed, installed
