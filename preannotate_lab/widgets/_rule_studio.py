"""RuleStudioWidget: write a regex or dictionary rule, see its statistics live, save, deploy.

The widget is the view of :class:`preannotate_lab.studio.RuleStudio` (``pl.RuleStudio``,
the Python API, keeps the name; this class is its synced widget, as jupyter-scatter keeps
the two apart). Every figure comes from ``RuleStudio.stats``; the browser only draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

import traitlets

from ..project import ProjectLike
from ..studio import RuleStudio
from ._rpc import RpcWidget, css, esm, request

STATS_BUDGET_S = 10.0  # a request that scans longer answers with what it covered (and says so)


class RuleInput(TypedDict, total=False):
    """A rule as in a rule set file (``Rule.from_dict``)."""

    name: str
    label: str
    type: Literal["regex", "dictionary"]
    pattern: str
    keywords: list[str]
    case_sensitive: bool
    whole_word: bool
    group: int | str


class StudioMatch(TypedDict):
    task_id: int
    start: int
    end: int
    label: str
    rule: str
    left: str
    match: str
    right: str


class StudioSpan(TypedDict, total=False):
    task_id: int
    start: int
    end: int
    label: str
    rule: str
    text: str


class StudioConflict(TypedDict):
    task_id: int
    kind: str  # "overlap" | "conflict"
    rule: StudioSpan
    other: StudioSpan


class StudioAgainst(TypedDict, total=False):
    source: str
    kind: str  # "rule" | "prediction" | "rules" (with error)
    spans: int
    agree: int
    overlap: int
    conflict: int
    examples: list[StudioConflict]
    error: str


class StudioScores(TypedDict):
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    support: int


class StudioQuality(TypedDict):
    tasks: int
    reference: str
    labels: dict[str, StudioScores]
    micro: StudioScores
    false_positives: list[StudioSpan]
    missed: list[StudioSpan]


class StudioScope(TypedDict):
    tasks: int
    project_tasks: int
    sample: int | None
    seed: int


class StudioIndex(TypedDict):
    used: bool
    query: str | None
    candidates: int
    scanned: int


class StudioTiming(TypedDict):
    seconds: float
    ms_per_1000_tasks: float
    regex_ms_per_1000_scanned: float
    index_build_s: float
    indexed_tasks: int


class StudioStats(TypedDict):
    rules: list[RuleInput]
    scope: StudioScope
    index: StudioIndex
    hits: int
    tasks_with_hits: int
    hits_per_label: dict[str, int]
    hits_per_rule: dict[str, int]
    matches: list[StudioMatch]
    top_matches: list[list[str | int]]
    against: list[StudioAgainst]
    quality: StudioQuality | None
    timing: StudioTiming
    warnings: list[str]
    complete: bool


class SavedRuleSet(TypedDict):
    name: str
    description: str
    timeout: float
    rules: list[RuleInput]


class Deployed(TypedDict):
    server: str
    ruleset: str
    labels: list[str]


class RuleStudioWidget(RpcWidget):
    """A rule editor (regex or keyword list, label, options), live statistics over the project
    (or a sample): hits per label, matches in context, overlaps and conflicts with other rules
    and predictions, P/R/F1 against completions, time per 1,000 tasks, slow-pattern warnings;
    Save to a rule set of the library; Deploy a server from the config with it."""

    _esm = esm("rule_studio")
    _css = css("rule_studio")

    rulesets = traitlets.List(traitlets.Unicode()).tag(sync=True)
    project_name = traitlets.Unicode("").tag(sync=True)
    project_tasks = traitlets.Int(0).tag(sync=True)  # text tasks the statistics run over

    def __init__(self, project: ProjectLike, *, hub: Any = None, servers: Any = None) -> None:
        super().__init__()
        self.studio = RuleStudio(project, hub=hub, servers=servers)
        self.project = self.studio.project
        self._deployed_callbacks: list[Callable[[Any], Any]] = []
        self.project_name = self.project.name
        self.refresh()

    def on_deployed(self, callback: Callable[[Any], Any]) -> None:
        """``callback(server)`` after a deploy done here."""
        self._deployed_callbacks.append(callback)

    @request("refresh")
    def refresh(self) -> list[str]:
        """Reload the rule set names and the number of text tasks."""
        self.rulesets = self.studio.rulesets()
        self.project_tasks = len(self.project.text_task_ids())
        return list(self.rulesets)

    @request("stats")
    def stats(self, rule: RuleInput, ruleset: str | None = None, sample: int | None = None,
              examples: int = 20) -> StudioStats:
        """The statistics of ``rule`` (``sample``: that many random tasks; None: all)."""
        result = self.studio.stats(dict(rule), ruleset=ruleset or None, sample=sample,
                                   examples=examples, budget=STATS_BUDGET_S)
        self.project_tasks = result.scope["project_tasks"]
        return result.to_dict()  # type: ignore[return-value]

    @request("load")
    def load(self, ruleset: str) -> SavedRuleSet:
        """A rule set of the library, to edit its rules."""
        return self.studio.load(ruleset).to_dict()  # type: ignore[return-value]

    @request("save")
    def save(self, rule: RuleInput, ruleset: str) -> SavedRuleSet:
        """Add (or replace, by name) ``rule`` in rule set ``ruleset`` of the library."""
        saved = self.studio.save(dict(rule), ruleset.strip())
        self.refresh()
        self.notify(f"saved rule {rule.get('name')!r} in rule set {saved.name!r} "
                    f"({len(saved.rules)} rule{'s' * (len(saved.rules) != 1)})")
        return saved.to_dict()  # type: ignore[return-value]

    @request("deploy")
    def deploy(self, ruleset: str, name: str | None = None) -> Deployed:
        """Add the rule set's labels to the project's config and deploy a server from it."""
        server = self.studio.deploy(ruleset, name=name or None)
        labels = list(self.studio.load(ruleset).labels)
        self.notify(f"deployed server {server.name!r} with rule set {ruleset!r} "
                    f"({', '.join(labels)}); run it from the Pre-Annotate dialog or with "
                    f"pl.servers.get({server.name!r}).run()")
        for callback in list(self._deployed_callbacks):
            callback(server)
        return {"server": server.name, "ruleset": ruleset, "labels": labels}
