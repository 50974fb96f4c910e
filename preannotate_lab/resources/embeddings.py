"""A small static embedding model (torch-free) for zero-shot classification and NER prompts.

The default weights ship inside the ``tokenlearn-static-model`` package (``static_model/model``:
a Model2Vec-style 64-dimension int8 model, 10,000 embeddings behind a 276,000-entry
tokenizer), so nothing is downloaded. They are encoded by that package's own Rust encoder:
it gives the same vectors as ``model2vec.StaticModel`` on that folder (cosine 1.0) at half
the memory (measured resident size after loading: ~340 MB versus ~710 MB; the tokenizer
dominates). Any other Model2Vec folder can be given and is loaded with ``model2vec``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import Any

from .base import ResourceError, content_hash

DEFAULT_MODEL = "tokenlearn-static-model"
MEMORY_MB = 340.0  # measured: resident size added by loading the default model
_MODEL2VEC_MB_PER_TOKENIZER_MB = 71.0  # measured: 711 MB for a 10 MB tokenizer.json


def model_folder(model: str | None) -> Path:
    if not model or model == DEFAULT_MODEL:
        return Path(str(files("static_model") / "model"))
    folder = Path(model).expanduser()
    if not (folder / "model.safetensors").exists():
        raise ResourceError(
            f"embedding model {model!r} is not a Model2Vec folder (no model.safetensors); "
            f"leave it empty to use the bundled {DEFAULT_MODEL}")
    return folder


@lru_cache(maxsize=4)
def _load(folder: str) -> Any:
    from model2vec import StaticModel

    try:
        return StaticModel.from_pretrained(folder)
    except Exception as exc:  # noqa: BLE001 - any failure here is a setup problem
        raise ResourceError(f"cannot load the embedding model in {folder}: {exc}") from exc


def memory_mb(model: str | None) -> float:
    """Estimated resident memory of an embedding model once loaded."""
    if not model or model == DEFAULT_MODEL:
        return MEMORY_MB
    tokenizer = model_folder(model) / "tokenizer.json"
    size = tokenizer.stat().st_size / 1e6 if tokenizer.exists() else 1.0
    return round(max(20.0, size * _MODEL2VEC_MB_PER_TOKENIZER_MB), 1)


def encode(texts: Sequence[str], model: str | None = None) -> Any:
    """Unit-length embeddings (numpy array, one row per text)."""
    import numpy as np

    if not model or model == DEFAULT_MODEL:
        from static_model import get_embeddings

        items = [str(t) for t in texts]
        vectors = np.asarray(get_embeddings(items) if items else np.zeros((0, 64)),
                             dtype=np.float32)
    else:
        vectors = _load(str(model_folder(model))).encode(list(texts))
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def model_version(model: str | None) -> str:
    folder = model_folder(model)
    try:
        package = version("tokenlearn-static-model")
    except PackageNotFoundError:
        package = "?"
    weights = (folder / "model.safetensors").stat().st_size
    return content_hash(str(model or DEFAULT_MODEL), weights, package)[:8]
