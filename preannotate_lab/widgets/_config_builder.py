"""ConfigBuilder: build a project's labeling config from the labels of hub resources."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict
from importlib import import_module
from typing import Any

import traitlets

from ..config_gate import check_config
from ..project import ProjectLike, as_project
from ._messages import ChoicesRow, HubResource, LabelRow, Problem, RelationRow
from ._rpc import RpcWidget, css, esm, request
from ._servers import jsonable

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _labeling() -> Any:
    return import_module("preannotate_lab.labeling")


class ConfigBuilder(RpcWidget):
    """Browse the hub (models, rules, prompts) and edit a draft of the project's config.

    The draft (``draft``, a LabelingConfig) changes with every edit; ``xml`` and ``problems``
    follow it live; ``save()`` stores it with ``project.set_config`` (a refusal, e.g. removing
    labels that completions use, is shown on the status line and nothing is stored).
    """

    _esm = esm("config_builder")
    _css = css("config_builder")

    resources = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[HubResource])
    kind_filter = traitlets.Unicode("").tag(sync=True)  # "" | ner | classification | ...
    labels = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[LabelRow])
    choices = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[ChoicesRow])
    relations = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[RelationRow])  # allowed ["A>B", ...]
    xml = traitlets.Unicode("").tag(sync=True)
    problems = traitlets.List(traitlets.Dict()).tag(sync=True, ts=list[Problem])
    dirty = traitlets.Bool(False).tag(sync=True)

    def __init__(self, project: ProjectLike, hub: Any = None) -> None:
        project = as_project(project, who="ConfigBuilder")
        super().__init__()
        self.project = project
        self.hub = hub if hub is not None else import_module("preannotate_lab.resources").hub
        self.draft: Any = project.config
        self._show_draft(dirty=False)
        self.refresh_hub()

    # -- hub ------------------------------------------------------------------------------------
    @traitlets.observe("kind_filter")
    def _filter_changed(self, _change: Any) -> None:
        self.refresh_hub()

    @request("refresh_hub")
    def refresh_hub(self) -> list[dict[str, Any]]:
        """The hub's resources (of ``kind_filter``) with their labels."""
        infos = self.hub.infos(self.kind_filter or None)
        self.resources = [
            jsonable({k: v for k, v in asdict(info).items() if k != "config"}) for info in infos
        ]
        return self.resources

    # -- editing the draft ------------------------------------------------------------------------
    @request("add_labels")
    def add_labels(self, resource: str, labels: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Add a resource's labels (all, or the given ones) to the draft, owned by that resource.

        An NER or assertion resource adds ``<Label model=...>``; a classification resource a
        ``<Choices model=...>`` control; a relation resource its ``<Relation>`` rules with
        ``model=``. Choices and relations come from ``hub.config_for``, so the builder and a
        fresh config name resources the same way (and the server deploys them).
        """
        info = self.hub.info(resource)
        chosen = list(info.labels) if labels is None else [str(v) for v in labels]
        unknown = [v for v in chosen if v not in info.labels]
        if unknown:
            raise ValueError(f"{resource!r} does not predict {unknown}; its labels: {list(info.labels)}")
        if not chosen:
            raise ValueError(f"choose at least one label of {resource!r}")
        if info.kind in ("classification", "relation"):
            fragment = self.hub.config_for([resource], chosen)
            self.draft = fragment if self.draft is None else _labeling().merge_controls(self.draft, fragment)
        elif self.draft is None:
            config = _labeling().LabelingConfig
            assertion = {resource: chosen} if info.kind == "assertion" else None
            self.draft = config.from_labels({} if assertion else {resource: chosen}, assertion=assertion)
        else:
            self.draft = self.draft.add_labels(resource, chosen, assertion=info.kind == "assertion")
        self._show_draft()
        return self.labels

    @request("remove_labels")
    def remove_labels(self, values: Iterable[str]) -> list[dict[str, Any]]:
        if self.draft is None:
            raise ValueError("there is no config yet: add labels first")
        self.draft = self.draft.remove_labels([str(v) for v in values])
        self._show_draft()
        return self.labels

    @request("add_choices")
    def add_choices(self, name: str, values: Iterable[str], choice: str = "single",
                    per_region: bool = False, model: str | None = None) -> list[dict[str, Any]]:
        """Add classification choices to control ``name`` (created when missing).

        ``model``: the classification resource that predicts the control (``model=``).
        """
        if isinstance(values, str):
            raise ValueError(f"values must be a list of choices, not the string {values!r}")
        values = [str(v) for v in values]
        if model is not None:
            self._require_kind(model, "classification")
        if self.draft is None:
            self.draft = _labeling().LabelingConfig.from_labels(
                {}, choices={name: values}, choice=choice, per_region=bool(per_region),
                choice_models={name: model} if model else None)
        else:
            self.draft = _labeling().add_choices(self.draft, name, values, choice=choice,
                                                    per_region=bool(per_region), model=model)
        self._show_draft()
        return self.choices

    @request("remove_choices")
    def remove_choices(self, name: str, values: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Remove choices of control ``name`` (None: the whole control)."""
        self._require_draft()
        self.draft = _labeling().remove_choices(
            self.draft, name, None if values is None else [str(v) for v in values])
        self._show_draft()
        return self.choices

    @request("add_relation")
    def add_relation(self, value: str, allowed: str | Iterable[str] = "",
                     model: str | None = None) -> list[dict[str, Any]]:
        """Add a relation definition; ``allowed`` like ``"PERSON>ORG, DRUG<>DOSE"`` ("" = any).

        ``model``: the relation resource that predicts it (``<Relation model=...>``).
        """
        self._require_draft()
        if model is not None:
            self._require_kind(model, "relation")
        self.draft = _labeling().add_relation(self.draft, value, allowed, model=model)
        self._show_draft()
        return self.relations

    @request("remove_relation")
    def remove_relation(self, value: str) -> list[dict[str, Any]]:
        self._require_draft()
        self.draft = _labeling().remove_relation(self.draft, value)
        self._show_draft()
        return self.relations

    def _require_draft(self) -> None:
        if self.draft is None:
            raise ValueError("there is no config yet: add labels first")

    def _require_kind(self, resource: str, kind: str) -> None:
        found = self.hub.info(resource).kind
        if found != kind:
            raise ValueError(f"{resource!r} is a {found} resource; this needs a {kind} resource")

    @request("set_label")
    def set_label(self, value: str, background: str | None = None,
                  hotkey: str | None = None) -> dict[str, Any]:
        """Change a label's colour (``#rrggbb``) and/or hotkey (one character; "" removes it)."""
        if self.draft is None:
            raise ValueError("there is no config yet: add labels first")
        if background is not None and not _COLOR.match(background):
            raise ValueError(f"colour {background!r} of label {value!r} must look like #1f77b4")
        if hotkey is not None and len(hotkey) > 1:
            raise ValueError(f"hotkey {hotkey!r} of label {value!r} must be one character or empty")
        if hotkey:
            taken = [d.value for d in self.draft.labels if d.hotkey == hotkey and d.value != value]
            if taken:
                raise ValueError(f"hotkey {hotkey!r} is already used by {taken[0]!r}")
        self.draft = _edit_label(self.draft, value, background, hotkey)
        self._show_draft()
        return next(row for row in self.labels if row["value"] == value)

    @request("set_xml")
    def set_xml(self, xml: str) -> list[dict[str, Any]]:
        """Replace the draft by hand-written XML (parsed safely; a bad XML leaves the draft)."""
        self.draft = _labeling().LabelingConfig.from_xml(xml, source="the edited XML")
        self._show_draft()
        return self.labels

    @request("reset")
    def reset(self) -> list[dict[str, Any]]:
        """Drop the draft's edits: back to the project's stored config."""
        self.draft = self.project.config
        self._show_draft(dirty=False)
        return self.labels

    @request("save")
    def save(self, force: bool = False) -> dict[str, Any]:
        """Store the draft in the project; refused while it has errors (shown as ``problems``)."""
        if self.draft is None:
            raise ValueError("there is no config to save: add labels first")
        self._validate()
        errors = [p for p in self.problems if p["severity"] == "error"]
        if errors:
            text = "Not saved: " + "; ".join(p["message"] for p in errors)
            self.notify(text, "error")
            raise ValueError(text)
        try:
            self.project.set_config(self.draft, force=bool(force))
        except Exception as exc:
            self.notify(f"Not saved: {exc}", "error")
            raise
        self.dirty = False
        self.notify(f"saved config {self.project.config_hash}")
        return {"config_hash": self.project.config_hash, "labels": len(self.labels)}

    @request("validate")
    def validate(self) -> list[dict[str, Any]]:
        self._validate()
        return self.problems

    # -- internals ------------------------------------------------------------------------------
    def _show_draft(self, dirty: bool = True) -> None:
        draft = self.draft
        self.xml = draft.to_xml() if draft is not None else ""
        self.labels = [] if draft is None else [
            {"value": d.value, "model": d.model, "background": d.background, "hotkey": d.hotkey,
             "assertion": d.assertion, "control": d.control, "tag": d.tag}
            for d in draft.labels
        ]
        self.choices = [] if draft is None else [
            {"name": c.name, "values": list(c.choices), "choice": c.choice, "per_region": c.per_region}
            | _predicted_by(c.model)
            for c in draft.choices
        ]
        self.relations = [] if draft is None else [
            {"value": r.value, "allowed": [str(p) for p in r.allowed]} | _predicted_by(model)
            for r, model in _relation_rows(draft)
        ]
        self.dirty = dirty
        self._validate()

    def _validate(self) -> None:
        if self.draft is None:
            self.problems = []
            return
        try:
            used = self.project.completion_labels()
            # the one config gate: the live hub and pl.servers.max_models_per_server
            problems = check_config(self.draft, hub=self.hub, used_labels=used)
        except Exception as exc:  # validation itself failed: show it as a problem, never lose it
            self.problems = [{"code": "validation_failed", "message": str(exc), "severity": "error",
                              "labels": [], "tasks": []}]
            return
        self.problems = [jsonable(asdict(p)) for p in problems]


def _predicted_by(model: str | None) -> dict[str, str]:
    """``{"model": name}`` for a row a resource predicts; hand-made rows have no model key."""
    return {"model": model} if model else {}


def _relation_rows(config: Any) -> list[tuple[Any, str | None]]:
    """Each relation definition with the resource predicting it (its model= or its control's)."""
    return [(r, r.model or c.model) for c in config.controls if c.kind == "relations" for r in c.relations]


def _edit_label(config: Any, value: str, background: str | None, hotkey: str | None) -> Any:
    """A new config with one <Label>'s background / hotkey changed (the config is immutable)."""
    from xml.etree import ElementTree as ET

    from defusedxml import ElementTree as SafeET

    root = SafeET.fromstring(config.to_xml())
    found = [el for el in root.iter("Label") if el.get("value") == value]
    if not found:
        raise ValueError(f"no label {value!r} in the config; labels: {config.label_values}")
    for element in found:
        if background is not None:
            element.set("background", background)
        if hotkey is not None:
            if hotkey:
                element.set("hotkey", hotkey)
            else:
                element.attrib.pop("hotkey", None)
    xml = ET.tostring(root, encoding="unicode")
    return _labeling().LabelingConfig.from_xml(xml)
