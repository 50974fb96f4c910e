"""``pl.RuleStudio(project)``: write a rule, see what it does to the project, save it, deploy it.

    studio = pl.RuleStudio(project)
    rule = pl.Rule.regex("amount", r"\\$\\d+(?:\\.\\d+)? (?:million|billion)", "AMOUNT")
    stats = studio.stats(rule, ruleset="finance")   # hits, matches in context, P/R/F1, ...
    studio.save(rule, "finance")                    # into the user's rules library
    server = studio.deploy("finance")               # config gate, then servers.deploy

Statistics run over every text task (or ``sample=N`` of them) through the store's trigram
index (tasks that lack the rule's literal text are skipped without reading them) and a
session cache of texts; see :mod:`.stats` for what they hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..config_gate import require_valid_config
from ..model import Result
from ..project import ProjectLike, as_project
from ..resources.rules import RulesResource
from ..resources.ruleset import DEFAULT_TIMEOUT, Rule, RuleSet
from .corpus import TextCorpus
from .errors import RuleStudioError
from .stats import Options, RuleStats, compute

if TYPE_CHECKING:
    from ..labeling import LabelingConfig
    from ..server import Server

RuleLike = Rule | RuleSet | Mapping[str, Any] | Iterable[Rule | Mapping[str, Any]]


def as_rules(value: RuleLike) -> list[Rule]:
    """Rules from a Rule, a RuleSet, a rule's dict (as in a rule set file) or a list of those."""
    if isinstance(value, Rule):
        return [value]
    if isinstance(value, RuleSet):
        return list(value.rules)
    if isinstance(value, Mapping):
        return [Rule.from_dict(value)]
    if isinstance(value, (str, bytes)):
        raise TypeError("give a Rule (pl.Rule.regex / pl.Rule.dictionary) or a rule's dict, not a string")
    rules = [r if isinstance(r, Rule) else Rule.from_dict(r) for r in value]
    if not rules:
        raise RuleStudioError("give at least one rule")
    return rules


