"""Helpers for the store tests: small tasks, predictions and a filled project."""

from __future__ import annotations

from preannotate_lab.model import Prediction, Span, Task
from preannotate_lab.store import Project

TEXTS = [
    "Apple is looking at buying a U.K. startup for $1 billion in London.",
    "Angela Merkel met Emmanuel Macron in Berlin on Tuesday.",
    "The World Health Organization reported 3,000 new cases in Brazil.",
    "Microsoft shares rose 4 percent after quarterly revenue beat estimates.",
    "berlin is also a small town in New Hampshire.",
]


def text_tasks(texts: list[str] = TEXTS) -> list[Task]:
    return [Task({"text": t, "source": "test"}) for t in texts]


def span_of(text: str, word: str, label: str) -> Span:
    start = text.index(word)
    return Span(start, start + len(word), label, word)


def prediction(task_id: int, label: str = "ORG", *, model_version: str = "m-1", **kw) -> Prediction:
    return Prediction(
        task_id=task_id,
        results=(Span(0, 5, label, "Apple"),),
        model_version=model_version,
        **kw,
    )


def filled_project(path) -> tuple[Project, list[int]]:
    project = Project.create(path)
    return project, project.add_tasks(text_tasks())
