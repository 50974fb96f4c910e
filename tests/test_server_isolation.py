"""Each resource of a pipeline fails on its own: one that raises or times out on a task drops
only its own results there, as a warning, and the other resources' results are kept."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from preannotate_lab.model import Document
from preannotate_lab.resources.rules import Rule, RuleSet, RulesResource
from preannotate_lab.server.pipeline import Partial, Pipeline, PipelineSpec, StageSpec


class Fragile(RulesResource):
    """A rules resource that raises on any text containing 'boom' (a buggy plug-in)."""

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[Any]:
        batch = list(items)
        if any("boom" in document.text for document, _ in batch):
            raise RuntimeError("plug-in crashed")
        yield from super().pipe(batch, batch_size=batch_size)


def _stage(resource: RulesResource, labels: tuple[str, ...]) -> StageSpec:
    return StageSpec(name=resource.name, kind="ner", version=resource.version,
                     fingerprint=resource.fingerprint(), labels=labels)


def _pipeline(*resources: tuple[RulesResource, tuple[str, ...]]) -> Pipeline:
    spec = PipelineSpec(tuple(_stage(r, labels) for r, labels in resources))
    return Pipeline(spec, [r for r, _ in resources])


def test_a_resource_raising_on_one_task_keeps_the_other_resources_results() -> None:
    money = RulesResource("money", RuleSet("money", (Rule.regex("usd", r"\$\d+", "MONEY"),)))
    ids = Fragile("ids", RuleSet("ids", (Rule.regex("mrn", r"MRN\d+", "ID"),)))
    pipeline = _pipeline((money, ("MONEY",)), (ids, ("ID",)))
    fine, broken = pipeline.run([Document("MRN12 paid $5"), Document("boom: MRN7 paid $9")])
    assert sorted(s.text for s in fine) == ["$5", "MRN12"]
    assert isinstance(broken, Partial)
    assert [s.text for s in broken.results] == ["$9"]  # the money rules still ran
    assert broken.warnings == ("ids: raised RuntimeError: plug-in crashed",)


def test_a_task_on_which_every_resource_fails_is_an_error() -> None:
    ids = Fragile("ids", RuleSet("ids", (Rule.regex("mrn", r"MRN\d+", "ID"),)))
    (out,) = _pipeline((ids, ("ID",))).run([Document("boom")])
    assert out == "ids: raised RuntimeError: plug-in crashed"


def test_a_slow_rule_keeps_the_other_rules_and_resources() -> None:
    mixed = RulesResource("mixed", RuleSet("mixed", (
        Rule.regex("slow", r"(a+)+$", "A"), Rule.regex("usd", r"\$\d+", "MONEY")), timeout=0.2))
    ids = RulesResource("ids", RuleSet("ids", (Rule.regex("mrn", r"MRN\d+", "ID"),)))
    (out,) = _pipeline((mixed, ("A", "MONEY")), (ids, ("ID",))).run(
        [Document("MRN3 paid $5 " + "a" * 5000 + "b")])
    assert isinstance(out, Partial)
    assert sorted(s.text for s in out.results) == ["$5", "MRN3"]
    assert out.warnings == ("mixed: rule 'slow' timed out after 0.2 s on this task; "
                            "simplify the pattern",)
