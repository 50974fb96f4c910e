"""Examples for the zero-shot NER prompt: the spans annotators accepted in a project.

A project's completions give, for each label of the prompt, the spans annotated with it (the
examples) and, from the same texts, every candidate phrase no one labelled and every span of
another label (the negatives, which feed the background class). They are read once per
*completions revision* (:meth:`~preannotate_lab.store.Project.completions_revision`) and kept
in a small cache keyed by the project file, that revision, the labels and the pipeline, so
a prompt re-reads them exactly when an annotator adds, edits or deletes a completion.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..model import Result, Span
from .base import ResourceError
from .zero_shot_scoring import Candidate, candidates_of, shape_of

# bounds on what one prompt keeps, so a project of 100,000 completions stays cheap to score:
# examples beyond MAX_EXAMPLES per label and negatives beyond MAX_NEGATIVES are sampled
MAX_EXAMPLES = 200
MAX_NEGATIVES = 4000
# annotated texts parsed at most (a uniform sample of them beyond that): parsing is the cost
MAX_TASKS = 2000
_CACHE_SIZE = 8


@dataclass(frozen=True)
class ExampleSet:
    """What a project's completions teach the prompt at one revision."""

    revision: str
    examples: Mapping[str, Sequence[Candidate]] = field(default_factory=dict)
    negatives: Sequence[Candidate] = ()
    tasks: int = 0
    # every candidate of the annotated texts with its label there (None: no entity of ours),
    # for calibrating the score
    annotated: Sequence[tuple[Candidate, str | None]] = ()

    def counts(self) -> dict[str, int]:
        return {label: len(spans) for label, spans in self.examples.items()}


def _context(doc: Any, span: Span, group: int) -> Candidate:
    """The span as a candidate, with the entity type the pipeline gives it in its text."""
    found = doc.char_span(span.start, span.end, alignment_mode="expand")
    ent = (found.root.ent_type_ or "") if found is not None and len(found) else ""
    return Candidate(span.start, span.end, span.text, ent, shape_of(span.text), group)


def learn_from(nlp: Any, items: Iterable[tuple[str, Sequence[Result]]], labels: Sequence[str], *,
               revision: str = "", seed: int = 0) -> ExampleSet:
    """Examples and negatives from ``(text, results)`` pairs (each text's annotation is taken
    as complete: a candidate it does not label is not an entity of these labels)."""
    wanted = set(labels)
    examples: dict[str, list[Candidate]] = {label: [] for label in labels}
    negatives: list[Candidate] = []
    annotated: list[tuple[Candidate, str | None]] = []
    tasks = 0
    rng = random.Random(seed)
    chosen = _reservoir(items, MAX_TASKS, rng)
    for group, (doc, results) in enumerate(nlp.pipe(chosen, as_tuples=True, batch_size=64)):
        text = doc.text
        spans = [r for r in results if isinstance(r, Span) and 0 <= r.start < r.end <= len(text)]
        tasks += 1
        for span in spans:
            (examples[span.label] if span.label in wanted else negatives).append(
                _context(doc, span, group))
        ours = {(s.start, s.end): s.label for s in spans if s.label in wanted}
        for c in candidates_of(doc):
            c = replace(c, group=group)
            annotated.append((c, ours.get((c.start, c.end))))
            if not any(c.start < e and c.end > s for s, e in ours):
                negatives.append(c)
    for label, found in examples.items():
        if len(found) > MAX_EXAMPLES:
            examples[label] = rng.sample(found, MAX_EXAMPLES)
    if len(negatives) > MAX_NEGATIVES:
        negatives = rng.sample(negatives, MAX_NEGATIVES)
    if len(annotated) > MAX_NEGATIVES:
        annotated = rng.sample(annotated, MAX_NEGATIVES)
    return ExampleSet(revision, examples, negatives, tasks, annotated)


def _reservoir(items: Iterable[Any], size: int, rng: random.Random) -> list[Any]:
    """At most ``size`` of ``items``, a uniform sample read in one pass, in their order."""
    kept: list[tuple[int, Any]] = []
    for i, item in enumerate(items):
        if len(kept) < size:
            kept.append((i, item))
        else:
            j = rng.randint(0, i)
            if j < size:
                kept[j] = (i, item)
    return [item for _, item in sorted(kept, key=lambda pair: pair[0])]


_CACHE: OrderedDict[tuple[str, str, tuple[str, ...], str], ExampleSet] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_PROJECTS: dict[str, Any] = {}
_OPEN_LOCK = threading.Lock()


def _open(path: str) -> Any:
    with _OPEN_LOCK:
        return _opened(path)


def _opened(path: str) -> Any:
    from ..store import Project, StoreError

    project = _PROJECTS.get(path)
    if project is None:
        if not Path(path).is_file():
            raise ResourceError(f"the project file {path!r} that the zero-shot prompt learns "
                                "from does not exist; give the path of a project's .sqlite file")
        try:
            project = Project(path, mode="open")
        except StoreError as exc:
            raise ResourceError(f"cannot read examples from project {path!r}: {exc}") from exc
        _PROJECTS[path] = project
    return project


def project_revision(path: str) -> str:
    """The completions revision of the project file at ``path``."""
    return str(_open(path).completions_revision())


def project_examples(path: str, nlp: Any, labels: Sequence[str], pipeline: str,
                     revision: str | None = None) -> ExampleSet:
    """The examples of project ``path`` at its current completions revision (cached)."""
    project = _open(path)
    revision = project.completions_revision() if revision is None else revision
    key = (path, str(revision), tuple(labels), pipeline)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    found = learn_from(nlp, ((text, results) for _, text, results in project.completed_texts()),
                       labels, revision=str(revision))
    with _CACHE_LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


def clear_cache() -> None:
    """Forget cached examples and close the projects opened to read them."""
    with _CACHE_LOCK:
        _CACHE.clear()
        for project in _PROJECTS.values():
            project.close()
        _PROJECTS.clear()
