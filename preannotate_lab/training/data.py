"""Training data from a project's completions: one spaCy Doc per task, split into train and dev.

Per task the completion used is the one an export uses (:func:`formats.annotations.pick_completion`:
the ground-truth completion, else the one changed last); the Doc is built by the DocBin
exporter's :func:`formats.spacy_docbin.make_doc` (spans aligned to tokens by
:func:`formats.align.align_spans`, as for CoNLL), so a trained model sees exactly what
``export_project(project, "spacy", ...)`` writes. Docs cross to the training process as
DocBin bytes (small, and picklable under the spawn start method).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..formats.annotations import pick_completion
from ..formats.spacy_docbin import make_doc
from ..model import Choice, Result, Span, Task
from .errors import TrainingError

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

Kind = Literal["ner", "textcat"]
MIN_EXAMPLES = 10  # fewer examples of a label than this gives a warning in the job result
_PAGE = 500


@dataclass
class TrainingData:
    """Docs of a project's completions, serialized, with what the job result reports about them."""

    kind: Kind
    lang: str
    train: bytes  # DocBin
    dev: bytes  # DocBin (may hold no docs)
    n_train: int
    n_dev: int
    labels: tuple[str, ...]
    label_counts: dict[str, int]  # ner: spans per label; textcat: tasks per label (train + dev)
    task_ids: list[int]
    n_ground_truth: int
    exclusive: bool = True  # textcat: one label per task (textcat) or several (textcat_multilabel)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # every span or task left out, and why

    def summary(self) -> dict[str, Any]:
        """JSON-able description for meta.json and the job result."""
        return {
            "kind": self.kind, "n_tasks": len(self.task_ids), "n_train": self.n_train,
            "n_dev": self.n_dev, "n_ground_truth": self.n_ground_truth,
            "labels": list(self.labels), "label_counts": dict(self.label_counts),
            "exclusive": self.exclusive if self.kind == "textcat" else None,
        }


def tasks_with_completions(project: ProjectStore) -> Iterator[int]:
    """Ids of the tasks that have a completion, walking the grid's n_completions index."""
    offset = 0
    while True:
        _, rows = project.task_rows(offset, _PAGE, sort="n_completions", descending=True)
        ids = [row["id"] for row in rows if row["n_completions"] > 0]
        yield from sorted(ids)
        if len(ids) < len(rows) or not rows:
            return
        offset += len(rows)


def _text_of(project: Any, task: Task, notes: list[str]) -> str | None:
    if task.text is not None:
        return task.text
    from ..documents import DocumentError, document_for

    try:  # a document task: the text its spans index into (OCR is cached from pre-annotation)
        return document_for(task, project=project).text
    except DocumentError as exc:
        notes.append(f"task {task.id}: left out, its document cannot be read: {exc}")
        return None


def _ner_results(results: Sequence[Result], keep: set[str] | None, assertion_values: set[str]) -> list[Span]:
    """The spans that teach NER: no assertion-status labels, one span per (start, end, label)."""
    seen: set[tuple[int, int, str]] = set()
    out = []
    for r in results:
        if not isinstance(r, Span) or r.label in assertion_values:
            continue
        if keep is not None and r.label not in keep:
            continue
        if (r.start, r.end, r.label) not in seen:
            seen.add((r.start, r.end, r.label))
            out.append(r)
    return out


def _cat_results(results: Sequence[Result], keep: set[str] | None) -> list[Choice]:
    return [
        Choice(tuple(lab for lab in r.labels if keep is None or lab in keep))
        for r in results if isinstance(r, Choice) and r.span_id is None
    ]


