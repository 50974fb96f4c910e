"""A labeling config from hub resources of any kind (``hub.config_for``; the CLI's --labels-from).

* an NER resource gives ``<Label model=...>`` for its labels;
* an assertion resource gives ``assertion="true"`` labels (its statuses);
* a classification resource gives a ``<Choices name=RESOURCE model=RESOURCE>`` control;
* a relation resource gives ``<Relation value=... allowed=...>`` from its rules, under
  ``model=RESOURCE`` (a rule without a relation label is named after the resource).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..labeling import LabelingConfig
from .base import ResourceError

# names a <Choices> control must not take: the config's own labels control and text object
_RESERVED = {"label", "text", "image"}


def config_for(hub: Any, names: Iterable[str], labels: Iterable[str] | None = None) -> LabelingConfig:
    """A config predicting with every resource in ``names``; ``labels`` keeps only those values.

    Raises ResourceError naming a resource that is unknown or keeps no value after ``labels``,
    and a value of ``labels`` that none of the resources predicts (never dropped silently).
    """
    wanted = set(labels) if labels is not None else None
    ner: dict[str, list[str]] = {}
    assertion: dict[str, list[str]] = {}
    choices: dict[str, list[str]] = {}
    choice_models: dict[str, str] = {}
    relations: dict[str, str] = {}
    relation_models: dict[str, str] = {}
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not names:
        raise ResourceError("give at least one resource name (see hub.names())")
    predicted: dict[str, tuple[str, ...]] = {}
    for name in names:
        info = hub.info(name)
        predicted[name] = tuple(info.labels)
        if info.kind == "relation":
            found = {v: a for v, a in _relation_rules(hub, name).items()
                     if wanted is None or v in wanted}
            relations.update(found)
            relation_models.update(dict.fromkeys(found, name))
            values = list(found)
        else:
            values = [v for v in info.labels if wanted is None or v in wanted]
            if info.kind == "classification":
                control = name if name not in _RESERVED else f"{name}_choices"
                choices[control], choice_models[control] = values, name
            else:
                (assertion if info.kind == "assertion" else ner)[name] = values
        if not values:
            asked = f" of those asked for ({', '.join(sorted(wanted))})" if wanted is not None else ""
            raise ResourceError(f"resource {name!r} ({info.kind}) predicts none of the labels{asked}; "
                                f"it has: {', '.join(info.labels) or 'no fixed labels'}")
    if wanted is not None:
        _refuse_unpredicted(wanted, predicted, relations)
    return LabelingConfig.from_labels(
        ner, assertion=assertion or None, choices=choices or None, choice_models=choice_models or None,
        relations=relations or None, relation_model=_one_or_each(relation_models),
    )


def _one_or_each(models: dict[str, str]) -> str | dict[str, str] | None:
    """One resource for every relation: model= on <Relations>; else model= on each <Relation>."""
    distinct = set(models.values())
    return distinct.pop() if len(distinct) == 1 else (models or None)


def _relation_rules(hub: Any, name: str) -> dict[str, str]:
    """Relation value -> allowed pairs ("A>B,C<>D") of a relation resource's rules."""
    resource = hub.load(name)  # rule-based relation resources are cheap to build
    rules = getattr(resource, "rules", None)
    if not rules:
        return {label: "" for label in resource.labels}
    out: dict[str, list[str]] = {}
    for rule in rules:
        pair = f"{rule.source}{'<>' if rule.bidirectional else '>'}{rule.target}"
        out.setdefault(rule.label or name, []).append(pair)
    return {value: ",".join(dict.fromkeys(pairs)) for value, pairs in out.items()}


def _refuse_unpredicted(wanted: set[str], predicted: dict[str, tuple[str, ...]],
                        relations: dict[str, str]) -> None:
    """Every asked-for label must come from one of the resources, else say what they predict."""
    found = {v for values in predicted.values() for v in values} | set(relations)
    missing = sorted(wanted - found)
    if missing:
        has = "; ".join(f"{name} predicts {', '.join(values) or 'no fixed labels'}"
                        for name, values in predicted.items())
        noun = "label" if len(missing) == 1 else "labels"
        raise ResourceError(
            f"no resource asked for predicts the {noun} {', '.join(map(repr, missing))}: {has}. "
            "Drop it from the labels, add a resource that predicts it, or add it as a manual "
            "label (no model=) with --xml or the config builder"
        )
