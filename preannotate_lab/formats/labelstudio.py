"""Label Studio and Generative AI Lab task JSON: parse a task list, and write one.

Import accepts both shapes: Label Studio (``annotations``, ``completed_by``, ``ground_truth``,
``model_version``, per-item ``score``) and the Generative AI Lab export (``completions``,
``created_username``, ``created_ago`` timestamps, ``honeypot`` ground truth, predictions
named by ``created_username``, string confidences in ``value.confidence``). Export writes
either flavor; confidences and scores always leave as numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..model import (
    DOCUMENT_KEYS,
    Completion,
    Prediction,
    Span,
    Task,
    document_path,
    result_to_dict,
    utcnow,
)
from .ls_results import ResultProblem, parse_results, results_to_ls, to_float
from .parsed import SOURCE_ID_KEY, ParsedTask, TaskProblem, iso, parse_time

FLAVORS = ("labelstudio", "genailab")


def _user(value: Any) -> str | None:
    """Label Studio's ``completed_by`` is an id, an object or a name; keep something readable."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        for key in ("email", "username", "id"):
            if value.get(key) not in (None, ""):
                return str(value[key])
        return None
    return str(value).strip() or None


def _kind(data: Mapping[str, Any]) -> str:
    if isinstance(data.get("text"), str):
        return "text"
    if document_path(data) is not None:
        return "document"
    raise TaskProblem(
        f"has no text: its data needs a 'text' string (or a file path under one of {list(DOCUMENT_KEYS)})"
    )


def parse_task(
    obj: Any,
    *,
    position: str,
    source: str,
    assertion_labels: Iterable[str] = (),
    known_labels: Mapping[str, set[str]] | None = None,
) -> ParsedTask:
    """One task object -> ParsedTask; raises TaskProblem (message without the position)."""
    if not isinstance(obj, dict):
        raise TaskProblem(f"is a {type(obj).__name__}, expected an object with 'data'")
    data = obj.get("data")
    if not isinstance(data, dict):
        raise TaskProblem("has no 'data' object")
    data = dict(data)
    kind = _kind(data)
    if kind == "document" and not isinstance(data.get("document"), str) and isinstance(data.get("pdf"), str):
        data["document"] = data["pdf"]
    if obj.get("id") is not None and SOURCE_ID_KEY not in data:
        data[SOURCE_ID_KEY] = str(obj["id"])
    text = data.get("text") if kind == "text" else None
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    title = next((t for t in (data.get("title"), meta.get("title")) if isinstance(t, str) and t), None)
    task = Task(data=data, kind=kind, title=title,  # type: ignore[arg-type]
                created_at=parse_time(obj.get("created_at"), "created_at") or utcnow())
    parsed = ParsedTask(task=task, position=position)
    labels = list(assertion_labels)
    for i, p in enumerate(obj.get("predictions") or []):
        parsed.predictions.append(_prediction(p, i, text, labels, source, parsed))
    key = "completions" if "completions" in obj else "annotations"
    ground_truth_seen = False
    for i, c in enumerate(obj.get(key) or []):
        completion, parent = _completion(c, i, key, text, labels, parsed)
        if completion.ground_truth:
            if ground_truth_seen:
                parsed.warnings.append(
                    f"{key[:-1]} #{i} is also marked ground truth; a task keeps one, the first"
                )
                completion.ground_truth = False
            ground_truth_seen = True
        if known_labels is not None:
            _check_labels(completion, i, key, known_labels)
        parsed.completions.append(completion)
        parsed.completion_parents.append(parent)
    return parsed


def _results(items: Any, where: str, text: str | None, labels: list[str], parsed: ParsedTask):
    try:
        results, warnings = parse_results(items, text=text, assertion_labels=labels, where=where)
    except ResultProblem as exc:
        raise TaskProblem(str(exc)) from None
    parsed.warnings.extend(warnings)
    try:  # NaN or Infinity (e.g. "x": "nan") would make stored and exported JSON invalid
        json.dumps([result_to_dict(r) for r in results], allow_nan=False)
    except ValueError:
        raise TaskProblem(f"{where} has a number that is NaN or infinite; fix it in the file") from None
    if text is not None:
        parsed.warnings.extend(_text_mismatches(results, text, where))
    return results


def _text_mismatches(results: Iterable[Any], text: str, where: str) -> Iterator[str]:
    """Warnings for spans whose stored text is not the task text at their offsets.

    The offsets are what every export and the labeling view use, so a mismatch usually means
    the offsets were computed on another version of the text. The span is passed on as it is
    (whether such a span can be stored is the store's decision).
    """
    for r in results:
        if isinstance(r, Span) and r.text and text[r.start:r.end] != r.text:
            yield (f"{where}: span {r.id or ''} [{r.start}, {r.end}) {r.label!r} says "
                   f"{r.text[:40]!r} but the text there is {text[r.start:r.end][:40]!r}; "
                   "were the offsets computed on another version of the text?")


def _prediction(p: Any, i: int, text, labels, source: str, parsed: ParsedTask) -> Prediction:
    where = f"prediction #{i}"
    if not isinstance(p, dict):
        raise TaskProblem(f"{where} is a {type(p).__name__}, expected an object")
    results = _results(p.get("result"), where, text, labels, parsed)
    try:
        score = to_float(p.get("score"), f"score of {where}")
    except ResultProblem as exc:
        raise TaskProblem(str(exc)) from None
    provenance: dict[str, Any] = {"imported_from": source}
    if p.get("id") is not None:
        provenance["source_id"] = str(p["id"])
    if p.get("created_username"):
        provenance["created_username"] = str(p["created_username"])
    parsed.prediction_source_ids.append(provenance.get("source_id"))
    return Prediction(
        task_id=0, results=tuple(results),
        model_version=str(p.get("model_version") or p.get("created_username") or "imported"),
        provenance=provenance, score=score,
        created_at=(parse_time(p.get("created_at"), f"{where} created_at")
                    or parse_time(p.get("created_ago"), f"{where} created_ago") or utcnow()),
    )


