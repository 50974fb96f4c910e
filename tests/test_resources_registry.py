"""Declared factory configs: unknown and mistyped keys are refused; the registry is a leaf."""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

import preannotate_lab.resources as resources_package
from preannotate_lab.resources import Hub, ResourceConfigError, ResourceError, factories
from preannotate_lab.resources.registrations import BUILTIN_FACTORIES

FACTORIES = sorted(factories())
RESOURCES_DIR = Path(resources_package.__file__).parent


@pytest.fixture(scope="module")
def gliner_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GLiNER model (needs the optional gliner package, which the dev extra brings)."""
    pytest.importorskip("gliner")
    from gliner_fixtures import tiny_gliner

    return tiny_gliner(tmp_path_factory.mktemp("gliner"))


@pytest.fixture(scope="module")
def textcat_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (untrained) spaCy text classifier saved like `spacy train` does."""
    import spacy

    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat")
    for label in ("POS", "NEG"):
        textcat.add_label(label)
    nlp.initialize()
    folder = tmp_path_factory.mktemp("textcat") / "model-best"
    nlp.to_disk(folder)
    return folder


def minimal_config(factory: str, textcat_folder: Path,
                   request: pytest.FixtureRequest | None = None) -> dict[str, Any]:
    """The keys without a usable default, per built-in factory (the rest come from defaults)."""
    if factory == "gliner_ner":  # a real model folder, built only when this factory is tested
        assert request is not None
        return {"model": str(request.getfixturevalue("gliner_folder")), "labels": ["PERSON"]}
    return {
        "spacy_ner": {},
        "rules": {"rules": [{"name": "mrn", "label": "ID", "pattern": r"MRN\d+"}]},
        "zero_shot_ner": {"labels": {"DRUG": "a medication name"}},
        "llm_ner": {"base_url": "http://127.0.0.1:9/v1", "model": "m", "labels": ["PERSON"]},
        "assertion": {},
        "spacy_textcat": {"model": str(textcat_folder)},
        "keyword_classifier": {"keywords": {"sports": ["match"]}},
        "zero_shot_classification": {"labels": ["sports", "business"]},
        "relations": {"allowed": "PERSON>ORG"},
    }[factory]


def test_every_builtin_is_registered_and_declares_its_config() -> None:
    assert set(BUILTIN_FACTORIES) <= set(FACTORIES)
    for name in BUILTIN_FACTORIES:
        fields = factories()[name].config_fields
        assert fields, f"factory {name!r} declares no config keys"
        assert all(field.help for field in fields.values()), name


@pytest.mark.parametrize("factory", FACTORIES)
def test_an_unknown_key_is_refused_naming_the_allowed_keys(factory: str, tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    allowed = list(factories()[factory].config_fields or {})
    for attempt in (lambda: hub.build(factory, {"no_such_key": 1}, name="x"),
                    lambda: hub.add({"name": "x", "factory": factory, "config": {"no_such_key": 1}})):
        with pytest.raises(ResourceConfigError) as caught:
            attempt()
        message = str(caught.value)
        assert "unknown config key 'no_such_key'" in message and "resource 'x'" in message
        assert f"allowed: {', '.join(allowed)}" in message
    assert not (tmp_path / "resources").exists()  # nothing saved


@pytest.mark.parametrize("factory", FACTORIES)
def test_declared_defaults_validate_and_build(factory: str, textcat_folder: Path,
                                              tmp_path: Path, request: pytest.FixtureRequest) -> None:
    cls = factories()[factory]
    defaults = {key: field.default for key, field in (cls.config_fields or {}).items()}
    assert cls.checked_config("x", defaults) == defaults  # every default has its declared type
    resource = Hub(tmp_path).build(factory, {**defaults, **minimal_config(factory, textcat_folder, request)},
                                   name="x")
    assert resource.kind == cls.kind and resource.factory == factory


def test_a_misspelt_key_gets_a_suggestion(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    spec = {"name": "drugs", "factory": "zero_shot_ner",
            "config": {"labels": {"DRUG": "a medication"}, "treshold": 0.9}}
    with pytest.raises(ResourceConfigError,
                       match=r"resource 'drugs' \(zero_shot_ner\): unknown config key 'treshold'; "
                             r"allowed: labels, threshold, .*; did you mean 'threshold'\?"):
        hub.add(spec)
    with pytest.raises(ResourceError, match="did you mean 'max_distance'"):
        hub.build("relations", {"allowed": "A>B", "max_distanse": 3})
    with pytest.raises(ResourceError, match="did you mean 'apply_to'"):
        hub.load("assertion", config={"aply_to": ["DRUG"]})  # a spec's config override too


def test_a_value_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    with pytest.raises(ResourceConfigError,
                       match=r"config key 'threshold' must be a number, got 'high'"):
        hub.build("zero_shot_classification", {"labels": ["a", "b"], "threshold": "high"})
    with pytest.raises(ResourceConfigError, match=r"'max_distance' must be an integer, got True"):
        hub.build("relations", {"allowed": "A>B", "max_distance": True})
    with pytest.raises(ResourceConfigError, match=r"'labels' must be a list or null, got 'ORG'"):
        hub.add({"name": "x", "factory": "spacy_ner", "config": {"labels": "ORG"}})
    # an integer where a number is expected is fine (JSON does not tell 1 from 1.0)
    assert hub.build("relations", {"allowed": "A>B", "max_distance": 3}).max_distance == 3
    assert hub.build("keyword_classifier", {"keywords": {"a": ["x"]}, "threshold": 1,
                                            "top_k": None}).threshold == 1.0


def test_a_saved_spec_with_a_bad_key_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "resources"
    folder.mkdir()
    (folder / "old.json").write_text(json.dumps(
        {"name": "old", "factory": "relations", "config": {"allowed": "A>B", "lable": "x"}}))
    hub = Hub(tmp_path)
    assert "old" not in hub.names("relation")
    assert "did you mean 'label'" in hub.problems()["old"]


def test_list_is_a_deprecated_alias_of_infos(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    with pytest.warns(DeprecationWarning, match=r"Hub.infos\(\)"):
        listed = hub.list("assertion")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert listed == hub.infos("assertion") and listed[0].name == "assertion"


# -- module structure -----------------------------------------------------------------------------
def _resource_imports(path: Path) -> tuple[set[str], list[str]]:
    """(resources modules imported at module level, those imported inside a function)."""
    tree = ast.parse(path.read_text("utf-8"))
    top: set[str] = set()
    nested: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # annotations only, never run
            if isinstance(child, ast.ImportFrom) and child.level == 1:
                names = [child.module] if child.module else [a.name for a in child.names]
                (nested.extend if in_function else top.update)(names)
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, False)
    return top, nested


def test_resources_modules_import_no_cycle_and_nothing_inside_functions() -> None:
    modules = {p.stem: p for p in RESOURCES_DIR.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for name, path in modules.items():
        top, nested = _resource_imports(path)
        assert not nested, f"{name}.py imports {nested} inside a function"
        graph[name] = top & set(modules)
    assert graph["registry"] <= {"base"}, "the registry must stay a leaf"

    def cycle_from(start: str, path: list[str]) -> list[str] | None:
        for nxt in sorted(graph[start]):
            if nxt in path:
                return [*path[path.index(nxt):], nxt]
            found = cycle_from(nxt, [*path, nxt])
            if found:
                return found
        return None

    for module in sorted(graph):
        assert cycle_from(module, [module]) is None, f"import cycle: {cycle_from(module, [module])}"
