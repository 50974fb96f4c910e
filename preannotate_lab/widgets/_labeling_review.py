"""The LabelingView's review requests: walk tasks in the grid's order, accept a prediction as a
completion without the regions the reviewer rejected, and move a span's boundaries.

A mixin of LabelingView (kept apart so each module stays small); it uses the view's
``project``, ``task_id``, ``document``, ``_results``, ``_edit``, ``_require_editable``,
``_require_task``, ``_prediction``, ``_refresh_lists``, ``show_completion`` and ``notify``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import Box, Document, Result, Span
from . import _labeling_edit as edit
from ._rpc import request

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

GridQuery = Callable[[], dict[str, Any]]


class ReviewRequests:
    """Request handlers of the keyboard review flow (see LabelingView)."""

    project: ProjectStore
    task_id: int | None
    document: Document | None
    _results: list[Result]
    by: str
    # The order "next task" follows: the task grid's query when the Lab wires one in
    # (``view.task_query = grid.query``), else task id order.
    task_query: GridQuery | None = None

    if TYPE_CHECKING:  # provided by LabelingView and RpcWidget
        def _edit(self, new: list[Result]) -> list[dict[str, Any]]: ...
        def _require_editable(self) -> None: ...
        def _require_task(self) -> int: ...
        def _prediction(self, prediction_id: int) -> Any: ...
        def _refresh_lists(self) -> None: ...
        def _boxes(self, span: Span) -> tuple[Box, ...]: ...
        def show_completion(self, completion_id: int) -> dict[str, Any]: ...
        def notify(self, text: str, level: str = "info") -> None: ...

    @request("next_task")
    def next_task(self, direction: int = 1, unreviewed: bool = True) -> dict[str, Any]:
        """The task after (``direction=1``) or before (-1) the open one in the grid's order.

        ``unreviewed``: prefer the nearest task without a completion that way, falling back to
        the adjacent task when every one is reviewed. ``task_id`` is None at either end.
        """
        step = 1 if int(direction) >= 0 else -1
        query = dict(self.task_query() if self.task_query is not None else {"sort": "id"})
        total, _ = self.project.task_rows(0, 0, **query)
        _, rows = self.project.task_rows(0, total, **query)
        ids = [row["id"] for row in rows]
        current = self.task_id
        if current in ids:
            at = ids.index(current)
            ahead = rows[at + 1:] if step > 0 else rows[:at][::-1]
        else:  # the open task is filtered out of the grid (or none is open): start at the edge
            ahead = rows if step > 0 else rows[::-1]
        if not ahead:
            return {"task_id": None, "reviewed": None, "remaining": 0}
        pending = [row for row in ahead if not row["n_completions"]]
        chosen = pending[0] if unreviewed and pending else ahead[0]
        return {"task_id": chosen["id"], "reviewed": bool(chosen["n_completions"]),
                "remaining": len(pending)}

    @request("accept_prediction")
    def accept_prediction(self, prediction_id: int | None = None,
                          rejected: list[str] | None = None) -> dict[str, Any]:
        """Accept a prediction (default: the one shown) as a new completion, leaving out the
        results whose ids are in ``rejected`` (relations and per-span choices of a rejected
        span go with it). The unfiltered copy stays as the completion's first history entry."""
        self._require_task()
        shown = getattr(self, "shown", {}) or {}
        if prediction_id is None:
            if shown.get("kind") != "prediction":
                raise ValueError("no prediction is shown: open one to accept it")
            prediction_id = shown["id"]
        prediction = self._prediction(int(prediction_id))
        unknown = sorted(set(rejected or ()) - {r.id for r in prediction.results})
        if unknown:
            raise ValueError(f"results {unknown} are not in prediction {prediction.id}")
        completion = self.project.completion_from_prediction(prediction.id, by=self.by)
        assert completion.id is not None  # stored
        completion_id = completion.id
        kept = list(completion.results)
        left_out = [r for r in kept if r.id in set(rejected or ())]
        for result in left_out:
            if any(r.id == result.id for r in kept):
                kept = edit.remove(kept, result.id)
        if left_out:
            completion = self.project.update_completion(
                completion_id, kept, by=self.by,
                note=f"accepted prediction {prediction.id} without {len(left_out)} rejected result(s)")
        self._refresh_lists()
        self.show_completion(completion_id)
        self.notify(f"completion {completion.id} accepted from prediction {prediction.id}"
                    + (f" ({len(left_out)} rejected)" if left_out else ""))
        return {"id": completion.id, "n_results": len(completion.results), "rejected": len(left_out)}

    @request("resize_span")
    def resize_span(self, id: str, start: int, end: int) -> list[dict[str, Any]]:  # noqa: A002
        """Move a span's boundaries (a label fix keeps its place; relations follow its new id)."""
        self._require_editable()
        assert self.document is not None
        boxes = None
        if self.document.is_visual:  # a page span's boxes follow its tokens
            boxes = self._boxes(Span(start=int(start), end=max(int(end), int(start)), label="", text=""))
        return self._edit(edit.resize(self._results, self.document.text, id, start, end, boxes))
