"""preannotate_lab.tutorials: the shipped notebooks, listed and copied into a user's folder."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from preannotate_lab import tutorials

REPO = Path(__file__).resolve().parent.parent


def test_every_notebook_is_listed_with_its_heading():
    found = tutorials.available()
    assert [t.name for t in found] == sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert found[0].title == "preannotate_lab quickstart"
    assert all(t.title and not t.title.startswith("#") for t in found)


def test_copy_by_number_keeps_an_edited_copy_unless_told(tmp_path):
    path = tutorials.copy("4", tmp_path)
    assert path == tmp_path / "04_visual_ner.ipynb"
    assert json.loads(path.read_text())["cells"]  # a notebook, whole
    path.write_text("my edits")
    assert tutorials.copy("04_visual_ner.ipynb", tmp_path).read_text() == "my edits"
    assert tutorials.copy("04", tmp_path, overwrite=True).read_text() != "my edits"


def test_unknown_tutorial_names_the_ones_there_are():
    with pytest.raises(tutorials.TutorialError, match="no tutorial '99'.*01_quickstart"):
        tutorials.find("99")


def test_the_wheel_ships_every_notebook():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for notebook in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        key = f"notebooks/{notebook.name}"
        assert included.get(key) == f"preannotate_lab/data/notebooks/{notebook.name}", key


def test_the_launcher_offers_every_tutorial():
    cards = json.loads((REPO / "labextension" / "src" / "tutorials.json").read_text())
    assert [(c["name"], c["title"]) for c in cards] == [
        (t.name, t.title) for t in tutorials.available()]