def collect(project: ProjectStore, kind: Kind, *, labels: Iterable[str] | None = None,
            only_ground_truth: bool = False, dev_fraction: float = 0.2, seed: int = 0,
            lang: str = "en", min_examples: int = MIN_EXAMPLES) -> TrainingData:
    """Build the training data of ``project`` (raises TrainingError when there is nothing to learn)."""
    import spacy

    if not 0.0 <= dev_fraction < 1.0:
        raise TrainingError(f"dev_fraction must be in [0, 1), got {dev_fraction!r}")
    keep = None if labels is None else set(_label_list(labels))
    config = getattr(project, "config", None)
    assertion_values = {d.value for d in config.assertion_labels} if config is not None else set()
    config_cats = ({v for c in config.choices if not c.per_region for v in c.choices}
                   if config is not None else set())
    if project.count_completions() == 0:
        raise TrainingError(
            f"project {project.name!r} ({project.path}) has no completions to train on; "
            "create or import completions first"
        )
    nlp = spacy.blank(lang)
    notes: list[str] = []
    docs: list[Any] = []
    task_ids: list[int] = []
    n_gt = 0
    for task_id in tasks_with_completions(project):
        completions = project.completions(task_id)
        if only_ground_truth:
            completions = [c for c in completions if c.ground_truth]
        chosen = pick_completion(completions)
        if chosen is None:
            continue
        task = project.get_task(task_id)
        text = _text_of(project, task, notes)
        if text is None:
            continue
        if kind == "ner":
            doc, doc_notes = make_doc(nlp, text, _ner_results(chosen.results, keep, assertion_values), ())
        else:
            choices = _cat_results(chosen.results, keep)
            if not any(c.labels for c in choices):
                notes.append(f"task {task_id}: its completion has no task-level choice; left out")
                continue
            doc, doc_notes = make_doc(nlp, text, choices, config_cats if keep is None else keep)
        notes.extend(f"task {task_id}: {n}" for n in doc_notes)
        docs.append(doc)
        task_ids.append(task_id)
        n_gt += chosen.ground_truth
    if not docs:
        which = "ground-truth completions" if only_ground_truth else "completions"
        what = "a task-level choice" if kind == "textcat" else "text"
        raise TrainingError(
            f"project {project.name!r} ({project.path}) has no {which} with {what} to train on; "
            "create or import completions first" + ("" if not notes else f" ({notes[0]})")
        )
    multiple = config is not None and any(
        c.choice == "multiple" for c in config.choices if not c.per_region)
    return _split(docs, task_ids, kind=kind, lang=lang, keep=keep, config_cats=config_cats,
                  multiple=multiple, dev_fraction=dev_fraction, seed=seed,
                  min_examples=min_examples, n_gt=n_gt, notes=notes)


def _label_list(labels: Iterable[str]) -> list[str]:
    if isinstance(labels, str):
        labels = [labels]
    out = list(dict.fromkeys(labels))
    bad = [lab for lab in out if not isinstance(lab, str) or not lab.strip()]
    if bad or not out:
        raise TrainingError(f"labels must be a non-empty list of label strings, got {labels!r}")
    return out


def _split(docs: list[Any], task_ids: list[int], *, kind: Kind, lang: str, keep: set[str] | None,
           config_cats: set[str], multiple: bool, dev_fraction: float, seed: int,
           min_examples: int, n_gt: int, notes: list[str]) -> TrainingData:
    from spacy.tokens import DocBin

    counts: Counter[str] = Counter()
    per_doc = []
    for doc in docs:
        if kind == "ner":
            counts.update(e.label_ for e in doc.ents)
            per_doc.append(sum(1 for _ in doc.ents))
        else:
            chosen = [lab for lab, v in doc.cats.items() if v >= 0.5]
            counts.update(chosen)
            per_doc.append(len(chosen))
    if kind == "ner":
        labels = sorted(keep) if keep is not None else sorted(counts)
    else:
        labels = sorted(keep if keep is not None else set(counts) | config_cats)
        for doc in docs:  # every doc scores every label, as spaCy's textcat expects
            for lab in labels:
                doc.cats.setdefault(lab, 0.0)
    if not labels:
        raise TrainingError(
            "the completions hold no " + ("labeled spans" if kind == "ner" else "choices")
            + " to learn from" + (f" with the labels {sorted(keep)}" if keep else "")
        )
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    n_dev = int(round(len(docs) * dev_fraction)) if len(docs) >= 5 else 0
    dev_idx, train_idx = set(order[:n_dev]), order[n_dev:]
    warnings = [f"label {lab!r} has {counts[lab]} example(s) (fewer than {min_examples}); "
                "its predictions will be unreliable — add completions that use it"
                for lab in labels if counts[lab] < min_examples]
    if dev_fraction > 0 and n_dev == 0:
        warnings.append(f"only {len(docs)} task(s) to learn from: no dev set, so no dev scores")
    if notes:
        warnings.append(f"{len(notes)} span(s) or task(s) were left out of the training data; "
                        f"first: {notes[0]}")
    # one label per task, unless the config allows several or a completion chose several
    exclusive = kind == "textcat" and not multiple and all(n == 1 for n in per_doc)
    train, dev = DocBin(store_user_data=True), DocBin(store_user_data=True)
    for i, doc in enumerate(docs):
        (dev if i in dev_idx else train).add(doc)
    return TrainingData(
        kind=kind, lang=lang, train=train.to_bytes(), dev=dev.to_bytes(),
        n_train=len(train_idx), n_dev=n_dev, labels=tuple(labels),
        label_counts={lab: counts[lab] for lab in labels}, task_ids=task_ids,
        n_ground_truth=n_gt, exclusive=exclusive, warnings=warnings, notes=notes,
    )
