"""TaskGrid: the project's tasks, paged in the kernel (only the visible rows cross the comm)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any, cast

import traitlets

from ..project import ProjectLike, as_project
from ..review import REVIEW_FLAGS
from ._messages import GridPage, GridQuery, GridRow
from ._rpc import RpcWidget, css, esm, request

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
MAX_PAGE_SIZE = 500


def task_type(kind: str, source: str | None) -> str:
    """What the grid shows in its type column: "text", "pdf" or "image"."""
    if kind == "text":
        return "text"
    suffix = PurePath((source or "").split("?")[0]).suffix.lower()
    return "image" if suffix in _IMAGE_SUFFIXES else "pdf"


class TaskGrid(RpcWidget):
    """A sortable, filterable, searchable grid of a project's tasks with multi-select.

    The query (``sort``, ``descending``, ``status``, ``kind``, ``search``, ``review``,
    ``page_size``) is synced; ``sort="confidence"`` puts the least confident tasks first and
    ``review`` ("" or one of "low_confidence", "models_disagree", "rule_model_conflict") keeps
    the tasks with that flag; each row carries ``confidence`` and ``review_flags``; the browser asks for one page at a time (request ``page``). The selection lives
    in the kernel (``selected_ids``, not synced: it may hold 100,000 ids); the browser sees
    ``selected_count`` and a ``selected`` flag on each row it is sent.

    ``on_preannotate(callback)``: ``callback(ids)`` when the Pre-Annotate button is pressed;
    ``on_open(callback)``: ``callback(task_id)`` when a row is opened.
    """

    _esm = esm("task_grid")
    _css = css("task_grid")

    sort = traitlets.Unicode("id").tag(sync=True)
    descending = traitlets.Bool(False).tag(sync=True)
    status = traitlets.List(traitlets.Unicode()).tag(sync=True)  # empty: every status
    kind = traitlets.List(traitlets.Unicode()).tag(sync=True)  # empty: every kind
    search = traitlets.Unicode("").tag(sync=True)
    review = traitlets.Unicode("").tag(sync=True)  # "": every task; else one review flag
    page_size = traitlets.Int(50).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)  # tasks matching the query (set by each page)
    selected_count = traitlets.Int(0).tag(sync=True)
    selected_ids = traitlets.List(traitlets.Int())  # kernel only
    refresh_token = traitlets.Int(0).tag(sync=True)  # bumped to make views fetch again

    def __init__(self, project: ProjectLike, *, page_size: int = 50) -> None:
        project = as_project(project, who="TaskGrid")
        super().__init__(page_size=page_size)
        self.project = project
        self._preannotate_callbacks: list[Callable[[list[int]], Any]] = []
        self._open_callbacks: list[Callable[[int], Any]] = []

    @traitlets.validate("page_size")
    def _check_page_size(self, proposal: Any) -> int:
        value = proposal["value"]
        if not 1 <= value <= MAX_PAGE_SIZE:
            raise traitlets.TraitError(f"page_size must be 1..{MAX_PAGE_SIZE}, not {value}")
        return value

    @traitlets.validate("review")
    def _check_review(self, proposal: Any) -> str:
        value = proposal["value"]
        if value and value not in REVIEW_FLAGS:
            raise traitlets.TraitError(f"review must be '' or one of {list(REVIEW_FLAGS)}, "
                                       f"not {value!r}")
        return value

    @traitlets.observe("selected_ids")
    def _count_selection(self, change: Any) -> None:
        self.selected_count = len(change["new"])

    # -- kernel API ---------------------------------------------------------------------------
    def query(self, **given: Any) -> dict[str, Any]:
        """The query as keyword arguments of ``project.task_rows``: the synced traits, unless a
        request carries its own values (a view sends the query it shows with each request, as
        its trait update may reach the kernel after the request)."""
        values = {name: getattr(self, name)
                  for name in ("sort", "descending", "status", "kind", "search", "review")}
        unknown = set(given) - set(values)
        if unknown:
            raise TypeError(f"unknown query keys {sorted(unknown)}")
        values.update({k: v for k, v in given.items() if v is not None})
        return {
            "sort": str(values["sort"]),
            "descending": bool(values["descending"]),
            "status": list(values["status"]) or None,
            "kind": list(values["kind"]) or None,
            "search": values["search"] or None,
            "review": values["review"] or None,
        }

    def refresh(self) -> None:
        """Make every view fetch its page again (after a job, an import, an edit)."""
        self.refresh_token += 1

    def on_preannotate(self, callback: Callable[[list[int]], Any]) -> None:
        self._preannotate_callbacks.append(callback)

    def on_open(self, callback: Callable[[int], Any]) -> None:
        self._open_callbacks.append(callback)

    # -- requests -----------------------------------------------------------------------------
    @request("page")
    def page(self, offset: int = 0, limit: int | None = None,
             query: GridQuery | None = None) -> GridPage:
        """One page of rows (each with ``type`` and ``selected``) for the traits' query or
        the ``query`` the view sends."""
        limit = self.page_size if limit is None else int(limit)
        if not 0 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be 0..{MAX_PAGE_SIZE}, not {limit}")
        total, rows = self.project.task_rows(int(offset), limit, **self.query(**(query or {})))
        selected = set(self.selected_ids)
        for row in rows:
            source = None
            if row["kind"] != "text":
                source = self.project.get_task(row["id"]).source_path
            row["type"] = task_type(row["kind"], source)
            row["selected"] = row["id"] in selected
        self.total = total
        return {"total": total, "offset": int(offset), "rows": cast(list[GridRow], rows)}

    @request("select")
    def select(self, ids: list[int], selected: bool = True) -> dict[str, int]:
        """Add ids to (or remove them from) the selection."""
        wanted = [int(i) for i in ids]
        if selected:
            current = set(self.selected_ids)
            self.selected_ids = list(self.selected_ids) + [i for i in wanted if i not in current]
        else:
            drop = set(wanted)
            self.selected_ids = [i for i in self.selected_ids if i not in drop]
        return {"count": self.selected_count}

    @request("select_all_matching")
    def select_all_matching(self, query: GridQuery | None = None) -> dict[str, int]:
        """Select every task matching the query (all pages)."""
        where = self.query(**(query or {}))
        total, _ = self.project.task_rows(0, 0, **where)
        _, rows = self.project.task_rows(0, total, **where)
        self.selected_ids = [row["id"] for row in rows]
        return {"count": self.selected_count}

    @request("clear_selection")
    def clear_selection(self) -> dict[str, int]:
        self.selected_ids = []
        return {"count": 0}

    @request("preannotate")
    def preannotate(self) -> dict[str, int]:
        """The Pre-Annotate button: hand the selection to the callbacks (the dialog)."""
        if not self.selected_ids:
            raise ValueError("select one or more tasks before pre-annotating")
        ids = list(self.selected_ids)
        for callback in list(self._preannotate_callbacks):
            callback(ids)
        return {"count": len(ids)}

    @request("open")
    def open_task(self, task_id: int) -> dict[str, int]:
        """Open one task (in the labeling view, when wired by the Lab)."""
        task_id = int(task_id)
        self.project.get_task(task_id)  # TaskNotFound names the id
        for callback in list(self._open_callbacks):
            callback(task_id)
        return {"task_id": task_id}