def _completion(c: Any, i: int, key: str, text, labels, parsed: ParsedTask) -> tuple[Completion, str | None]:
    where = f"{key[:-1]} #{i}"
    if not isinstance(c, dict):
        raise TaskProblem(f"{where} is a {type(c).__name__}, expected an object")
    results = _results(c.get("result"), where, text, labels, parsed)
    parent = c.get("parent_prediction")
    copied = c.get("copied_from")
    if parent is None and isinstance(copied, str) and copied.startswith("prediction:"):
        parent = copied.split(":", 1)[1].strip()
    completion = Completion(
        task_id=0, results=list(results),
        created_by=_user(c.get("created_username")) or _user(c.get("completed_by")) or "imported",
        created_at=(parse_time(c.get("created_at"), f"{where} created_at")
                    or parse_time(c.get("created_ago"), f"{where} created_ago") or utcnow()),
        updated_by=_user(c.get("updated_by")),
        updated_at=parse_time(c.get("updated_at"), f"{where} updated_at"),
        ground_truth=bool(c.get("ground_truth") or c.get("honeypot")),
    )
    return completion, None if parent is None else str(parent)


def _check_labels(completion: Completion, i: int, key: str, known: Mapping[str, set[str]]) -> None:
    from ..model import Choice, Relation, Span

    for r in completion.results:
        if isinstance(r, Span):
            kind, used = "span", (r.label,) + ((r.assertion,) if r.assertion else ())
        elif isinstance(r, Choice):
            kind, used = "choice", r.labels
        elif isinstance(r, Relation) and r.label:
            kind, used = "relation", (r.label,)
        else:
            continue
        allowed = known.get(kind, set())
        for label in used:
            if label not in allowed:
                shown = ", ".join(sorted(allowed)) or "none"
                raise TaskProblem(
                    f"{key[:-1]} #{i} uses {kind} label {label!r}, which the project config does not "
                    f"have (its {kind} labels: {shown}); add it to the config or fix the file"
                )


def load_tasks_json(text: str, name: str) -> list[Any]:
    """The task list of a JSON file (a list, or one task object); FormatError-free: raises ValueError."""
    value = json.loads(text)
    if isinstance(value, dict):
        if "data" in value:
            return [value]
        if isinstance(value.get("tasks"), list):
            return value["tasks"]
        raise ValueError(f"{name} holds a JSON object without 'data'; expected a list of tasks")
    if not isinstance(value, list):
        raise ValueError(f"{name} holds a JSON {type(value).__name__}; expected a list of tasks")
    return value


# -- export ---------------------------------------------------------------------------------

def task_to_ls(
    task: Task,
    predictions: Iterable[Prediction],
    completions: Iterable[Completion],
    *,
    flavor: str = "labelstudio",
    to_name: str = "text",
    image_to_name: str = "image",
    assertion_labels: Iterable[str] | None = None,
    prediction_source_ids: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """One exported task: ``id`` (the source id when imported), ``data``, predictions, completions."""
    if flavor not in FLAVORS:
        raise ValueError(f"flavor must be one of {FLAVORS}, not {flavor!r}")
    data = {k: v for k, v in task.data.items() if k != SOURCE_ID_KEY}
    source_id = task.data.get(SOURCE_ID_KEY)
    out: dict[str, Any] = {"id": _id(source_id) if source_id is not None else task.id, "data": data}
    if task.title and "title" not in data:
        out["meta"] = {"title": task.title}
    out["created_at"] = iso(task.created_at)
    labels = None if assertion_labels is None else list(assertion_labels)

    def result(rs):
        return results_to_ls(list(rs), to_name=to_name, image_to_name=image_to_name,
                             flavor=flavor, assertion_labels=labels)

    source_ids = dict(prediction_source_ids or {})
    preds = []
    for p in predictions:
        pid = p.provenance.get("source_id", p.id)
        source_ids.setdefault(p.id, pid)  # type: ignore[arg-type]
        item: dict[str, Any] = {
            "id": _id(pid), "model_version": p.model_version, "score": p.score,
            "created_at": iso(p.created_at), "result": result(p.results),
        }
        if flavor == "genailab":
            item["created_username"] = p.provenance.get("created_username", p.model_version)
            item["created_ago"] = iso(p.created_at)
        preds.append(_without_none(item))
    out["predictions"] = preds
    comps = []
    for c in completions:
        item = {"id": c.id, "result": result(c.results), "ground_truth": c.ground_truth,
                "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
                "updated_by": c.updated_by}
        parent = source_ids.get(c.copied_from) if c.copied_from is not None else None
        if flavor == "genailab":
            item.update(created_username=c.created_by, created_ago=iso(c.created_at),
                        honeypot=c.ground_truth)
            if parent is not None:
                item["copied_from"] = f"prediction: {parent}"
        else:
            item["completed_by"] = c.created_by
            if parent is not None:
                item["parent_prediction"] = _id(parent)
        comps.append(_without_none(item))
    out["completions" if flavor == "genailab" else "annotations"] = comps
    return out


def _without_none(item: dict[str, Any]) -> dict[str, Any]:
    # Label Studio rejects a null score; an absent key means "unknown" everywhere
    return {k: v for k, v in item.items() if v is not None}


def _id(value: Any) -> Any:
    """Ids go out as numbers when they are numeric strings (as they came in)."""
    if isinstance(value, str) and value.isdigit() and str(int(value)) == value:
        return int(value)
    return value
