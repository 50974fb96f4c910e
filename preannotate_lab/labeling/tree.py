"""Element-tree helpers that reading, building and editing a config share.

Reading: which tags are objects and controls, and the :class:`~.types.Control` an element
stands for. Editing: checking values given by a user, and inserting or removing an element
while keeping the indentation of its siblings (so a user's layout survives an edit).
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree as ET

from .types import ConfigError, Control, LabelDef, RelationDef

__all__ = [
    "CHOICE_MODES", "IMAGE_TAGS", "OBJECT_TAGS", "as_list", "check_value", "insert_indented",
    "is_labels_tag", "read_control", "remove_indented",
]

# Tags that show task data (they have name= and usually value="$field").
OBJECT_TAGS = frozenset({
    "Text", "HyperText", "Image", "Paragraphs", "Audio", "AudioPlus", "Video", "Table",
    "TimeSeries", "PDF", "List",
})
IMAGE_TAGS = frozenset({"Image"})

CHOICE_MODES = ("single", "single-radio", "multiple")


# -- reading --------------------------------------------------------------------------------------
def is_labels_tag(element: ET.Element) -> bool:
    """Whether ``element`` is a labels control (``<Labels>``, ``<RectangleLabels>``, ...)."""
    # a Labels tag missing toName still counts, so validation can report the missing toName
    return (isinstance(element.tag, str) and element.tag.endswith("Labels")
            and ("toName" in element.attrib or "name" in element.attrib))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes"}


def read_control(element: ET.Element) -> Control | None:
    """The control ``element`` is, or None for objects, layout and anything else."""
    if not isinstance(element.tag, str):
        return None
    attrs = dict(element.attrib)
    name = attrs.get("name")
    to_name = tuple(t.strip() for t in attrs.get("toName", "").split(",") if t.strip())
    if is_labels_tag(element):
        labels = tuple(
            LabelDef(
                value=child.get("value", ""), control=name or "", model=child.get("model") or None,
                background=child.get("background"), hotkey=child.get("hotkey"),
                assertion=_truthy(child.get("assertion")), tag=element.tag,
            )
            for child in element.iter("Label")
        )
        return Control(element.tag, "labels", name, to_name, labels=labels, attrs=attrs)
    if element.tag in ("Choices", "Taxonomy"):
        choices = tuple(c.get("value", "") for c in element.iter("Choice"))
        choice = attrs.get("choice", "single")
        return Control(element.tag, "choices", name, to_name, choices=choices,
                       choice=choice, per_region=_truthy(attrs.get("perRegion")), attrs=attrs,
                       model=attrs.get("model") or None)
    if element.tag == "Relations":
        relations = []
        for child in element.iter("Relation"):
            pairs, invalid = RelationDef.parse_allowed(child.get("allowed", ""))
            relations.append(RelationDef(child.get("value", ""), pairs, child.get("background"),
                                         invalid, child.get("model") or None))
        return Control("Relations", "relations", name, to_name, relations=tuple(relations),
                       attrs=attrs, model=attrs.get("model") or None)
    if to_name and element.tag not in OBJECT_TAGS:
        return Control(element.tag, "other", name, to_name, attrs=attrs)
    return None


# -- editing --------------------------------------------------------------------------------------
def check_value(value: object, what: str) -> str:
    """``value`` if it is a non-empty string without surrounding spaces; else ConfigError."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} {value!r} is not a label: give a non-empty string")
    if value != value.strip():
        raise ConfigError(f"{what} {value!r} starts or ends with a space; remove it")
    return value


def as_list(values: Iterable[str] | str, what: str) -> list[str]:
    """``values`` checked with :func:`check_value`; a bare string is refused."""
    if isinstance(values, str):  # a bare string would otherwise become one label per letter
        raise ConfigError(f"{what} must be a list of labels, not the string {values!r}")
    return [check_value(v, what) for v in values]


def insert_indented(parent: ET.Element, child: ET.Element) -> None:
    """Append ``child`` with the indentation its siblings use (or one level deeper than parent)."""
    if len(parent):
        last = parent[-1]
        child.tail = last.tail
        last.tail = parent[-2].tail if len(parent) > 1 else parent.text
    else:
        outer = parent.tail if parent.tail and parent.tail.strip() == "" else "\n"
        parent.text = outer + "  "
        child.tail = outer
    parent.append(child)


def remove_indented(parent: ET.Element, child: ET.Element) -> None:
    """Remove ``child``, handing its tail to the previous sibling so the layout stays."""
    children = list(parent)
    index = children.index(child)
    if index == len(children) - 1:
        if index > 0:
            children[index - 1].tail = child.tail
        else:
            parent.text = child.tail
    parent.remove(child)
