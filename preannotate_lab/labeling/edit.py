"""Editing the classification choices and relation definitions of an existing config.

``LabelingConfig.add_labels`` / ``remove_labels`` cover labels; these functions cover the two
other things a user adds to a config after starting it: ``<Choices>`` (classification) and
``<Relation>`` definitions. Like the config itself they return a new config and keep the
user's layout and unmodelled elements::

    config = add_choices(config, "sentiment", ["positive", "negative"])
    config = add_relation(config, "works_for", "PERSON>ORG")
    config = remove_choices(config, "sentiment", ["negative"])
    config = remove_relation(config, "works_for")

``model=`` names the hub resource that predicts a control (the server deploys only resources
a config names), and :func:`merge_controls` adds the Choices and Relations of another config,
e.g. the fragment ``hub.config_for([name])`` builds for one resource.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from .tree import CHOICE_MODES, as_list, check_value, insert_indented, remove_indented
from .types import ConfigError, RelationDef

if TYPE_CHECKING:
    from .config import LabelingConfig

__all__ = ["add_choices", "add_relation", "merge_controls", "remove_choices", "remove_relation"]


def _rebuilt(config: LabelingConfig, root: ET.Element, *touched: ET.Element) -> LabelingConfig:
    _tidy(root, touched)
    return config._with_root(root)


def _tidy(root: ET.Element, touched: Iterable[ET.Element]) -> None:
    """Re-indent the containers an edit touched (only their insides: the rest keeps its layout)."""
    depth = {root: 0}
    for parent in root.iter():
        for child in parent:
            depth[child] = depth[parent] + 1
    for element in touched:
        if element in depth and len(element):
            ET.indent(element, "  ", level=depth[element])
    if len(root) and (root[-1].tail or "").strip() == "":
        root[-1].tail = "\n"


def _choices_elements(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.tag in ("Choices", "Taxonomy") and e.get("name") == name]


def _choices_names(config: LabelingConfig) -> str:
    return ", ".join(repr(c.name) for c in config.choices) or "none"


def add_choices(config: LabelingConfig, name: str, values: Iterable[str], *,
                choice: str = "single", per_region: bool = False,
                to_name: str | None = None, model: str | None = None) -> LabelingConfig:
    """A new config with ``values`` added to the ``<Choices name=...>`` control.

    A missing control is created (``choice`` "single" | "single-radio" | "multiple";
    ``per_region`` for a choice per selected span), pointing at ``to_name`` (default: the
    config's first object, e.g. ``text``). Values already there are skipped. For an existing
    control ``choice`` and ``per_region`` are left as they are.

    ``model`` names the classification resource that predicts the control (``model=``); a
    control another resource already predicts is refused (remove it or pick another name).
    """
    check_value(name, "choices name")
    if model is not None:
        check_value(model, f"resource of choices {name!r}")
    wanted = list(dict.fromkeys(as_list(values, f"choice of {name!r}")))
    if not wanted:
        raise ConfigError(f"give at least one choice to add to {name!r}")
    if choice not in CHOICE_MODES:
        raise ConfigError(f"choice must be one of {', '.join(CHOICE_MODES)}, not {choice!r}")
    clash = [v for v in wanted if v in config.label_values]
    if clash:
        raise ConfigError(f"{', '.join(map(repr, clash))} is already a label of this config; "
                          "a choice needs a value of its own")
    root = copy.deepcopy(config._root)
    found = _choices_elements(root, name)
    if found:
        group = found[0]
        owner = group.get("model")
        if model is not None and owner not in (None, model):
            raise ConfigError(f"choices {name!r} is predicted by {owner!r}, not {model!r}; remove the "
                              f"control first or add {model!r} under another name")
        if model is not None:
            group.set("model", model)
    else:
        target = to_name or next(iter(config.objects), None)
        if not target:
            raise ConfigError(f"the config has no object (e.g. <Text name=\"text\">) for choices {name!r} "
                              "to classify; add labels first")
        if target not in config.objects:
            raise ConfigError(f"to_name {target!r} is not an object of the config "
                              f"(objects: {', '.join(config.objects) or 'none'})")
        attrs = {"name": name, "toName": target, "choice": choice}
        if per_region:
            attrs["perRegion"] = "true"
        if model is not None:
            attrs["model"] = model
        group = ET.Element("Choices", attrs)
        insert_indented(root, group)
    have = {e.get("value") for e in group.iter("Choice")}
    for value in wanted:
        if value not in have:
            insert_indented(group, ET.Element("Choice", {"value": value}))
    return _rebuilt(config, root, group)


def remove_choices(config: LabelingConfig, name: str, values: Iterable[str] | None = None) -> LabelingConfig:
    """A new config without these choices of control ``name`` (None: the whole control)."""
    root = copy.deepcopy(config._root)
    found = _choices_elements(root, name)
    if not found:
        raise ConfigError(f"no choices control named {name!r} (choices controls: {_choices_names(config)})")
    group = found[0]
    parents = {child: parent for parent in root.iter() for child in parent}
    if values is None:
        remove_indented(parents[group], group)
        return _rebuilt(config, root)
    drop = list(dict.fromkeys(as_list(values, f"choice of {name!r}")))
    elements = {e.get("value"): e for e in group.iter("Choice")}
    unknown = [v for v in drop if v not in elements]
    if unknown:
        raise ConfigError(f"choices {name!r} has no {', '.join(map(repr, unknown))} "
                          f"(it has: {', '.join(v for v in elements if v) or 'nothing'})")
    for value in drop:
        element = elements[value]
        remove_indented(parents[element], element)
    return _rebuilt(config, root, group)


def add_relation(config: LabelingConfig, value: str, allowed: str | Iterable[str] = "", *,
                 model: str | None = None, require_labels: bool = True) -> LabelingConfig:
    """A new config with relation ``value`` that may link the ``allowed`` label pairs.

    ``allowed`` is ``"PERSON>ORG,DRUG<>DOSE"`` or a list of such rules; "" lets it link any two
    spans. A ``<Relations>`` control is created when the config has none. The value must be new
    (remove it first to change its rules); labels named in the rules must be in the config
    (``require_labels=False`` keeps such rules: validation then warns until the labels come).
    ``model`` names the relation resource that predicts it (``<Relation model=...>``).
    """
    check_value(value, "relation")
    if model is not None:
        check_value(model, f"resource of relation {value!r}")
    rule = allowed if isinstance(allowed, str) else ",".join(allowed)
    pairs, invalid = RelationDef.parse_allowed(rule)
    if invalid:
        raise ConfigError(f"relation {value!r} has rules that are not 'A>B' or 'A<>B': {', '.join(invalid)}")
    unknown = [x for p in pairs for x in (p.source, p.target) if x not in config.label_values]
    if unknown and require_labels:
        raise ConfigError(f"relation {value!r} names labels the config does not have: "
                          f"{', '.join(map(repr, dict.fromkeys(unknown)))} "
                          f"(labels: {', '.join(config.label_values) or 'none'})")
    if value in {r.value for r in config.relations}:
        raise ConfigError(f"relation {value!r} is already in the config; remove it first to change it")
    root = copy.deepcopy(config._root)
    groups = [e for e in root.iter("Relations")]
    if groups:
        group = groups[0]
    else:
        group = ET.Element("Relations")
        insert_indented(root, group)
        # Label Studio lists <Relations> first; move it there, keeping the indentation
        root.remove(group)
        root.insert(0, group)
        group.tail, root.text = root.text, root.text
    attrs = {"value": value} | ({"allowed": ",".join(str(p) for p in pairs)} if pairs else {})
    if model is not None and group.get("model") != model:  # the group's model= already names it
        attrs["model"] = model
    insert_indented(group, ET.Element("Relation", attrs))
    return _rebuilt(config, root, group)


def remove_relation(config: LabelingConfig, value: str) -> LabelingConfig:
    """A new config without relation ``value`` (an emptied ``<Relations>`` goes too)."""
    root = copy.deepcopy(config._root)
    parents = {child: parent for parent in root.iter() for child in parent}
    found = [e for e in root.iter("Relation") if e.get("value") == value]
    if not found:
        have = ", ".join(r.value for r in config.relations) or "none"
        raise ConfigError(f"no relation {value!r} in the config (relations: {have})")
    for element in found:
        group = parents[element]
        remove_indented(group, element)
        if not len(group):
            remove_indented(parents[group], group)
    return _rebuilt(config, root)


def merge_controls(config: LabelingConfig, other: LabelingConfig) -> LabelingConfig:
    """A new config with the ``<Choices>`` and ``<Relation>`` definitions of ``other`` added.

    Each keeps the resource its ``model=`` names, so the server deploys it. Choices join the
    control of the same name; a relation already in ``config`` for the same resource is
    skipped. Relation rules may name labels ``config`` lacks (validation warns). Labels are
    not merged: add them with ``config.add_labels``.
    """
    for control in other.choices:
        if control.name is None:  # a Choices control without a name cannot be joined
            continue
        config = add_choices(config, control.name, control.choices, choice=control.choice or "single",
                             per_region=control.per_region, model=control.model)
    have = _relation_models(config)
    for control in other.controls:
        if control.kind != "relations":
            continue
        for relation in control.relations:
            model = relation.model or control.model
            if relation.value in have and have[relation.value] == model:
                continue
            config = add_relation(config, relation.value, [str(p) for p in relation.allowed],
                                  model=model, require_labels=False)
    return config


def _relation_models(config: LabelingConfig) -> dict[str, str | None]:
    """Relation value -> the resource predicting it (its own model= or its control's)."""
    return {r.value: r.model or c.model for c in config.controls if c.kind == "relations"
            for r in c.relations}
