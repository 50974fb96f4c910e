"""The optional GLiNER resource: registered, listed without torch, clear errors when the
``gliner`` package or the model folder is missing.

Loading a real (tiny) GLiNER model is not tested here: ``gliner`` needs torch and
transformers, which the dev install does not bring (about 1 GB); see the README.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from preannotate_lab.resources import Hub, ResourceError, factories

HAS_GLINER = importlib.util.find_spec("gliner") is not None


def gliner_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "gliner-model"
    folder.mkdir()
    (folder / "gliner_config.json").write_text(json.dumps({"model_name": "tiny"}))
    return folder


def test_registered_and_described_without_loading(tmp_path: Path) -> None:
    assert "gliner_ner" in factories()
    hub = Hub(tmp_path)
    hub.add({"name": "gl", "factory": "gliner_ner",
             "config": {"model": str(tmp_path / "absent"), "labels": {"DRUG": "medication"}}})
    info = hub.info("gl")  # listing needs neither the package nor the folder
    assert info.kind == "ner" and info.labels == ("DRUG",) and info.factory == "gliner_ner"


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    with pytest.raises(ResourceError, match="must be the folder of a GLiNER model"):
        hub.build("gliner_ner", {"labels": ["DRUG"]})
    with pytest.raises(ResourceError, match="does not exist"):
        hub.build("gliner_ner", {"model": str(tmp_path / "nope"), "labels": ["DRUG"]})
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResourceError, match="not a GLiNER model folder .*gliner_config.json"):
        hub.build("gliner_ner", {"model": str(tmp_path / "empty"), "labels": ["DRUG"]})


@pytest.mark.skipif(HAS_GLINER, reason="checks the error shown when gliner is not installed")
def test_missing_package_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="needs the optional 'gliner' package.*pip install gliner"):
        Hub(tmp_path).build("gliner_ner", {"model": str(gliner_folder(tmp_path)), "labels": ["DRUG"]})
