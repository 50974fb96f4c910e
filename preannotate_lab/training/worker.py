"""The training process: spaCy's own update loop on the job's DocBins, progress on a queue.

Runs under the ``spawn`` start method, so it imports spaCy itself and shares nothing with the
kernel but the spec dict, the message queue and the cancel event. spaCy's ``Example`` +
``nlp.update`` loop is used rather than ``spacy train`` with a generated config: it reports
every epoch on the queue, stops between minibatches on cancel, and fine-tunes an installed
pipeline without a config file.

Messages put on the queue (plain dicts): ``{"type": "started"}``, one ``{"type": "epoch", ...}``
per epoch, and one final ``{"type": "done" | "cancelled" | "error", ...}``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import traceback
from pathlib import Path
from typing import Any

# what a trainable component may listen to; kept in the trained pipeline only if it does
_EMBEDDERS = {"tok2vec", "transformer", "curated_transformer"}
_NER_KEYS = ("ents_p", "ents_r", "ents_f")
_CAT_KEYS = ("cats_macro_p", "cats_macro_r", "cats_macro_f")


class _TrainingCancelled(Exception):
    """Control flow inside the training process: the job's cancel event was set.

    Private on purpose: it never leaves the process (it becomes a "cancelled" message).
    """


def train_process(spec: dict[str, Any], queue: Any, cancel: Any) -> None:
    """Entry point of the training process; always ends with one final message."""
    # one BLAS thread: the kernel and pre-annotation servers share the machine with us
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(spec.get("threads", 1)))
    try:
        queue.put({"type": "started", "pid": os.getpid()})
        queue.put(train(spec, queue.put, cancel.is_set))
    except _TrainingCancelled:
        queue.put({"type": "cancelled"})
    except BaseException as exc:  # noqa: BLE001 - reported to the kernel, never lost
        queue.put({"type": "error", "message": f"{type(exc).__name__}: {exc}",
                   "traceback": traceback.format_exc()})


def _component(spec: dict[str, Any]) -> tuple[str, str]:
    """(pipe name, factory) of the component this job trains."""
    if spec["kind"] == "ner":
        return "ner", "ner"
    factory = "textcat" if spec["exclusive"] else "textcat_multilabel"
    return factory, factory


def build_pipeline(spec: dict[str, Any]) -> tuple[Any, Any, bool]:
    """(nlp, the component to train, whether it is new) for a blank or a fine-tuned pipeline."""
    import spacy

    name, factory = _component(spec)
    if spec.get("base_model"):
        nlp = spacy.load(spec["base_model"])
    else:
        nlp = spacy.blank(spec["lang"])
    if name in nlp.pipe_names and nlp.get_pipe_meta(name).factory != factory:
        nlp.remove_pipe(name)  # the hub finds components by name: ours must own it
    is_new = name not in nlp.pipe_names
    pipe = nlp.add_pipe(factory, name=name) if is_new else nlp.get_pipe(name)
    # keep only what the trained component needs: a smaller, faster model, and nothing in it
    # that this job did not train (a fine-tuned en_core_web_sm keeps its ner only)
    for other in list(nlp.component_names):  # disabled ones too (en_core_web_sm's senter)
        component = nlp.get_pipe(other)
        listeners = set(getattr(component, "listening_components", []) or [])
        if other != name and not (nlp.get_pipe_meta(other).factory in _EMBEDDERS and name in listeners):
            nlp.remove_pipe(other)
    return nlp, pipe, is_new


def _examples(nlp: Any, data: bytes) -> list[Any]:
    from spacy.tokens import DocBin
    from spacy.training import Example

    return [Example(nlp.make_doc(doc.text), doc) for doc in DocBin().from_bytes(data).get_docs(nlp.vocab)]


def _scores(nlp: Any, examples: list[Any], kind: str) -> dict[str, Any] | None:
    if not examples:
        return None
    raw = nlp.evaluate(examples)
    keys, per_type = (_NER_KEYS, "ents_per_type") if kind == "ner" else (_CAT_KEYS, "cats_f_per_type")
    out: dict[str, Any] = {k.rsplit("_", 1)[1]: round(float(raw.get(k) or 0.0), 4) for k in keys}
    out["per_label"] = {lab: {m: round(float(v or 0.0), 4) for m, v in s.items()}
                        for lab, s in (raw.get(per_type) or {}).items()}
    return out


def train(spec: dict[str, Any], report: Any, cancelled: Any) -> dict[str, Any]:
    """Train, save into ``spec["output_dir"]`` and return the final message."""
    import spacy
    from spacy.util import fix_random_seed, minibatch

    started = time.perf_counter()
    fix_random_seed(spec["seed"])
    nlp, pipe, is_new = build_pipeline(spec)
    train_examples, dev_examples = _examples(nlp, spec["train"]), _examples(nlp, spec["dev"])
    for label in spec["labels"]:
        if label not in pipe.labels:
            pipe.add_label(label)
    if spec.get("base_model") and not is_new:
        optimizer = nlp.resume_training()
    elif spec.get("base_model"):
        pipe.initialize(lambda: train_examples, nlp=nlp)
        optimizer = nlp.create_optimizer()
    else:
        optimizer = nlp.initialize(lambda: train_examples)
    rng = random.Random(spec["seed"])
    scores = None
    for epoch in range(1, spec["n_iter"] + 1):
        rng.shuffle(train_examples)
        losses: dict[str, float] = {}
        for batch in minibatch(train_examples, size=spec["batch_size"]):
            if cancelled():
                raise _TrainingCancelled
            nlp.update(batch, drop=spec["dropout"], sgd=optimizer, losses=losses)
        scores = _scores(nlp, dev_examples, spec["kind"])
        report({"type": "epoch", "epoch": epoch, "n_iter": spec["n_iter"],
                "loss": round(float(sum(losses.values())), 4), "dev": scores,
                "elapsed": round(time.perf_counter() - started, 3)})
    if cancelled():
        raise _TrainingCancelled
    save(nlp, spec, scores, spacy.__version__)
    return {"type": "done", "output_dir": spec["output_dir"], "dev": scores,
            "component": pipe.name, "elapsed": round(time.perf_counter() - started, 3)}


def save(nlp: Any, spec: dict[str, Any], scores: dict[str, Any] | None, spacy_version: str) -> None:
    """Write the pipeline beside the target folder, then swap it in (a reader never sees half a model)."""
    target = Path(spec["output_dir"])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    if partial.exists():
        shutil.rmtree(partial)
    nlp.meta.update({"name": spec["meta_name"], "version": spec["version"],
                     "description": spec["description"]})
    nlp.to_disk(partial)
    meta_file = partial / "meta.json"
    meta = json.loads(meta_file.read_text("utf-8"))
    # spaCy lists every label the component knows; a fine-tuned ner still knows the base
    # pipeline's labels, but it was taught to leave the others out, so the hub shows these
    meta.setdefault("labels", {})[_component(spec)[0]] = list(spec["labels"])
    meta["performance"] = {} if scores is None else {
        k: v for k, v in scores.items() if k != "per_label"}
    meta["preannotate_lab"] = {**spec["summary"], "spacy_version": spacy_version,
                               "dev_scores": scores}
    meta_file.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(partial, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

