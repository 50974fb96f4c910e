"""The optional GLiNER resource: registered, listed without torch, clear errors when the
``gliner`` package or the model folder is missing, and a real GLiNER model that the test
builds itself (a one-layer, 32-wide BERT backbone with random weights and an 11-word
vocabulary: nothing downloaded) loaded from its folder and run through the hub.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from gliner_fixtures import tiny_gliner

from preannotate_lab.model import Document
from preannotate_lab.resources import Hub, ResourceError, factories

HAS_GLINER = importlib.util.find_spec("gliner") is not None


@pytest.mark.skipif(not HAS_GLINER, reason="the optional gliner package is not installed")
def test_a_tiny_model_built_here_loads_and_predicts(tmp_path: Path) -> None:
    folder = tiny_gliner(tmp_path)
    hub = Hub(tmp_path)
    hub.add({"name": "tiny", "factory": "gliner_ner",
             "config": {"model": str(folder), "labels": {"PERSON": "person", "CITY": "city"},
                        "threshold": 0.0}})
    res = hub.load("tiny")
    text = "Anna met Bob in Paris."
    (out,) = res.pipe([(Document(text), ())])
    # an untrained model: which spans it picks is noise, but each is a real result of ours
    assert out, "threshold 0 keeps at least the best span"
    for span in out:
        assert span.text == text[span.start:span.end] and span.label in {"PERSON", "CITY"}
        assert 0.0 <= span.confidence <= 1.0 and span.source == "tiny"
    strict = hub.build("gliner_ner", {"model": str(folder), "labels": ["person"], "threshold": 1.0})
    assert strict(Document(text)) == []
    assert res.fingerprint() != strict.fingerprint() and len(res.version) == 8
    (folder / "pytorch_model.bin").unlink()  # a folder whose weights are gone
    with pytest.raises(ResourceError, match="cannot load the GLiNER model in"):
        hub.build("gliner_ner", {"model": str(folder), "labels": ["person"]})


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


def test_missing_package_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes "import gliner" fail as on a machine without it
    monkeypatch.setitem(sys.modules, "gliner", None)
    with pytest.raises(ResourceError, match="needs the optional 'gliner' package.*pip install gliner"):
        Hub(tmp_path).build("gliner_ner", {"model": str(gliner_folder(tmp_path)), "labels": ["DRUG"]})
