"""The LabelingView's edits beyond spans: relations limited to the config's allowed pairs,
classification choices (task level and per span) and assertion status.

A mixin of LabelingView (kept apart so each module stays small); it uses the view's
``project``, ``_results``, ``_edit``, ``_require_editable``, ``choice_defs`` and
``assertion_values``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import Result, Span
from . import _labeling_edit as edit
from ._rpc import request

if TYPE_CHECKING:
    from ..store import Project as ProjectStore


class AnnotationEdits:
    """Request handlers for relations, choices and assertion status (see LabelingView)."""

    project: ProjectStore
    _results: list[Result]
    choice_defs: list[dict[str, Any]]
    assertion_values: list[str]

    def _edit(self, new: list[Result]) -> list[dict[str, Any]]:  # implemented by LabelingView
        raise NotImplementedError

    def _require_editable(self) -> None:  # implemented by LabelingView
        raise NotImplementedError

    @request("add_relation")
    def add_relation(self, from_id: str, to_id: str, label: str | None = None,
                     direction: str = "right") -> list[dict[str, Any]]:
        """Relate two spans; with <Relations> in the config, only a value whose allowed pairs
        admit the spans' labels in this direction (see ``relation_options``)."""
        self._require_editable()
        options = self.relation_options(from_id, to_id)
        if not options["free"]:
            fits = [o for o in options["options"] if o["value"] == label
                    and ((o["from_id"], o["to_id"]) == (from_id, to_id) or o["direction"] == "bi")]
            if not fits:
                offered = [f"{o['value']} ({o['direction']})" for o in options["options"]]
                raise ValueError(
                    f"relation {label!r} from {options['from_label']!r} to {options['to_label']!r} "
                    f"is not allowed by the config; allowed here: {offered or 'none'}")
            direction = "bi" if fits[0]["direction"] == "bi" else direction
        return self._edit(edit.add_relation(self._results, from_id, to_id, label, direction))

    @request("relation_options")
    def relation_options(self, from_id: str, to_id: str) -> dict[str, Any]:
        """The config's relation values that may link these two spans, each with the direction
        its allowed pairs give (a pair "B>A" swaps from/to). ``free``: the config has no
        <Relations>, so any text label goes."""
        source, target = (edit.find(self._results, i) for i in (from_id, to_id))
        for rid, item in ((from_id, source), (to_id, target)):
            if not isinstance(item, Span):
                raise ValueError(f"result {rid!r} is not a span; relations join spans")
        assert isinstance(source, Span) and isinstance(target, Span)
        config = self.project.config
        defs = config.relations if config is not None else []
        options: list[dict[str, Any]] = []
        for rel in defs:
            option = _relation_option(rel, source, target)
            if option is not None:
                options.append({"value": rel.value, **option})
        return {"free": not defs, "options": options, "from_label": source.label,
                "to_label": target.label}

    # -- classification choices and assertion status -------------------------------------------
    def _choice_def(self, from_name: str, span_id: str | None) -> dict[str, Any]:
        defs = {d["name"]: d for d in self.choice_defs}
        if from_name not in defs:
            raise ValueError(f"no <Choices name={from_name!r}> in the project's config; "
                             f"choices controls: {sorted(defs) or 'none'}")
        spec = defs[from_name]
        if spec["per_region"] and span_id is None:
            raise ValueError(f"choices {from_name!r} are per region: select a span first")
        if not spec["per_region"] and span_id is not None:
            raise ValueError(f"choices {from_name!r} classify the whole task, not a span")
        return spec

    @request("set_choices")
    def set_choices(self, from_name: str, labels: list[str],
                    span_id: str | None = None) -> list[dict[str, Any]]:
        """Set the chosen values of a <Choices> control (for the task, or a span: perRegion)."""
        self._require_editable()
        spec = self._choice_def(from_name, span_id)
        chosen = list(dict.fromkeys(str(v) for v in labels))
        unknown = [v for v in chosen if v not in spec["choices"]]
        if unknown:
            raise ValueError(f"{unknown} are not choices of {from_name!r}; choices: {spec['choices']}")
        if len(chosen) > 1 and spec["choice"] != "multiple":
            raise ValueError(f"choices {from_name!r} take one value (choice={spec['choice']!r}), "
                             f"not {chosen}")
        return self._edit(edit.set_choices(self._results, from_name, chosen, span_id))

    @request("toggle_choice")
    def toggle_choice(self, from_name: str, value: str,
                      span_id: str | None = None) -> list[dict[str, Any]]:
        """Choose or un-choose ``value``; in a single-choice control it replaces the old one."""
        self._require_editable()
        spec = self._choice_def(from_name, span_id)
        now = edit.choice_labels(self._results, from_name, span_id)
        if value in now:
            new = [v for v in now if v != value]
        elif spec["choice"] == "multiple":
            new = [v for v in spec["choices"] if v in now or v == value]  # config order
        else:
            new = [value]
        return self.set_choices(from_name, new, span_id)

    @request("set_assertion")
    def set_assertion(self, id: str, assertion: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
        """Give the span an assertion status of the config (None or "" clears it)."""
        self._require_editable()
        if assertion and assertion not in self.assertion_values:
            raise ValueError(f"assertion {assertion!r} is not in the project's config; "
                             f"assertion labels: {self.assertion_values or 'none'}")
        return self._edit(edit.set_assertion(self._results, id, assertion or None))



def _relation_option(rel: Any, source: Span, target: Span) -> dict[str, Any] | None:
    """How relation ``rel`` may link span ``source`` to ``target`` (None: it may not)."""
    a, b = source.label, target.label
    forward = {"from_id": source.id, "to_id": target.id}
    if not rel.allowed:
        return {**forward, "direction": "right"}
    for pair in rel.allowed:
        if pair.direction == "bi" and pair.allows(a, b):
            return {**forward, "direction": "bi"}
        if (pair.source, pair.target) == (a, b):
            return {**forward, "direction": "right"}
    for pair in rel.allowed:
        if (pair.source, pair.target) == (b, a):  # the config's direction is target -> source
            return {"from_id": target.id, "to_id": source.id, "direction": "right"}
    return None
