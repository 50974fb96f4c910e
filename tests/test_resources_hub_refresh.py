"""hub.refresh() finds a spaCy pipeline installed while the kernel runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from gate_fixtures import make_german_pipeline

from preannotate_lab.model import Document
from preannotate_lab.resources import hub

PACKAGE = "de_gate_pkg"


def install_pipeline(site: Path) -> None:
    """Lay out a pipeline package as pip installs one: the package, its data, its dist-info."""
    package = site / PACKAGE
    package.mkdir(parents=True)
    data = make_german_pipeline(package / "data")
    meta = json.loads((data / "meta.json").read_text())
    meta.update(name="gate_pkg", version="0.0.1")
    (data / "meta.json").write_text(json.dumps(meta))
    data.rename(package / f"{PACKAGE}-0.0.1")  # where spaCy's load_model_from_init_py looks
    (package / "meta.json").write_text(json.dumps(meta))
    (package / "__init__.py").write_text(
        "from spacy.util import load_model_from_init_py\n\n\n"
        "def load(**overrides):\n    return load_model_from_init_py(__file__, **overrides)\n")
    info = site / f"{PACKAGE}-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(f"[spacy_models]\n{PACKAGE} = {PACKAGE}\n")


def test_refresh_finds_a_pipeline_installed_after_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert PACKAGE not in hub.names("ner")  # discovery ran (and was cached) before the install
    site = tmp_path / "site-packages"
    install_pipeline(site)
    monkeypatch.syspath_prepend(str(site))
    try:
        hub.refresh()
        assert PACKAGE in hub.names("ner")
        info = hub.model_info(PACKAGE)
        assert (info.language, info.labels) == ("de", ("LOC", "PER"))
        resource = hub.load(PACKAGE)  # spacy.load of the new package works too
        [out] = resource.pipe([(Document("Anna wohnt in Berlin."), ())])
        assert isinstance(out, list) and set(resource.labels) == {"LOC", "PER"}
    finally:
        monkeypatch.undo()
        sys.modules.pop(PACKAGE, None)
        hub.refresh()
    assert PACKAGE not in hub.names("ner")


def test_refresh_finds_a_model_folder_changed_after_start(tmp_path: Path) -> None:
    folder = make_german_pipeline(tmp_path / "de_folder")
    info = hub.add_model_path(folder)
    try:
        assert hub.model_info(info.name).labels == ("LOC", "PER")
        meta = json.loads((folder / "meta.json").read_text())
        meta["labels"]["ner"] = ["LOC", "ORG", "PER"]  # e.g. retrained into the same folder
        (folder / "meta.json").write_text(json.dumps(meta))
        hub.refresh()
        assert hub.model_info(info.name).labels == ("LOC", "ORG", "PER")
    finally:
        hub.remove(info.name)
