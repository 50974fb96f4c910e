"""The tutorial notebooks that ship in the wheel, and a copy of one into your folder.

    from preannotate_lab import tutorials
    tutorials.available()                 # [Tutorial(name='01_quickstart', title=...), ...]
    tutorials.copy("04")                  # ./04_visual_ner.ipynb, ready to open
    tutorials.debian_file("shared-mime-info", "shared-mime-info-spec.pdf")  # a real PDF

The JupyterLab launcher's tutorial cards call :func:`copy` in a short-lived kernel when the
server cannot see the notebook already. A wheel carries them in ``preannotate_lab/data/notebooks``
(see pyproject.toml); a source checkout reads ``notebooks/`` beside the package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from .errors import PreannotateError


class TutorialError(PreannotateError):
    """No such tutorial, or the tutorials are not installed."""


@dataclass(frozen=True)
class Tutorial:
    name: str  # e.g. "04_visual_ner"
    title: str  # the notebook's first heading
    path: Path


def folder() -> Path:
    """Where the tutorial notebooks are: in the installed package, else the source checkout."""
    shipped = Path(str(files("preannotate_lab"))) / "data" / "notebooks"
    checkout = Path(__file__).resolve().parent.parent / "notebooks"
    for candidate in (shipped, checkout):
        if any(candidate.glob("[0-9][0-9]_*.ipynb")):
            return candidate
    raise TutorialError("the tutorial notebooks are not installed with this preannotate_lab")


def _title(path: Path) -> str:
    nb = json.loads(path.read_text("utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def available() -> list[Tutorial]:
    """Every tutorial, in order."""
    return [Tutorial(p.stem, _title(p), p) for p in sorted(folder().glob("[0-9][0-9]_*.ipynb"))]


def find(name: str) -> Tutorial:
    """A tutorial by its number ("4", "04"), its name ("04_visual_ner") or file name."""
    key = name.removesuffix(".ipynb")
    if key.isdigit():
        key = f"{int(key):02d}"
    tutorials = available()
    for tutorial in tutorials:
        if key in (tutorial.name, tutorial.name[:2]):
            return tutorial
    raise TutorialError(f"no tutorial {name!r}; there are: "
                        + ", ".join(t.name for t in tutorials))


def copy(name: str, dest: str | Path = ".", *, overwrite: bool = False) -> Path:
    """Copy a tutorial into folder ``dest``; return its path there.

    A copy already there is kept as it is (it may hold your edits) unless ``overwrite``.
    """
    tutorial = find(name)
    target = Path(dest) / tutorial.path.name
    if overwrite or not target.exists():
        Path(dest).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tutorial.path, target)
    return target


def debian_file(package: str, name: str) -> Path:
    """A file that Debian package ``package`` installed (found with dpkg-query, not a fixed
    path): the tutorials' and the tests' real documents, such as shared-mime-info's spec PDF."""
    if shutil.which("dpkg-query"):
        listed = subprocess.run(["dpkg-query", "-L", package], capture_output=True, text=True)
        for line in listed.stdout.splitlines():
            if line.endswith("/" + name) and Path(line).is_file():
                return Path(line)
    raise FileNotFoundError(f"{name}: install the Debian package {package} "
                            f"(apt-get install {package}), or point this at any file you have")
