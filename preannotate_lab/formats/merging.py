"""Add an imported task's completions to a task already in the project, without doubles.

An imported completion is the same as a stored one when
* both carry the same Label Studio annotation id (then an edit made there since the last
  import updates the stored completion, its old results kept in the history); else
* their results are equal and either the author is the same or the imported one comes from
  Label Studio (which credits its importing user: the author is not comparable).
So importing Label Studio's export of our own export, or the same file twice, adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..model import Completion, result_to_dict, stored_id
from .errors import ImportReport
from .ls_meta import annotation_key
from .parsed import ParsedTask

if TYPE_CHECKING:
    from ..store import Project as ProjectStore


def results_key(results: Iterable[Any]) -> str:
    return json.dumps([result_to_dict(r) for r in results], ensure_ascii=False, sort_keys=True)


def _ls_id(c: Completion) -> Any:
    record = c.meta.get("labelstudio")
    return record.get("id") if isinstance(record, dict) else None


def _same(stored: Completion, new: Completion, new_key: str) -> bool:
    if stored.skipped != new.skipped:
        return False
    if results_key(stored.results) == new_key and stored.created_by == new.created_by:
        return True
    return _ls_id(new) is not None and annotation_key(stored.results) == annotation_key(new.results)


def attach_completions(
    project: ProjectStore, tid: int, t: ParsedTask, mapping: Mapping[str, int], source: str,
    report: ImportReport,
) -> None:
    """Add to task ``tid`` the completions of ``t`` it does not have (see the module doc)."""
    existing = project.completions(tid)
    by_ls_id = {_ls_id(c): c for c in existing if _ls_id(c) is not None}
    has_ground_truth = any(c.ground_truth for c in existing)
    for completion, parent in zip(t.completions, t.completion_parents, strict=True):
        key = results_key(completion.results)
        known = by_ls_id.get(_ls_id(completion)) if _ls_id(completion) is not None else None
        if known is not None:
            if results_key(known.results) != key:
                project.update_completion(
                    stored_id(known), completion.results, by=completion.updated_by or completion.created_by,
                    note=f"updated by {source} (Label Studio annotation {_ls_id(completion)})")
                report.n_completions += 1
            else:
                report.completions_kept += 1
            continue
        if any(_same(c, completion, key) for c in existing):
            report.completions_kept += 1
            continue
        if completion.ground_truth and has_ground_truth:
            # marking it would unmark a person's choice of ground truth
            report.warnings.append(
                f"{source}, {t.position}: task {tid} already has a ground truth completion; "
                "the imported one is added without the mark")
            completion = replace(completion, ground_truth=False)
        stored = project.add_completion(replace(
            completion, task_id=tid, copied_from=mapping.get(parent) if parent else None),
            keep_mismatched_text=True)
        existing.append(stored)
        if _ls_id(stored) is not None:
            by_ls_id[_ls_id(stored)] = stored
        has_ground_truth = has_ground_truth or completion.ground_truth
        report.n_completions += 1
