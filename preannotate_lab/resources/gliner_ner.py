"""GLiNER: a small bidirectional-encoder NER model that takes label names as prompts.

Optional: it needs the ``gliner`` package (which brings torch and transformers, about 1 GB)
and a model folder the user already has (``gliner_config.json`` and the weights, e.g. a
``save_pretrained`` copy). Nothing is ever downloaded: the folder is opened with
``local_files_only``. Both are checked with a clear error that says what to do; ``describe``
loads nothing, so the hub lists the resource on a machine without torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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
    content_hash,
)
from .prompts import label_descriptions

CONFIG_FILE = "gliner_config.json"
MEMORY_MB = 900.0  # torch + a small GLiNER model; the hub's capacity estimate


def model_folder(name: str, value: Any) -> Path:
    """The model folder of resource ``name``, checked (ResourceError saying what is wrong)."""
    if not value:
        raise ResourceError(f"resource {name!r}: 'model' must be the folder of a GLiNER model "
                            f"on this machine (one with {CONFIG_FILE}); nothing is downloaded")
    folder = Path(str(value)).expanduser()
    if not folder.is_dir():
        raise ResourceError(f"resource {name!r}: GLiNER model folder {str(folder)!r} does not exist")
    if not (folder / CONFIG_FILE).is_file():
        raise ResourceError(f"resource {name!r}: {str(folder)!r} is not a GLiNER model folder "
                            f"(no {CONFIG_FILE}); save one with GLiNER.save_pretrained(folder)")
    return folder


def import_gliner(name: str) -> Any:
    """The ``gliner.GLiNER`` class, or a ResourceError naming the package to install."""
    try:
        from gliner import GLiNER
    except ImportError as exc:
        raise ResourceError(
            f"resource {name!r} needs the optional 'gliner' package (it brings torch): "
            f"pip install gliner ({exc})") from exc
    return GLiNER


class GLiNERNER(Resource):
    """Spans a local GLiNER model finds for each label. Config: ``model`` (folder), ``labels``
    ({label: prompt} or a list of labels, each its own prompt), ``threshold`` (0.5)."""

    kind = "ner"
    config_fields = {
        "model": ConfigField(str, None, "folder of a GLiNER model on this machine"),
        "labels": ConfigField((dict, list, tuple), None,
                              "{label: prompt the model reads} or a list of labels"),
        "threshold": ConfigField(float, 0.5, "lowest GLiNER score kept"),
    }

    def __init__(self, name: str, config: Mapping[str, Any]) -> None:
        opts = self.checked_config(name, config)
        self.name = name
        self.prompts = label_descriptions(name, config)
        self.labels = tuple(self.prompts)
        self.threshold = opts["threshold"]
        self.folder = model_folder(name, opts["model"])
        self.language = "en"
        self.memory_mb = MEMORY_MB
        gliner = import_gliner(name)
        try:
            self.model = gliner.from_pretrained(str(self.folder), local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure here is a setup problem
            raise ResourceError(f"resource {name!r}: cannot load the GLiNER model in "
                                f"{str(self.folder)!r}: {exc}") from exc
        self.version = _folder_version(self.folder)
        # a prompt -> the label it stands for (the model answers with the prompt)
        self._by_prompt = {prompt: label for label, prompt in self.prompts.items()}

    @classmethod
    def describe(cls, name: str, config: Mapping[str, Any], *, hub: Any = None) -> ResourceInfo:
        labels = tuple(label_descriptions(name, config))
        return ResourceInfo(name=name, kind=cls.kind, labels=labels, version="1", language="en",
                            memory_mb=MEMORY_MB, factory="gliner_ner", config=dict(config),
                            description="GLiNER NER from a local model folder")

    def fingerprint_parts(self) -> tuple[Any, ...]:
        return (content_hash(self.prompts), self.threshold, str(self.folder))

    def pipe(self, items: Iterable[Any], *, batch_size: int = 64) -> Iterator[ItemOutput]:
        prompts = list(self._by_prompt)
        for batch in batched(items, batch_size):
            for document, _ in batch:
                try:
                    found = self.model.predict_entities(document.text, prompts,
                                                        threshold=self.threshold, flat_ner=True)
                    yield [Span(int(e["start"]), int(e["end"]), self._by_prompt[e["label"]],
                                document.text[int(e["start"]):int(e["end"])],
                                confidence=round(float(e["score"]), 4), source=self.name)
                           for e in found if e.get("label") in self._by_prompt]
                except Exception as exc:  # noqa: BLE001 - reported on this task only
                    yield ItemError(f"GLiNER failed on this task: {exc}", self.name)


def _folder_version(folder: Path) -> str:
    files = sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.is_file())
    return content_hash(str(folder), files)[:8]
