"""What a round trip through Label Studio keeps, and how an import reads it back.

Label Studio assigns its own task and annotation ids on import, credits the importing user
with every annotation and drops fields it does not know; it keeps a task's ``data`` and
``meta``. So our export writes, in ``meta["preannotate"]``, the task's id in the project
(and its source id) and each completion's author, keyed by a digest of its results; an
import of Label Studio's export reads them back to find the original task and author.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import Completion, result_to_dict

MARKER = "preannotate"
# in the marker: the data keys our export set for Label Studio (page image URLs) and the
# values they had in the task (None: absent), so an import restores the task's own data
REPLACED_DATA = "replaced_data"
# keys only Label Studio's own exports write on a task: such a task's id is Label Studio's,
# not one a person gave it, so an import that finds no task by it falls back to content
LS_EXPORT_KEYS = frozenset({
    "inner_id", "total_annotations", "cancelled_annotations", "total_predictions", "drafts",
    "file_upload", "annotation_id", "annotator", "project", "updated_by", "comment_count",
})


# what Label Studio drops or fills in: confidences, region ids (JSON_MIN), control names
_NOT_SAID = ("confidence", "id", "from_name")


def annotation_key(results: Iterable[Any]) -> str:
    """Results as canonical JSON without confidences and ids: what a person's annotation
    says (see _NOT_SAID)."""
    dicts = sorted(json.dumps({k: v for k, v in result_to_dict(r).items() if k not in _NOT_SAID},
                              sort_keys=True) for r in results)
    return json.dumps(dicts, ensure_ascii=False)


def results_digest(results: Iterable[Any]) -> str:
    """A short digest of :func:`annotation_key` (how an author is found again)."""
    return hashlib.sha256(annotation_key(results).encode("utf-8")).hexdigest()[:16]


def author_key(results: Iterable[Any], *, skipped: bool = False) -> str:
    """The key of a completion's author in ``meta["preannotate"]["authors"]``: its results'
    digest, prefixed for a skip (a skip's author is kept too, apart from annotations)."""
    return ("skip:" if skipped else "") + results_digest(results)


def task_meta(task_id: int | None, source_id: Any, completions: Iterable[Completion]) -> dict[str, Any]:
    """``meta["preannotate"]`` of an exported task."""
    record: dict[str, Any] = {"task_id": task_id}
    if source_id is not None:
        record["source_id"] = str(source_id)
    by_digest: dict[str, list[str]] = {}
    for c in completions:
        by_digest.setdefault(author_key(c.results, skipped=c.skipped), []).append(c.created_by)
    if by_digest:
        # one author per digest as a string; several completions with the same results (two
        # people who agree, or two empty ones) as the list of their authors, in order
        record["authors"] = {d: names[0] if len(names) == 1 else names for d, names in by_digest.items()}
    return record


def marker_of(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The task's ``meta["preannotate"]`` written by our export, if any."""
    meta = obj.get("meta")
    found = meta.get(MARKER) if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else None


def restore_data(data: dict[str, Any], marker: Mapping[str, Any] | None) -> dict[str, Any]:
    """The task's data as it was before our export set its page image URLs (in place).

    Without this a Visual NER task back from Label Studio would hold URLs where its local
    file was: another content key (so a double) and a document that OCR cannot read.
    """
    replaced = marker.get(REPLACED_DATA) if marker else None
    if isinstance(replaced, dict):
        for key, value in replaced.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
    return data


def from_label_studio(obj: Mapping[str, Any]) -> bool:
    """The task object comes from a Label Studio export (its ``id`` is Label Studio's)."""
    return bool(LS_EXPORT_KEYS & obj.keys()) or marker_of(obj) is not None


def annotation_record(c: Mapping[str, Any]) -> dict[str, Any]:
    """What Label Studio says about one annotation that no column of ours holds."""
    keys = ("id", "lead_time", "completed_by", "ground_truth", "parent_prediction",
            "parent_annotation", "was_cancelled", "created_at", "updated_at")
    return {k: c[k] for k in keys if c.get(k) not in (None, "")}


def author_from(marker: Mapping[str, Any] | None, digest: str, nth: int = 0) -> str | None:
    """The author of the ``nth`` completion (0-based) of a task with results of ``digest``."""
    authors = marker.get("authors") if marker else None
    found = authors.get(digest) if isinstance(authors, dict) else None
    if isinstance(found, list):
        found = found[nth] if nth < len(found) else None
    return str(found) if found else None
