"""The value types of a labeling config: what reading, building, editing and validating share.

A leaf module: it imports nothing from the rest of :mod:`preannotate_lab.labeling`, so every
other module of the package can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..errors import PreannotateError

# model name -> labels; a ``None`` key holds manual labels (no resource predicts them).
# Both spellings, since Mapping is invariant in its key type
LabelsByModel = Mapping[str, Iterable[str]] | Mapping[str | None, Iterable[str]]

__all__ = [
    "LabelsByModel",
    "KIND_OF_ROLE", "ROLES", "ConfigError", "ConfigProblem", "Control", "ControlKind", "LabelDef",
    "ModelInfo", "ModelInfoSource", "RelationDef", "RelationPair", "ResourceUse", "Role",
]


class ConfigError(PreannotateError, ValueError):
    """A labeling config that cannot be read, built or accepted; the message says what to fix."""


ControlKind = Literal["labels", "choices", "relations", "other"]


@dataclass(frozen=True)
class ModelInfo:
    """What validation needs to know of a model.

    Two models with different ``compat_key`` (the runtime they need) cannot share a server, nor
    can two whose ``language`` differs (None or "xx": language-neutral, e.g. rules). ``labels``:
    what the model predicts; None or empty when it takes its labels from the config.
    """

    name: str
    kind: str = "ner"
    language: str | None = None
    compat_key: str = ""
    labels: tuple[str, ...] | None = None


ModelInfoSource = Mapping[str, ModelInfo] | Callable[[str], ModelInfo]


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config. ``severity`` "warning" problems do not block saving."""

    code: str
    message: str
    labels: tuple[str, ...] = ()
    tasks: tuple[int, ...] = ()
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class LabelDef:
    """One ``<Label>`` of a labels control (NER, assertion or Visual NER)."""

    value: str
    control: str  # name= of the owning control, Label Studio's from_name
    model: str | None = None
    background: str | None = None
    hotkey: str | None = None
    assertion: bool = False
    tag: str = "Labels"  # the owning control's tag, e.g. "RectangleLabels"


@dataclass(frozen=True)
class RelationPair:
    """An allowed (source label, target label) pair; "bi" means either direction."""

    source: str
    target: str
    direction: Literal["right", "bi"] = "right"

    def allows(self, source: str, target: str) -> bool:
        if (source, target) == (self.source, self.target):
            return True
        return self.direction == "bi" and (target, source) == (self.source, self.target)

    def __str__(self) -> str:
        return f"{self.source}{'<>' if self.direction == 'bi' else '>'}{self.target}"


@dataclass(frozen=True)
class RelationDef:
    """A ``<Relation>`` value and the entity pairs it may link (no pairs: any two spans)."""

    value: str
    allowed: tuple[RelationPair, ...] = ()
    background: str | None = None
    invalid: tuple[str, ...] = ()  # parts of allowed= that are not "A>B" or "A<>B"
    model: str | None = None  # the relation resource that predicts it (model= on <Relation>)

    def allows(self, source: str, target: str) -> bool:
        """Whether a relation from a ``source`` span to a ``target`` span is allowed."""
        return not self.allowed or any(p.allows(source, target) for p in self.allowed)

    @staticmethod
    def parse_allowed(text: str) -> tuple[tuple[RelationPair, ...], tuple[str, ...]]:
        """Parse ``"PERSON>ORG, DRUG<>DOSE"`` into pairs, plus the parts that do not parse."""
        pairs: list[RelationPair] = []
        invalid: list[str] = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if "<>" in part:
                direction, (left, found, right) = "bi", part.partition("<>")
            elif ">" in part:
                direction, (left, found, right) = "right", part.partition(">")
            else:
                direction, (left, found, right) = "left", part.partition("<")
            left, right = left.strip(), right.strip()
            if not found or not left or not right or any(c in left + right for c in "<>"):
                invalid.append(part)
            elif direction == "left":  # "A<B" is B>A
                pairs.append(RelationPair(right, left))
            else:
                pairs.append(RelationPair(left, right, direction))  # type: ignore[arg-type]
        return tuple(pairs), tuple(invalid)


@dataclass(frozen=True)
class Control:
    """A control tag: Labels / RectangleLabels / ... , Choices, Relations, or another tool."""

    tag: str
    kind: ControlKind
    name: str | None = None
    to_name: tuple[str, ...] = ()
    labels: tuple[LabelDef, ...] = ()
    choices: tuple[str, ...] = ()
    choice: str | None = None  # Choices: "single" | "multiple"
    per_region: bool = False
    relations: tuple[RelationDef, ...] = ()
    attrs: Mapping[str, str] = field(default_factory=dict, hash=False)  # every attribute as read
    model: str | None = None  # Choices / Relations: the resource that predicts the whole control

    @property
    def values(self) -> tuple[str, ...]:
        if self.kind == "labels":
            return tuple(label.value for label in self.labels)
        if self.kind == "relations":
            return tuple(r.value for r in self.relations)
        return self.choices


# -- resources: which hub resource predicts which part of a config (see .resources) ---------------
Role = Literal["labels", "assertion", "choices", "relations"]
ROLES: tuple[Role, ...] = ("labels", "assertion", "choices", "relations")

# the hub kind a resource must have to serve a role
KIND_OF_ROLE: dict[str, str] = {
    "labels": "ner", "assertion": "assertion", "choices": "classification", "relations": "relation",
}


@dataclass(frozen=True)
class ResourceUse:
    """One resource serving one control of a config, with the values it may predict there.

    For "choices": ``per_region`` (classify each labeled region, not the whole task) and
    ``when_label`` (perRegion only for regions with these labels, Label Studio's
    ``whenLabelValue``). For "relations": ``relations`` holds the config's definitions, so
    the server keeps only allowed label pairs.
    """

    resource: str
    role: Role
    control: str | None
    values: tuple[str, ...]
    per_region: bool = False
    when_label: tuple[str, ...] = ()
    relations: tuple[RelationDef, ...] = ()

    @property
    def kind(self) -> str:
        """The hub kind this use needs ("ner", "assertion", "classification", "relation")."""
        return KIND_OF_ROLE[self.role]
