"""Text classification resources: spaCy text classifiers, keyword rules, zero-shot by embeddings.

Each yields one :class:`~preannotate_lab.model.Choice` per task (or none when no label passes
``threshold``) with the passing labels, best first, up to ``top_k``; its confidence is the
best label's score (spaCy's textcat probability, a keyword-hit share, or a cosine similarity).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..model import Choice
from . import embeddings
from .base import (
    ConfigField,
    ItemError,
    ItemOutput,
    Resource,
    ResourceError,
    ResourceInfo,
    batched,
)
from .ruleset import Rule
from .spacy_models import load_pipeline, pipeline_meta

_THRESHOLD = ConfigField(float, 0.0, "lowest score a label needs")
_TOP_K = ConfigField((int, type(None)), 1, "most labels per task (null: no limit)")


def pick(scores: Mapping[str, float], *, threshold: float, top_k: int | None) -> list[str]:
    """Labels with score >= threshold, best first, at most top_k."""
    ranked = sorted((label for label in scores if scores[label] >= threshold),
                    key=lambda label: -scores[label])
    return ranked[:top_k] if top_k else ranked


def _choice(scores: Mapping[str, float], name: str, threshold: float,
            top_k: int | None) -> list[Any]:
    labels = pick(scores, threshold=threshold, top_k=top_k)
    if not labels:
        return []
    return [Choice(tuple(labels), confidence=round(float(scores[labels[0]]), 4), source=name)]


class _Classifier(Resource):
    kind = "classification"
    threshold: float
    top_k: int | None

    def fingerprint_parts(self) -> tuple[Any, ...]:
        return (self.threshold, self.top_k)


class SpacyTextcat(_Classifier):
    """A spaCy pipeline's ``textcat`` / ``textcat_multilabel`` scores. Config: ``model``."""

    config_fields = {
        "model": ConfigField(str, None, "pipeline package or folder with a text classifier"),
        "threshold": ConfigField(float, None, "lowest score a label needs (default 0.5 for "
                                              "textcat_multilabel, else 0)"),
        "top_k": ConfigField(int, None, "most labels per task (default 1 for textcat, "
                                        "no limit for textcat_multilabel)"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        model = opts["model"]
        if not model:
            raise ResourceError(f"resource {name!r}: give 'model' (a pipeline with a textcat)")
        self.meta = pipeline_meta(model)
        component = self.meta.textcat_component
        if component is None:
            raise ResourceError(f"spaCy pipeline {model!r} has no textcat or textcat_multilabel")
        multi = component == "textcat_multilabel"
        self.threshold = opts["threshold"] if opts["threshold"] is not None else (0.5 if multi else 0.0)
        # an explicit null top_k means "no limit", even for a single-label classifier
        self.top_k = opts["top_k"] if "top_k" in config or multi else 1
        self.name, self.version, self.language = name, self.meta.version, self.meta.lang
        self.memory_mb = self.meta.memory_mb
        self.labels = self.meta.labels.get(component, ())
        self.nlp = load_pipeline(self.meta.model)
        keep = {component} | {n for n, p in self.nlp.pipeline
                               if component in (getattr(p, "listening_components", None) or [])}
        self.nlp.select_pipes(enable=[n for n in self.nlp.pipe_names if n in keep])

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        meta = pipeline_meta(str(config.get("model")))
        component = meta.textcat_component or "textcat"
        return ResourceInfo(name=name, kind=cls.kind, labels=meta.labels.get(component, ()),
                            version=meta.version, language=meta.lang, memory_mb=meta.memory_mb,
                            description=f"text classifier of {meta.name}", factory="spacy_textcat",
                            config={**config, "spacy_version": meta.spacy_version})

    def fingerprint_parts(self) -> tuple[Any, ...]:
        import spacy

        return (*super().fingerprint_parts(), self.meta.name, self.meta.version, spacy.__version__)

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        for batch in batched(items, batch_size):
            try:
                docs = list(self.nlp.pipe([d.text for d, _ in batch], batch_size=batch_size))
            except Exception as exc:  # noqa: BLE001 - one bad batch is reported per task
                yield from [ItemError(f"spaCy textcat failed: {exc}", self.name)] * len(batch)
                continue
            for doc in docs:
                yield _choice(doc.cats, self.name, self.threshold, self.top_k)


class KeywordClassifier(_Classifier):
    """Classify by keyword hits. Config: ``keywords: {label: [words]}``, ``case_sensitive``,
    ``threshold`` (share of all hits), ``top_k``. Confidence = the label's share of the hits."""

    config_fields = {
        "keywords": ConfigField(dict, None, "{label: [keywords]}"),
        "case_sensitive": ConfigField(bool, False, "match keywords with their case"),
        "threshold": _THRESHOLD,
        "top_k": _TOP_K,
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        self.threshold, self.top_k = opts["threshold"], opts["top_k"]
        keywords = _label_map(name, config, "keywords")
        self.name, self.version, self.language, self.memory_mb = name, "1", "xx", 1.0
        self.labels = tuple(keywords)
        case = opts["case_sensitive"]
        self._rules = [(label, Rule.dictionary(f"{name}:{label}", words, label,
                                               case_sensitive=case).compile())
                       for label, words in keywords.items()]
        self._keywords = keywords

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        labels = tuple(_label_map(name, config, "keywords"))
        return ResourceInfo(name=name, kind=cls.kind, labels=labels, version="1", language="xx",
                            memory_mb=1.0, factory="keyword_classifier", config=dict(config),
                            description="keyword classification rules")

    def fingerprint_parts(self) -> tuple[Any, ...]:
        return (*super().fingerprint_parts(), self._keywords)

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        for document, _ in items:
            try:
                hits = {label: len(pattern.findall(document.text, timeout=1.0))
                        for label, pattern in self._rules}
            except TimeoutError:
                yield ItemError("keyword matching timed out on this task", self.name)
                continue
            total = sum(hits.values())
            scores = {k: v / total for k, v in hits.items() if v} if total else {}
            yield _choice(scores, self.name, self.threshold, self.top_k)


class ZeroShotClassifier(_Classifier):
    """Zero-shot: cosine similarity of the text to each label's description (static embeddings).
    Config: ``labels: {label: description}``, ``threshold``, ``top_k``, ``model`` (a Model2Vec
    folder; default the bundled one)."""

    config_fields = {
        "labels": ConfigField((dict, list, tuple), None, "{label: description} or [labels]"),
        "threshold": _THRESHOLD,
        "top_k": _TOP_K,
        "model": ConfigField(str, None, "Model2Vec folder (default: the bundled static model)"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        self.threshold, self.top_k = opts["threshold"], opts["top_k"]
        self.descriptions = _label_map(name, config, "labels", values=str)
        self.model = opts["model"]
        self.name, self.language = name, "en"
        self.version = embeddings.model_version(self.model)
        self.memory_mb = embeddings.memory_mb(self.model)
        self.labels = tuple(self.descriptions)
        self._label_vectors = embeddings.encode(
            [f"{label}: {text}" if text else label for label, text in self.descriptions.items()],
            self.model)

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        labels = tuple(_label_map(name, config, "labels", values=str))
        return ResourceInfo(name=name, kind=cls.kind, labels=labels, version="1", language="en",
                            memory_mb=embeddings.memory_mb(config.get("model")), factory="zero_shot_classification",
                            config=dict(config), description="zero-shot by label descriptions")

    def fingerprint_parts(self) -> tuple[Any, ...]:
        return (*super().fingerprint_parts(), self.descriptions)

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        for batch in batched(items, batch_size):
            try:
                vectors = embeddings.encode([d.text for d, _ in batch], self.model)
            except Exception as exc:  # noqa: BLE001 - reported on these tasks, the job goes on
                yield from [ItemError(f"embedding failed: {exc}", self.name)] * len(batch)
                continue
            for row in vectors @ self._label_vectors.T:
                scores = {label: float(s) for label, s in zip(self.labels, row, strict=True)}
                yield _choice(scores, self.name, self.threshold, self.top_k)


def _label_map(name: str, config: Mapping[str, Any], key: str, values: type = list) -> dict[str, Any]:
    data = config.get(key)
    if isinstance(data, (list, tuple)) and values is str:
        data = {str(label): "" for label in data}
    if not isinstance(data, Mapping) or not data:
        raise ResourceError(f"resource {name!r}: option {key!r} must map each label to "
                            f"{'a description' if values is str else 'a list of keywords'}")
    for label, value in data.items():
        if not isinstance(value, values) or (values is list and not value):
            raise ResourceError(f"resource {name!r}: {key}[{label!r}] must be "
                                f"{'a string' if values is str else 'a non-empty list'}")
    return dict(data)