class RuleStudio:
    """Statistics, saving and deploying of regex and dictionary rules for one project.

    ``hub``: where rule sets live (default: ``servers.hub``, i.e. ``pl.hub``); ``servers``:
    the server manager that :meth:`deploy` uses (default ``pl.servers``). The texts read stay
    cached in this object while no task's text changes.
    """

    def __init__(self, project: ProjectLike, *, hub: Any = None, servers: Any = None) -> None:
        self.project = as_project(project, who="RuleStudio")
        self._servers = servers
        self._hub = hub
        self.corpus = TextCorpus(self.project)
        self._prediction_results: dict[int, tuple[Result, ...]] = {}
        self._reference: tuple[Any, dict[int, tuple[Result, ...]]] | None = None

    @property
    def servers(self) -> Any:
        if self._servers is None:
            from ..server import servers

            self._servers = servers
        return self._servers

    @property
    def hub(self) -> Any:
        if self._hub is None:
            self._hub = self._servers.hub if self._servers is not None else _default_hub()
        return self._hub

    # -- statistics ---------------------------------------------------------------------------
    def stats(self, rule: RuleLike, *, ruleset: str | None = None,
              against: Iterable[str] | None = None, sample: int | None = None, seed: int = 0,
              examples: int = 20, context: int = 40, timeout: float | None = None,
              budget: float | None = 30.0, predictions: bool = True) -> RuleStats:
        """What ``rule`` does to the project's text tasks (all, or a random ``sample``).

        ``ruleset``: the rule set the rule belongs to (its other rules are compared with it,
        its timeout applies); ``against``: the rule sets to compare with (default: those the
        project's config uses, plus ``ruleset``); ``timeout``: seconds per task (a pattern that
        runs past it raises :class:`RuleTimeoutError` naming the task); ``budget``: seconds
        after which the scan stops and the result says which share it covers.
        """
        rules = as_rules(rule)
        if timeout is None:
            timeout = self._ruleset(ruleset).timeout if ruleset and self._has(ruleset) else DEFAULT_TIMEOUT
        if examples < 0 or context < 0:
            raise ValueError(f"examples and context must not be negative (got {examples}, {context})")
        options = Options(sample=sample, seed=seed, examples=examples, context=context,
                          timeout=timeout, budget=budget)
        others = self.other_rules(rules, ruleset=ruleset, against=against)
        return compute(self.corpus, rules, others, self._latest if predictions else None,
                       self._reference_results(), options)

    def other_rules(self, rules: list[Rule], *, ruleset: str | None = None,
                    against: Iterable[str] | None = None) -> dict[str, list[Rule]]:
        """Source name -> the rules ``rules`` are compared with (rules of the same name in
        ``ruleset`` are the ones being edited, so they are left out)."""
        names = list(against) if against is not None else self._config_rule_resources()
        if ruleset and ruleset not in names and self._has(ruleset):
            names.append(ruleset)
        editing = {r.name for r in rules}
        out: dict[str, list[Rule]] = {}
        for name in names:
            found = self._resource_rules(name)
            if name == ruleset:
                found = [r for r in found if r.name not in editing]
            if found:
                out[name] = found
        return out

    def _config_rule_resources(self) -> list[str]:
        config = self.project.config
        if config is None:
            return []
        out = []
        for name in config.resources:
            try:
                spec = self.hub.spec(name)
            except Exception:  # a model the hub does not know: the config gate reports it
                continue
            if spec.factory == "rules":
                out.append(name)
        return out

    def _resource_rules(self, name: str) -> list[Rule]:
        resource = self.hub.load(name)
        if not isinstance(resource, RulesResource):
            raise RuleStudioError(f"{name!r} is not a rule set (it is a {resource.kind} resource)")
        return list(resource.ruleset.rules)

    def _latest(self, task_ids: list[int]) -> dict[int, tuple[Result, ...]]:
        latest = self.project.latest_prediction_ids(task_ids)
        missing = [p for p in latest.values() if p not in self._prediction_results]
        if missing:  # predictions are immutable: what was read once stays right
            self._prediction_results.update(self.project.prediction_results(missing))
        return {task_id: self._prediction_results[p] for task_id, p in latest.items()}

    def _reference_results(self) -> dict[int, tuple[Result, ...]]:
        signature = self.project.completions_signature()
        if self._reference is None or self._reference[0] != signature:
            self._reference = (signature, self.project.reference_results())
        return self._reference[1]

    # -- the rules library --------------------------------------------------------------------
    def rulesets(self) -> list[str]:
        """Names of the rule sets in the library."""
        return self.hub.rules.names()

    def _has(self, name: str) -> bool:
        return name in self.hub.rules.names()

    def _ruleset(self, name: str) -> RuleSet:
        return self.hub.rules.get(name)

    def load(self, name: str) -> RuleSet:
        """A rule set of the library (ResourceError names the known ones if it is missing)."""
        return self._ruleset(name)

    def save(self, rule: RuleLike, ruleset: str, *, description: str | None = None) -> RuleSet:
        """Add ``rule`` to rule set ``ruleset`` of the library (replacing a rule of the same
        name; the rule set is created if new) and return the saved rule set."""
        current = self._ruleset(ruleset) if self._has(ruleset) else RuleSet(ruleset, ())
        for item in as_rules(rule):
            current = current.with_rule(item)
        if description is not None:
            current = RuleSet(current.name, current.rules, description, current.timeout)
        self.hub.rules.save(current)
        return current

    def remove(self, rule_name: str, ruleset: str) -> RuleSet:
        """Remove one rule from a rule set of the library."""
        current = self._ruleset(ruleset).without_rule(rule_name)
        self.hub.rules.save(current)
        return current

    # -- deploying ----------------------------------------------------------------------------
    def config_with(self, ruleset: str) -> LabelingConfig:
        """The project's config with the labels of ``ruleset`` added (``model=ruleset``), or a
        new config of those labels when the project has none; checked by the config gate."""
        labels = list(self._ruleset(ruleset).labels)
        if not labels:
            raise RuleStudioError(f"rule set {ruleset!r} has no rules to deploy")
        config = self.project.config
        if config is None:
            new = self.hub.config_for([ruleset])
        else:
            have = config.models.get(ruleset, [])
            new = config.add_labels(ruleset, [v for v in labels if v not in have])
        return require_valid_config(
            new, what=f"adding rule set {ruleset!r} to the config of {self.project.path.name} "
            "was refused", hub=self.hub,
            max_models_per_server=getattr(self.servers, "max_models_per_server", None))

    def deploy(self, ruleset: str, *, name: str | None = None, by: str = "user") -> Server:
        """Add the rule set's labels to the project's config (through the config gate) and
        deploy a server from that config; returns the server, ready to ``run()``."""
        config = self.config_with(ruleset)
        if config != self.project.config:
            self.project.set_config(config)
        return self.servers.deploy(self.project, name=name, by=by)

    def __repr__(self) -> str:
        return f"<RuleStudio {str(self.project.path)!r}>"


def _default_hub() -> Any:
    from ..resources import hub

    return hub
