"""A server's pipeline: hub resources in order, each filtered to the labels the config gives it.

The plan (:class:`PipelineSpec`) is small and picklable: resource names, fingerprints and label
sets. A worker process or a Dask worker rebuilds the runnable :class:`Pipeline` from it, keeping
the loaded resources in a small per-process cache keyed by resource name and fingerprint, so only
chunks of text cross the wire and pipelines that share a model share one loaded copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Any

from ..labeling import RelationPair
from ..model import Choice, Document, Relation, Result, Span
from ..resources.base import ItemError, ItemWarning, content_hash
from .errors import ServerError

# stages run in this order: spans first, then what reads spans
KIND_ORDER = {"ner": 0, "classification": 1, "assertion": 2, "relation": 3}


@dataclass(frozen=True)
class StageSpec:
    """One resource of a pipeline and the labels the config assigns to it."""

    name: str
    kind: str
    version: str
    fingerprint: str
    labels: tuple[str, ...]
    memory_mb: float = 0.0
    key: str = ""  # cache key: resource name + what would be built
    # classification: the <Choices> control it fills (from_name); perRegion classifies each span
    control: str | None = None
    per_region: bool = False
    when_label: tuple[str, ...] = ()  # perRegion: only spans with these labels (empty: all)
    # relation: (relation value, ((source label, target label, "right"|"bi"), ...)) per <Relation>
    relations: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = ()

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "version": self.version,
               "fingerprint": self.fingerprint, "labels": list(self.labels)}
        if self.control:
            out["control"] = self.control
        if self.per_region:
            out["per_region"] = True
        return out

    def hash_parts(self) -> tuple[Any, ...]:
        """What the pipeline hash covers for this stage (extras only when set, so NER hashes stay)."""
        base = (self.name, self.fingerprint, sorted(self.labels))
        extra = (self.control, self.per_region, sorted(self.when_label),
                 sorted((v, sorted(pairs)) for v, pairs in self.relations))
        return base if extra == (None, False, [], []) else (*base, *extra)


@dataclass(frozen=True)
class PipelineSpec:
    """Everything needed to rebuild a pipeline in another process (no loaded objects)."""

    stages: tuple[StageSpec, ...]
    from_names: tuple[tuple[str, str], ...] = ()  # label -> config control that owns it

    @property
    def pipeline_hash(self) -> str:
        """Stable identity of what the pipeline predicts: resources, fingerprints, label sets."""
        return content_hash(
            "pipeline", [s.hash_parts() for s in self.stages],
            sorted(self.from_names),
        )

    @property
    def model_version(self) -> str:
        return "+".join(f"{s.name}@{s.version}" for s in self.stages)

    @property
    def labels(self) -> list[str]:
        seen: dict[str, None] = {}
        for stage in self.stages:
            seen.update(dict.fromkeys(stage.labels))
        return list(seen)


@dataclass(frozen=True)
class Partial:
    """A document's results when some resources failed on it: what the others found, and one
    warning per failure (``"resource: message"``). Stored as a prediction with the warnings in
    its provenance; the failures do not make the task an error."""

    results: list[Result]
    warnings: tuple[str, ...]


class Pipeline:
    """Runnable stages: ``run(documents)`` gives each document its results or an error message."""

    def __init__(self, spec: PipelineSpec, resources: Sequence[Any],
                 locks: Sequence[threading.Lock | None] | None = None) -> None:
        if len(resources) != len(spec.stages):
            raise ServerError(f"pipeline has {len(spec.stages)} stages but {len(resources)} resources")
        self.spec = spec
        self.resources = list(resources)
        self.locks = list(locks) if locks is not None else [None] * len(resources)
        self._from_names = dict(spec.from_names)
        self._allowed = [frozenset(s.labels) for s in spec.stages]
        self._allowed_folded = [frozenset(x.casefold() for x in s.labels) for s in spec.stages]
        self._relation_rules = [_relation_rules(s) for s in spec.stages]

    def run(self, documents: Sequence[Document], *,
            batch_size: int = 64) -> list[list[Result] | Partial | str]:
        """Per document (same order): its results, :class:`Partial` results with warnings, or
        an error message naming the resources.

        Each resource fails on its own: one that fails on a document (an ItemError, or an
        exception while it runs) drops only its own results there, recorded as a warning; later
        stages still see the earlier stages' results. A document on which every stage failed
        gets the error message instead (there is nothing to store).
        """
        results: list[dict[str, Result]] = [{} for _ in documents]
        problems: list[list[str]] = [[] for _ in documents]
        failed = [0] * len(documents)
        for index, (stage, resource) in enumerate(zip(self.spec.stages, self.resources, strict=True)):
            items = [(doc, tuple(res.values())) for doc, res in zip(documents, results, strict=True)]
            lock = self.locks[index]
            with lock if lock is not None else nullcontext():
                outputs = _stage_outputs(stage, resource, items, batch_size)
            for i, out in enumerate(outputs):
                if isinstance(out, ItemError):
                    problems[i].append(f"{stage.name}: {out.message}")
                    if not isinstance(out, ItemWarning):
                        failed[i] += 1
                        continue
                    out = out.results  # the parts that worked (other rules of a rule set)
                kept = results[i]
                # a result with the id of an earlier one replaces it (assertion-stamped spans)
                for result in self._filter(index, out, kept):
                    kept[result.id] = result
        stages = len(self.spec.stages)
        outcome: list[list[Result] | Partial | str] = []
        for res, notes, n_failed in zip(results, problems, failed, strict=True):
            if stages and n_failed == stages:
                outcome.append("; ".join(notes))
            elif notes:
                outcome.append(Partial(list(res.values()), tuple(notes)))
            else:
                outcome.append(list(res.values()))
        return outcome

    def _filter(self, index: int, outputs: Iterable[Result], earlier: dict[str, Result]) -> list[Result]:
        """Keep only what the config assigns to this stage; stamp the owning control name."""
        stage = self.spec.stages[index]
        allowed, folded = self._allowed[index], self._allowed_folded[index]
        kept: list[Result] = []
        for r in outputs:
            if isinstance(r, Span):
                if stage.kind == "assertion":
                    if r.assertion is None or r.assertion.casefold() not in folded:
                        continue
                elif r.label not in allowed:
                    continue
                if r.from_name is None and r.label in self._from_names:
                    r = replace(r, from_name=self._from_names[r.label])
            elif isinstance(r, Choice):
                labels = tuple(x for x in r.labels if x in allowed)
                if not labels:
                    continue
                if stage.control is not None:  # the <Choices> control this stage fills
                    if (labels, stage.control) != (r.labels, r.from_name):
                        r = replace(r, labels=labels, from_name=stage.control, id="")
                elif labels != r.labels or (r.from_name is None and labels[0] in self._from_names):
                    r = replace(r, labels=labels, from_name=r.from_name or self._from_names.get(labels[0]))
            elif isinstance(r, Relation):
                spans = {k.id: k for k in (*earlier.values(), *kept) if isinstance(k, Span)}
                if r.from_id not in spans or r.to_id not in spans:
                    continue
                rules = self._relation_rules[index]
                if rules is None:  # a stage without config relations: the old label filter
                    if r.label is not None and r.label not in allowed:
                        continue
                elif not _relation_allowed(rules, r, spans[r.from_id].label, spans[r.to_id].label):
                    continue
            kept.append(r)
        return kept


def _relation_rules(stage: StageSpec) -> dict[str | None, list[RelationPair]] | None:
    """Relation value -> allowed pairs (empty list: any pair) from the config, or None."""
    if stage.kind != "relation" or not stage.relations:
        return None
    return {value: [RelationPair(a, b, d) for a, b, d in pairs]  # type: ignore[arg-type]
            for value, pairs in stage.relations}


def _relation_allowed(rules: dict[str | None, list[RelationPair]], relation: Relation,
                      source: str, target: str) -> bool:
    """Whether the config has a relation of this label between spans of these labels.

    An unlabeled relation passes when any of the config's relations allows the pair.
    """
    if relation.label is None:
        candidates = [pairs for pairs in rules.values()]
    elif relation.label in rules:
        candidates = [rules[relation.label]]
    else:
        return False
    for pairs in candidates:
        if not pairs:
            return True
        for pair in pairs:
            if pair.allows(source, target):
                return True
            if relation.direction == "bi" and pair.allows(target, source):
                return True
    return False


def _stage_outputs(stage: StageSpec, resource: Any,
                   items: Sequence[tuple[Document, tuple[Result, ...]]], batch_size: int) -> list[Any]:
    """One stage's output per item. A resource that raises on a batch is run again item by
    item, so only the items it raises on fail (as ItemErrors naming the exception)."""
    try:
        return _checked_outputs(stage, _pipe_stage(stage, resource, items, batch_size), len(items))
    except ServerError:
        raise  # a resource that breaks the one-output-per-item contract is a bug to report
    except Exception:
        if len(items) == 1:
            return [_raised(stage, resource, items[0], batch_size)]
    return [_raised(stage, resource, item, batch_size) for item in items]


def _raised(stage: StageSpec, resource: Any, item: tuple[Document, tuple[Result, ...]],
            batch_size: int) -> Any:
    try:
        return _checked_outputs(stage, _pipe_stage(stage, resource, [item], batch_size), 1)[0]
    except ServerError:
        raise
    except Exception as exc:
        return ItemError(f"raised {type(exc).__name__}: {exc}", stage.name)


def _pipe_stage(stage: StageSpec, resource: Any,
                items: Sequence[tuple[Document, tuple[Result, ...]]], batch_size: int) -> list[Any]:
    if not items:
        return []
    if stage.per_region:
        return _per_region(stage, resource, items, batch_size)
    return list(resource.pipe(items, batch_size=batch_size))


def _checked_outputs(stage: StageSpec, outputs: list[Any], expected: int) -> list[Any]:
    if len(outputs) != expected:
        raise ServerError(
            f"resource {stage.name!r} returned {len(outputs)} outputs for {expected} "
            "documents; it must yield exactly one per document"
        )
    return outputs


def _per_region(stage: StageSpec, resource: Any,
                items: Sequence[tuple[Document, tuple[Result, ...]]], batch_size: int) -> list[Any]:
    """Classify each span's text (Label Studio perRegion choices); Choices get the span's id.

    A region that fails makes its task fail with that message, like a failed whole-task item.
    """
    regions: list[tuple[int, Span]] = []
    for i, (_, earlier) in enumerate(items):
        regions += [(i, r) for r in earlier if isinstance(r, Span)
                    and (not stage.when_label or r.label in stage.when_label)]
    outputs: list[Any] = [[] for _ in items]
    sub_items = [(Document(span.text), ()) for _, span in regions]
    results = list(resource.pipe(sub_items, batch_size=batch_size)) if sub_items else []
    if len(results) != len(sub_items):
        raise ServerError(
            f"resource {stage.name!r} returned {len(results)} outputs for {len(sub_items)} "
            "regions; it must yield exactly one per item"
        )
    for (i, span), out in zip(regions, results, strict=True):
        if isinstance(outputs[i], ItemError):
            continue
        if isinstance(out, ItemError):
            outputs[i] = ItemError(f"region {span.text[:40]!r}: {out.message}", out.resource)
            continue
        outputs[i] += [replace(c, span_id=span.id, id="") for c in out if isinstance(c, Choice)]
    return outputs


def resource_provenance(resource: Any) -> dict[str, Any]:
    """Rule hashes, prompt texts and model meta of a resource, for each prediction's provenance.

    A resource may report its own with a ``provenance()`` method; otherwise the usual
    attributes of hub resources are read (a rule set, label prompts, a spaCy meta).
    """
    report = getattr(resource, "provenance", None)
    if callable(report):
        try:
            value = report()
        except Exception as exc:  # provenance must never stop a job
            return {"provenance_error": str(exc)}
        return dict(value) if isinstance(value, dict) else {}
    out: dict[str, Any] = {}
    ruleset = getattr(resource, "ruleset", None)
    if ruleset is not None and callable(getattr(ruleset, "fingerprint", None)):
        out["rules_hash"] = ruleset.fingerprint()
        out["rules"] = {r.name: content_hash(r.to_dict()) for r in getattr(ruleset, "rules", ())}
    prompts = getattr(resource, "descriptions", None) or getattr(resource, "prompt", None)
    if isinstance(prompts, (dict, str)):
        out["prompts"] = dict(prompts) if isinstance(prompts, dict) else prompts
    meta = getattr(resource, "meta", None)
    if meta is not None and getattr(meta, "name", None):
        out["model"] = {"name": meta.name, "version": getattr(meta, "version", None),
                        "spacy_version": getattr(meta, "spacy_version", None)}
    return out


# -- worker-side cache: loaded resources per process, shared by every pipeline --------------------
# Keyed per stage (resource name + fingerprint), not per pipeline: editing a rule set changes the
# pipeline hash but must not load another copy of the spaCy model that the new pipeline shares.
# Least recently used resources beyond the bound are dropped (a server holds at most a handful).
WORKER_CACHE_SIZE = 6
_WORKER_RESOURCES: OrderedDict[tuple[str, str], tuple[Any, threading.Lock]] = OrderedDict()
_WORKER_LOCK = threading.Lock()


def load_checked(stage: StageSpec) -> Any:
    """Load a stage's resource from this process's hub; refuse one that is not the deployed one
    (another model version or rule set installed on this worker). An empty fingerprint (a
    stage being deployed) accepts what the hub has."""
    from ..resources import hub

    resource = hub.load(stage.name)
    if stage.fingerprint and resource.fingerprint() != stage.fingerprint:
        raise ServerError(
            f"resource {stage.name!r} in this worker differs from the deployed one "
            f"(fingerprint {resource.fingerprint()} != {stage.fingerprint}); install "
            "the same model and rules on every worker"
        )
    return resource


def _worker_resource(stage: StageSpec) -> tuple[Any, threading.Lock]:
    key = (stage.name, stage.fingerprint)
    entry = _WORKER_RESOURCES.get(key)
    if entry is not None:
        _WORKER_RESOURCES.move_to_end(key)
        return entry
    resource = load_checked(stage)
    # one batch at a time per loaded resource, as in the kernel's cache (threaded Dask workers)
    entry = (resource, threading.Lock())
    _WORKER_RESOURCES[key] = entry
    return entry


def worker_pipeline(spec: PipelineSpec) -> Pipeline:
    """The pipeline for ``spec`` in this process; its resources are loaded from the hub on first
    use and shared with every other pipeline that names the same resource."""
    with _WORKER_LOCK:
        entries = [_worker_resource(stage) for stage in spec.stages]
        needed = {(stage.name, stage.fingerprint) for stage in spec.stages}
        while len(_WORKER_RESOURCES) > max(WORKER_CACHE_SIZE, len(needed)):
            oldest = next(k for k in _WORKER_RESOURCES if k not in needed)
            del _WORKER_RESOURCES[oldest]
    return Pipeline(spec, [r for r, _ in entries], [lock for _, lock in entries])


def run_texts(spec: PipelineSpec, items: list[tuple[int, str]], batch_size: int) -> list[tuple[int, Any]]:
    """Worker entry point: run ``(task_id, text)`` items; returns ``(task_id, results | message)``."""
    pipeline = worker_pipeline(spec)
    outputs = pipeline.run([Document(text) for _, text in items], batch_size=batch_size)
    return [(task_id, out) for (task_id, _), out in zip(items, outputs, strict=True)]


def worker_cache_info() -> list[str]:
    """Resources loaded in this process as ``name@fingerprint``, most recently used last."""
    with _WORKER_LOCK:
        return [f"{name}@{fingerprint}" for name, fingerprint in _WORKER_RESOURCES]
