"""Label Studio and Generative AI Lab task JSON: parse a task list, and write one.

Import accepts both shapes: Label Studio (``annotations``, ``completed_by``, ``ground_truth``,
``model_version``, per-item ``score``) and the Generative AI Lab export (``completions``,
``created_username``, ``created_ago`` timestamps, ``honeypot`` ground truth, predictions
named by ``created_username``, string confidences in ``value.confidence``). Export writes
either flavor; confidences and scores always leave as numbers.
"""

from __future__ import annotations

import json
from collections import Counter
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
from .ls_meta import (
    annotation_record,
    author_from,
    author_key,
    from_label_studio,
    marker_of,
    restore_data,
)
from .ls_min import from_json_min
from .ls_results import ResultProblem, parse_results, to_float
from .parsed import SOURCE_ID_KEY, ParsedTask, TaskProblem, parse_time


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
    if "data" not in obj:
        obj = from_json_min(obj)  # Label Studio's JSON_MIN export: task fields at the top
    data = obj.get("data")
    if not isinstance(data, dict):
        raise TaskProblem("has no 'data' object")
    marker = marker_of(obj)
    data = restore_data(dict(data), marker)  # a Visual NER task of ours: its file, not its URLs
    kind = _kind(data)
    if kind == "document" and not isinstance(data.get("document"), str) and isinstance(data.get("pdf"), str):
        data["document"] = data["pdf"]
    if marker is not None:  # our export, back from Label Studio: the id it had with us
        if marker.get("source_id") is not None and SOURCE_ID_KEY not in data:
            data[SOURCE_ID_KEY] = str(marker["source_id"])
    elif obj.get("id") is not None and SOURCE_ID_KEY not in data:
        data[SOURCE_ID_KEY] = str(obj["id"])
    text = data.get("text") if kind == "text" else None
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    title = next((t for t in (data.get("title"), meta.get("title")) if isinstance(t, str) and t), None)
    task = Task(data=data, kind=kind, title=title,  # type: ignore[arg-type]
                created_at=parse_time(obj.get("created_at"), "created_at") or utcnow())
    parsed = ParsedTask(task=task, position=position,
                        match_content=from_label_studio(obj) and SOURCE_ID_KEY in data)
    labels = list(assertion_labels)
    # Label Studio's default export writes predictions as their ids only: nothing to import,
    # but the ids are kept with the annotations as a reference to its predictions
    prediction_ids = [p for p in obj.get("predictions") or [] if isinstance(p, int)]
    for i, p in enumerate(obj.get("predictions") or []):
        if not isinstance(p, int):
            parsed.predictions.append(_prediction(p, i, text, labels, source, parsed))
    key = "completions" if "completions" in obj else "annotations"
    ground_truth_seen = False
    digests: Counter[str] = Counter()  # completions per results digest: which author is whose
    for i, c in enumerate(obj.get(key) or []):
        completion, parent = _completion(c, i, key, text, labels, parsed, marker, prediction_ids, digests)
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


def _completion(c: Any, i: int, key: str, text, labels, parsed: ParsedTask,
                marker: dict[str, Any] | None = None, prediction_ids: list[int] | None = None,
                digests: Counter[str] | None = None) -> tuple[Completion, str | None]:
    where = f"{key[:-1]} #{i}"
    if not isinstance(c, dict):
        raise TaskProblem(f"{where} is a {type(c).__name__}, expected an object")
    results = _results(c.get("result"), where, text, labels, parsed)
    parent = c.get("parent_prediction")
    copied = c.get("copied_from")
    if parent is None and isinstance(copied, str) and copied.startswith("prediction:"):
        parent = copied.split(":", 1)[1].strip()
    meta: dict[str, Any] = {}
    record = annotation_record(c)
    if prediction_ids:
        record["task_predictions"] = prediction_ids
    if record:
        meta["labelstudio"] = record
    if c.get("was_cancelled"):  # the annotator skipped the task: a skip, not an annotation
        meta["skipped"] = True
    digest = author_key(results, skipped=bool(c.get("was_cancelled")))
    nth = 0
    if digests is not None:
        nth = digests[digest]
        digests[digest] += 1
    completion = Completion(
        task_id=0, results=list(results), meta=meta,
        created_by=(author_from(marker, digest, nth) or _user(c.get("created_username"))
                    or _user(c.get("completed_by")) or "imported"),
        created_at=(parse_time(c.get("created_at"), f"{where} created_at")
                    or parse_time(c.get("created_ago"), f"{where} created_ago") or utcnow()),
        updated_by=_user(c.get("updated_by")),
        updated_at=parse_time(c.get("updated_at"), f"{where} updated_at"),
        # Label Studio may mark a skip as ground truth; a skip is never anyone's truth
        ground_truth=bool((c.get("ground_truth") or c.get("honeypot")) and not c.get("was_cancelled")),
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
