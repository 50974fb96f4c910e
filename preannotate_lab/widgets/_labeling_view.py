"""LabelingView: one task's predictions (read-only, by version, diffed) and editable completions."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import Any

import traitlets

from ..model import Document, Result, Span
from ..project import ProjectLike, as_project
from . import _labeling_edit as edit
from ._labeling_annotations import AnnotationEdits
from ._labeling_pages import PageRequests
from ._labeling_review import ReviewRequests
from ._rpc import RpcWidget, css, esm, request
from ._servers import jsonable
from ._task_bundle import with_task_bundle
from ._task_grid import task_type

DEFAULT_COLOR = "#cccccc"


class LabelingView(AnnotationEdits, ReviewRequests, PageRequests, RpcWidget):
    """Review and edit one task of ``project``.

    Text tasks render as text with highlighted spans, assertion / classification badges and
    relation arcs; document tasks as page images (image bytes sent as binary buffers) with token
    and chunk boxes. Predictions are read-only; ``create_completion`` copies one into an
    editable completion; edits change ``results`` in the kernel and ``save`` stores them.

    A completion's edits: spans (select text, pick a label), relations (only the <Relation>
    values whose ``allowed`` pairs admit the two spans' labels; free text when the config has
    no <Relations>), classification choices (<Choices>, single or multiple; perRegion ones on
    the selected span) and the selected span's assertion status (the config's
    ``assertion="true"`` labels).

    The browser side (js/src/labeling_view.ts and js/src/labeling/) adds a regions panel
    (label, text, confidence, source; a lock on a prediction's regions), a confidence filter,
    predictions / completion tabs, and a review flow that never needs the mouse; its
    keyboard help ("?") lists the keys: ↑/↓ walk the regions, Enter accepts one, Delete
    rejects it, Ctrl+Enter accepts the prediction as a completion without the rejected (or
    hidden) regions (``accept_prediction``) or saves a completion, 1-9 pick a label (or
    relabel the focused region), Shift/Ctrl+←/→ move a span's end/start by a word
    (``resize_span``), ] / [ / Shift+N go to the next / previous / next unreviewed task in
    the grid's order (``next_task``; ``task_query`` is the grid's query when the Lab wires
    one in), and a label's ``hotkey`` labels the selection. Document pages come scaled to the
    width shown (``page_image``), with ``page_thumbnail`` for the page strip.
    """

    _esm = esm("labeling_view")
    _css = css("labeling_view")

    task_id = traitlets.Int(None, allow_none=True).tag(sync=True)
    task = traitlets.Dict().tag(sync=True)  # id, kind, type, title, text, pages, error
    label_defs = traitlets.List(traitlets.Dict()).tag(sync=True)
    relation_values = traitlets.List(traitlets.Unicode()).tag(sync=True)  # from <Relation>s
    relation_defs = traitlets.List(traitlets.Dict()).tag(sync=True)  # value, allowed ["A>B", ...]
    choice_defs = traitlets.List(traitlets.Dict()).tag(sync=True)  # name, choices, choice, per_region
    assertion_values = traitlets.List(traitlets.Unicode()).tag(sync=True)  # assertion="true" labels
    predictions = traitlets.List(traitlets.Dict()).tag(sync=True)
    completions = traitlets.List(traitlets.Dict()).tag(sync=True)
    shown = traitlets.Dict().tag(sync=True)  # {"kind": "prediction"|"completion", "id": int}
    results = traitlets.List(traitlets.Dict()).tag(sync=True)
    editable = traitlets.Bool(False).tag(sync=True)
    dirty = traitlets.Bool(False).tag(sync=True)
    compare_id = traitlets.Int(None, allow_none=True).tag(sync=True)
    diff = traitlets.Dict().tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    zoom = traitlets.Float(1.0).tag(sync=True)

    def __init__(self, project: ProjectLike, task_id: int | None = None, *, by: str = "user",
                 dpi: int = 150) -> None:
        project = as_project(project, who="LabelingView")
        super().__init__()
        self.project = project
        self.by = by
        self.dpi = dpi
        self.document: Document | None = None
        self._results: list[Result] = []
        if task_id is not None:
            self.load(task_id)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[Any, Any], dict[Any, Any]] | None:
        # beside the live view: a static picture of the task for a notebook read without its
        # kernel (rendered by the JupyterLab extension) and a readable text/plain
        return with_task_bundle(self, super()._repr_mimebundle_(**kwargs))

    # -- loading --------------------------------------------------------------------------------
    @request("load")
    def load(self, task_id: int) -> dict[str, Any]:
        """Show a task: its latest prediction, or its latest completion when it has one."""
        task = self.project.get_task(int(task_id))  # TaskNotFound names the id
        self.document = self._document(task)
        pages = [{"index": p.index, "width": p.width, "height": p.height} for p in self.document.pages]
        self._config_defs()
        self.task = {"id": task.id, "kind": task.kind, "title": task.title,
                     "type": task_type(task.kind, task.source_path), "text": self.document.text,
                     "pages": pages, "error": task.error}
        self.task_id = task.id
        self.notify("")  # a notice about the previous task would mislead
        self.page = 0
        self.compare_id = None
        self.diff = {}
        self._refresh_lists()
        if self.completions:
            self.show_completion(self.completions[-1]["id"])
        elif self.predictions:
            self.show_prediction(self.predictions[-1]["id"])
        else:
            self._show("", None, [], editable=False)
        return self.task

    def _document(self, task: Any) -> Document:
        if task.kind == "text":
            return Document(task.text or "")
        return import_module("preannotate_lab.documents").document_for(task, project=self.project)

    def _config_defs(self) -> None:
        """Labels, choices, assertion values and relations of the project's config, for the view."""
        config = self.project.config
        self.label_defs = self._label_defs()
        self.relation_values = [r.value for r in config.relations] if config is not None else []
        self.relation_defs = [] if config is None else [
            {"value": r.value, "allowed": [str(p) for p in r.allowed]} for r in config.relations]
        self.choice_defs = [] if config is None else [
            {"name": c.name, "choices": list(c.choices), "choice": c.choice or "single",
             "per_region": c.per_region}
            for c in config.choices if c.name]
        self.assertion_values = [] if config is None else list(
            dict.fromkeys(d.value for d in config.assertion_labels))

    def _label_defs(self) -> list[dict[str, Any]]:
        config = self.project.config
        if config is None:
            return []
        return [{"value": d.value, "background": d.background or DEFAULT_COLOR, "hotkey": d.hotkey,
                 "control": d.control, "assertion": d.assertion, "tag": d.tag}
                for d in config.labels]

    def _refresh_lists(self) -> None:
        task_id = self.task_id
        if task_id is None:  # no task loaded yet: nothing to list
            self.predictions, self.completions = [], []
            return
        self.predictions = [
            {"id": p.id, "version": p.version, "created_at": p.created_at.isoformat(),
             "model_version": p.model_version, "server": p.server, "score": p.score,
             "n_results": len(p.results)}
            for p in self.project.predictions(task_id)
        ]
        self.completions = [
            {"id": c.id, "created_by": c.created_by, "created_at": c.created_at.isoformat(),
             "updated_at": c.updated_at.isoformat() if c.updated_at else None,
             "copied_from": c.copied_from, "ground_truth": c.ground_truth, "n_results": len(c.results)}
            for c in self.project.completions(task_id)
        ]

    def _show(self, kind: str, ident: int | None, results: Iterable[Result], *, editable: bool) -> None:
        self._results = list(results)
        self.shown = {"kind": kind, "id": ident} if kind else {}
        self.editable = editable
        self.dirty = False
        self.results = edit.view_dicts(self._results)

    def _require_task(self) -> int:
        if self.task_id is None:
            raise ValueError("no task is open; load one first")
        return self.task_id

    # -- predictions ----------------------------------------------------------------------------
    @request("show_prediction")
    def show_prediction(self, prediction_id: int) -> dict[str, Any]:
        """Show one prediction version (read-only)."""
        prediction = self._prediction(prediction_id)
        self._show("prediction", prediction.id, prediction.results, editable=False)
        if self.compare_id is not None:
            self.compare(self.compare_id)
        return self.shown

    @request("compare")
    def compare(self, prediction_id: int | None = None) -> dict[str, Any]:
        """Diff the shown results against an older prediction (None: stop comparing)."""
        if prediction_id is None:
            self.compare_id, self.diff = None, {}
            return {}
        older = self._prediction(prediction_id)
        diff = import_module("preannotate_lab.compare").diff_results(older.results, self._results)
        self.compare_id = older.id
        self.diff = jsonable({**diff.to_dict(), "base": {"id": older.id, "version": older.version}})
        return self.diff

    def _prediction(self, prediction_id: int) -> Any:
        task_id = self._require_task()
        prediction = self.project.get_prediction(int(prediction_id))
        if prediction.task_id != task_id:
            raise ValueError(f"prediction {prediction_id} belongs to task {prediction.task_id}, "
                             f"not to the open task {task_id}")
        return prediction

    # -- completions ----------------------------------------------------------------------------
    @request("create_completion")
    def create_completion(self, prediction_id: int | None = None) -> dict[str, Any]:
        """A new completion copied from a prediction (default: the one shown); None and no
        prediction shown: an empty completion."""
        task_id = self._require_task()
        if prediction_id is None and self.shown.get("kind") == "prediction":
            prediction_id = self.shown["id"]
        if prediction_id is not None:
            self._prediction(prediction_id)
            completion = self.project.completion_from_prediction(int(prediction_id), by=self.by)
        else:
            completion = self.project.add_completion(
                import_module("preannotate_lab.model").Completion(task_id=task_id, created_by=self.by))
        self._refresh_lists()
        self.show_completion(completion.id)
        self.notify(f"completion {completion.id} created" +
                    (f" from prediction {prediction_id}" if prediction_id is not None else ""))
        return self.shown

    @request("show_completion")
    def show_completion(self, completion_id: int) -> dict[str, Any]:
        task_id = self._require_task()
        completion = self.project.get_completion(int(completion_id))
        if completion.task_id != task_id:
            raise ValueError(f"completion {completion_id} belongs to task {completion.task_id}")
        self._show("completion", completion.id, completion.results, editable=True)
        self.compare_id, self.diff = None, {}
        return self.shown

    def _edit(self, new: list[Result]) -> list[dict[str, Any]]:
        self._results = new
        self.results = edit.view_dicts(new)
        self.dirty = True
        return self.results

    def _require_editable(self) -> None:
        if not self.editable:
            raise ValueError("predictions are read-only: create a completion from this prediction "
                             "to edit it")

    def _control(self, label: str) -> str | None:
        defs = {d["value"]: d for d in self.label_defs}
        if defs and label not in defs:
            raise ValueError(f"label {label!r} is not in the project's config; labels: {sorted(defs)}")
        return defs[label]["control"] if label in defs else None

    @request("add_span")
    def add_span(self, start: int, end: int, label: str) -> list[dict[str, Any]]:
        self._require_editable()
        assert self.document is not None
        text = self.document.text
        span = Span(start=int(start), end=max(int(end), int(start)), label=label, text="")
        boxes = self._boxes(span) if self.document.is_visual else ()
        return self._edit(edit.add_span(self._results, text, start, end, label,
                                        self._control(label), boxes))

    @request("label_tokens")
    def label_tokens(self, tokens: list[int], label: str) -> list[dict[str, Any]]:
        """Label the selected tokens of a page as one span (boxes merged per line)."""
        self._require_editable()
        assert self.document is not None
        span = edit.tokens_span(self.document, tokens, label, self._control(label))
        if any(r.id == span.id for r in self._results):
            raise ValueError(f"{span.text!r} is already labelled {label!r}")
        return self._edit([*self._results, span])

    def _boxes(self, span: Span) -> tuple[Any, ...]:
        assert self.document is not None
        ids = [i for i, t in enumerate(self.document.tokens) if t.start < span.end and t.end > span.start]
        return edit.tokens_span(self.document, ids, span.label).boxes if ids else ()

    @request("remove")
    def remove(self, id: str) -> list[dict[str, Any]]:  # noqa: A002 - the browser's key
        self._require_editable()
        return self._edit(edit.remove(self._results, id))

    @request("relabel")
    def relabel(self, id: str, label: str) -> list[dict[str, Any]]:  # noqa: A002
        self._require_editable()
        return self._edit(edit.relabel(self._results, id, label, self._control(label)))

    @request("save")
    def save(self, note: str = "") -> dict[str, Any]:
        """Store the edited results in the shown completion (its history keeps the old ones)."""
        self._require_editable()
        completion = self.project.update_completion(int(self.shown["id"]), self._results,
                                                    by=self.by, note=note)
        self.dirty = False
        self._refresh_lists()
        self.notify(f"completion {completion.id} saved")
        return {"id": completion.id, "n_results": len(completion.results)}

    @request("discard")
    def discard(self) -> dict[str, Any]:
        """Drop unsaved edits."""
        self._require_editable()
        return self.show_completion(self.shown["id"])
