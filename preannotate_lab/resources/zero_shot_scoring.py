"""Candidates, prototypes and scores of the zero-shot NER prompt (no I/O, no model loading).

A *candidate* is a phrase the spaCy pipeline finds: a noun chunk (leading determiners and
pronouns stripped), an entity, or a run of proper nouns; never a verb, a stop word, a bare
title or abbreviation. Each label has a *prototype*: the phrases its description names ("a
disease such as asthma or cancer" -> disease, asthma, cancer) and, once annotators accepted
some, its example spans. A *background* class holds generic words and, from completed tasks,
every candidate no annotator labelled (the negatives).

The score of a candidate for class ``c`` (a label or the background) is a softmax over

    logit_c = sim_c / temperature + log P(context | c)

where ``sim_c`` is the mean of the ``k`` best cosine similarities between the candidate's
embedding and class ``c``'s phrases (a k-nearest-neighbour similarity: one close example
counts, a crowd of far ones does not), and ``P(context | c)`` is how often class ``c``'s
examples had the candidate's context: the pipeline's entity type (PERSON, ORG, ...) and
its shape (capitalised, upper case, digits), add-one smoothed. Without examples the context
term is the same for every class and cancels. A span is kept when the winning label's softmax
share reaches the threshold (0.5: the label must beat the background and every other label
together).

The score a span carries is that share until there are annotated texts; then it is the share
Platt-scaled on them: every candidate of every annotated text is scored as if its own text had
not been learnt from (leave one text out), and a two-parameter logistic fit maps its share to
the chance that its label is right. On held-out tweets the calibrated scores track precision
(``benchmarks.zero_shot``, ``precision_by_score``); the bare shares of descriptions alone do not.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BACKGROUND = "\0background"
# generic words that are rarely what a label asks for; a description that names one of
# them takes it out of the background (a TIME label described as "a time" keeps "time")
BACKGROUND_WORDS = (
    "thing", "something", "anything", "everything", "nothing", "way", "lot", "part", "kind",
    "sort", "fact", "case", "point", "end", "use", "result", "example", "reason", "idea",
    "time", "moment", "today", "tomorrow", "yesterday", "tonight", "morning", "night",
    "week", "month", "year", "number", "amount", "level", "side", "top", "bit", "stuff",
    "problem", "question", "answer", "news", "update", "day", "life", "love", "fun", "game",
    "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Inc.", "Ltd.", "Co.", "Corp.", "etc.", "vs.",
    # the kinds of things a general pipeline finds; kept only when no label claims them
    "person", "people", "man", "woman", "child", "friend", "family", "patient", "doctor",
    "name", "organization", "company", "team", "group", "place", "country", "city", "state",
    "location", "building", "date", "percent", "money", "quantity", "nationality", "event",
    "language", "law", "product", "title",
)
# the spaCy pipeline's entity type of a candidate, as words embedded with its text: the
# static model knows little of rare names ("Smith", "Lisinopril"), the pipeline knows they
# are a PERSON or nothing it has a type for
ENT_GLOSSES = {
    "PERSON": "person", "NORP": "nationality", "FAC": "building", "ORG": "organization company",
    "GPE": "country city", "LOC": "location", "PRODUCT": "product", "EVENT": "event",
    "WORK_OF_ART": "title", "LAW": "law", "LANGUAGE": "language", "DATE": "date",
    "TIME": "time", "PERCENT": "percent", "MONEY": "money", "QUANTITY": "quantity",
    "ORDINAL": "number", "CARDINAL": "number",
}
# a description is split into the phrases it names at these words and marks
_SPLIT = re.compile(r"[,;:/()\[\]]|\b(?:such as|e\.g\.|for example|for instance|like|including|"
                    r"or|and|e\.g|i\.e\.?|etc\.?)\b", re.IGNORECASE)
_ARTICLES = re.compile(r"^(?:a|an|the|any|some|another|other)\s+", re.IGNORECASE)
_MAX_ITEM_WORDS = 4
# the shapes a candidate can have (see shape_of)
_SHAPES = ("title", "upper", "digit", "lower")


@dataclass(frozen=True)
class Candidate:
    """A phrase of a text that may be an entity, with the context the pipeline gave it."""

    start: int
    end: int
    text: str
    ent_type: str = ""
    shape: str = "lower"
    group: int = -1  # the annotated text it came from (examples and negatives), else -1


@dataclass
class Prototype:
    """One class's phrases: description items, and examples with the contexts they had."""

    phrases: list[str] = field(default_factory=list)
    examples: list[Candidate] = field(default_factory=list)
    contexts: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def n_examples(self) -> int:
        return len(self.examples)

    def add_example(self, candidate: Candidate) -> None:
        self.examples.append(candidate)
        self.contexts[(candidate.ent_type, candidate.shape)] += 1


def description_items(label: str, description: str) -> list[str]:
    """The phrases a label's description names: its name, its head noun and its examples.

    ``("DISEASE", "a disease or medical condition, such as asthma or cancer")`` ->
    ``["disease", "medical condition", "asthma", "cancer"]``. A whole long description is not
    kept: a sentence's average embedding is close to every generic word (that is how "Dr."
    became a SYMPTOM).
    """
    items = [label.replace("_", " ").replace("-", " ").strip().lower()]
    for part in _SPLIT.split(description):
        part = _ARTICLES.sub("", part.strip().strip(".").strip())
        if part and len(part.split()) <= _MAX_ITEM_WORDS:
            items.append(part)
    return list(dict.fromkeys(i for i in items if i))


def shape_of(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if any(c.isdigit() for c in text):
        return "digit"
    if letters and all(c.isupper() for c in letters) and len(letters) > 1:
        return "upper"
    words = [w for w in text.split() if w[:1].isalpha()]
    if words and all(w[0].isupper() for w in words):
        return "title"
    return "lower"


_STRIP_POS = frozenset({"DET", "PRON", "PUNCT", "CCONJ", "ADP", "PART", "SPACE"})


def _noise(token: Any) -> bool:
    """A token no entity starts or ends with: a link, an @-mention, a retweet mark, punctuation."""
    text = token.text
    return (token.like_url or token.like_email or text.startswith("@") or text == "RT"
            or token.is_punct or token.is_space)


def _trimmed(span: Any) -> Any | None:
    """``span`` without leading/trailing determiners, pronouns and punctuation (None if empty)."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].pos_ in _STRIP_POS or doc[start].is_stop or _noise(doc[start])):
        start += 1
    while end > start and (doc[end - 1].pos_ in _STRIP_POS or _noise(doc[end - 1])):
        end -= 1
    return doc[start:end] if end > start else None


def _kept(span: Any) -> bool:
    text = span.text
    if not any(c.isalpha() for c in text) or len(text) < 2:
        return False
    if all(t.is_stop or t.pos_ in ("PRON", "AUX", "VERB") for t in span):
        return False
    # a bare title or company suffix ("Dr.", "Inc.") is never an entity on its own
    return not (len(span) == 1 and text.endswith(".") and len(text) <= 5)


def candidates_of(doc: Any, sources: Sequence[str] = ("noun_chunks", "entities", "proper_nouns")) -> list[Candidate]:
    """Candidate phrases of a parsed spaCy ``doc``, each once, in text order."""
    spans: list[Any] = []
    if "noun_chunks" in sources and doc.has_annotation("DEP"):
        spans += list(doc.noun_chunks)
    if "entities" in sources:
        spans += list(doc.ents)
    if "proper_nouns" in sources:
        run: list[Any] = []
        for token in [*doc, None]:
            if token is not None and token.pos_ == "PROPN" and not _noise(token):
                run.append(token)
                continue
            if run:
                spans.append(doc[run[0].i:run[-1].i + 1])
            run = []
    found: dict[tuple[int, int], Candidate] = {}
    for span in spans:
        trimmed = _trimmed(span)
        if trimmed is None or not _kept(trimmed):
            continue
        key = (trimmed.start_char, trimmed.end_char)
        if key in found:
            continue
        ent = trimmed.root.ent_type_ or ""
        found[key] = Candidate(key[0], key[1], trimmed.text, ent, shape_of(trimmed.text))
    return [found[k] for k in sorted(found)]


def ngram_candidates(doc: Any, max_ngram: int) -> list[Candidate]:
    """Every n-gram of up to ``max_ngram`` tokens without punctuation or edge stop words."""
    out = []
    for i in range(len(doc)):
        for n in range(1, max_ngram + 1):
            span = doc[i:i + n]
            if len(span) < n or any(t.is_punct or t.is_space for t in span):
                break
            if span[0].is_stop or span[-1].is_stop or (n == 1 and span[-1].like_num):
                continue
            if _kept(span):
                out.append(Candidate(span.start_char, span.end_char, span.text,
                                     span.root.ent_type_ or "", shape_of(span.text)))
    return out


@dataclass
class Scorer:
    """Scores candidates against label prototypes and the background (see the module doc)."""

    prototypes: Mapping[str, Prototype]  # label -> prototype (BACKGROUND included)
    encode: Any  # texts -> unit-length numpy rows
    temperature: float = 0.05
    k: int = 3
    gloss_weight: float = 1.0
    nearest: float = 0.5
    # Platt scaling of the winning share, fitted on the annotated texts (see calibrate)
    calibration: tuple[float, float] | None = None
    _matrices: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _groups: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        import numpy as np

        for label, proto in self.prototypes.items():
            parts, groups = [], []
            phrases = list(dict.fromkeys(proto.phrases))
            if phrases:
                parts.append(self.encode(phrases))
                groups += [-1] * len(phrases)
            if proto.examples:
                parts.append(self.vectors(proto.examples))
                groups += [c.group for c in proto.examples]
            self._matrices[label] = np.vstack(parts) if parts else None
            self._groups[label] = np.asarray(groups, dtype=np.int64)

    def vectors(self, candidates: Sequence[Candidate]) -> Any:
        """Unit rows: each candidate's text embedding plus its entity type's gloss."""
        import numpy as np

        vectors = self.encode([c.text for c in candidates])
        glosses = [ENT_GLOSSES.get(c.ent_type, "") for c in candidates]
        typed = [i for i, g in enumerate(glosses) if g]
        if typed and self.gloss_weight:
            vectors = vectors.copy()
            vectors[typed] += self.gloss_weight * self.encode([glosses[i] for i in typed])
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        return vectors

    @property
    def classes(self) -> list[str]:
        return list(self.prototypes)

    def _context_logprob(self, label: str, candidate: Candidate, values: tuple[int, int],
                         leave_out: bool = False) -> float:
        """log P(entity type | class) + log P(shape | class), each add-one smoothed (the two are
        taken as independent: a drug name the pipeline once called a GPE is still capitalised).
        ``leave_out``: without the examples of the candidate's own text."""
        proto = self.prototypes[label]
        own = [c for c in proto.examples if c.group == candidate.group] if leave_out else []
        ents = sum(n for (e, _), n in proto.contexts.items() if e == candidate.ent_type)
        ents -= sum(c.ent_type == candidate.ent_type for c in own)
        shapes = sum(n for (_, s), n in proto.contexts.items() if s == candidate.shape)
        shapes -= sum(c.shape == candidate.shape for c in own)
        n = proto.n_examples - len(own)
        return math.log((ents + 1) / (n + values[0])) + math.log((shapes + 1) / (n + values[1]))

    def scores(self, candidates: Sequence[Candidate], *, leave_out: bool = False) -> Any:
        """A (candidates x classes) matrix of softmax shares, classes in :attr:`classes` order.

        ``leave_out``: score each candidate as if its own annotated text (its ``group``) had
        not been learnt from: for calibration on the annotated texts themselves."""
        import numpy as np

        if not candidates:
            return np.zeros((0, len(self.prototypes)))
        vectors = self.vectors(candidates)
        logits = np.full((len(candidates), len(self.prototypes)), -1e9, dtype=np.float64)
        learnt = any(p.n_examples for p in self.prototypes.values())
        seen: set[tuple[str, str]] = set()
        for proto in self.prototypes.values():
            seen.update(proto.contexts)
        # how many values each factor can take: those seen, plus one for any other
        values = (len({e for e, _ in seen}) + 1, len(_SHAPES))
        for j, label in enumerate(self.prototypes):
            matrix = self._matrices[label]
            if matrix is None:
                continue
            sims = vectors @ matrix.T
            if leave_out:
                own = np.asarray([c.group for c in candidates])[:, None]
                sims = np.where((own >= 0) & (self._groups[label][None, :] == own), -1.0, sims)
            k = min(self.k, sims.shape[1])
            top = np.sort(sims, axis=1)[:, -k:]
            # the nearest phrase counts half: a phrase the description names outright wins
            # even when the model places the label's other phrases far apart
            logits[:, j] = (self.nearest * top[:, -1] + (1 - self.nearest) * top.mean(axis=1)
                            ) / self.temperature
            if learnt:  # without examples the context term is the same for every class
                logits[:, j] += [self._context_logprob(label, c, values, leave_out)
                                 for c in candidates]
        logits -= logits.max(axis=1, keepdims=True)
        shares = np.exp(logits)
        return shares / shares.sum(axis=1, keepdims=True)


    def best(self, shares_row: Any) -> tuple[str, float]:
        """The best label (never the background) of one row of :meth:`scores` and its share."""
        classes = self.classes
        j = max((j for j, c in enumerate(classes) if c != BACKGROUND), key=lambda j: shares_row[j])
        return classes[j], float(shares_row[j])

    def calibrate(self, annotated: Sequence[tuple[Candidate, str | None]], *,
                  floor: float = 0.2, minimum: int = 20) -> tuple[float, float] | None:
        """Fit the Platt scaling of the winning share on the annotated texts' candidates, each
        with the label it has there (None: not an entity of these labels), scored leaving its
        own text out. Only candidates whose share reaches ``floor`` count (the region where
        spans are kept); with fewer than ``minimum`` of them, or no right or no wrong one,
        nothing is fitted and the share stays the score. Sets and returns (a, b)."""
        import numpy as np

        if not annotated:
            return None
        shares = self.scores([c for c, _ in annotated], leave_out=True)
        xs, ys = [], []
        for (_, gold), row in zip(annotated, shares, strict=True):
            label, share = self.best(row)
            if share >= floor:
                xs.append(_logit(share))
                ys.append(1.0 if label == gold else 0.0)
        if len(xs) < minimum or not 0 < sum(ys) < len(ys):
            return None
        self.calibration = _platt(np.asarray(xs), np.asarray(ys))
        return self.calibration

    def calibrated(self, share: float) -> float:
        """The score of a span: the Platt-scaled share once fitted, else the share itself."""
        if self.calibration is None:
            return share
        a, b = self.calibration
        return 1.0 / (1.0 + math.exp(-min(max(a * _logit(share) + b, -30.0), 30.0)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _platt(x: Any, y: Any, iterations: int = 100) -> tuple[float, float]:
    """Logistic regression of y on x (two parameters) by damped Newton steps, with Platt's
    smoothed targets and a light pull towards (1, 0), so that a small or separable sample
    gives a finite, sensible fit."""
    import numpy as np

    positives, negatives = float(y.sum()), float(len(y) - y.sum())
    target = np.where(y > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    ridge = 0.01 * len(x)

    def loss(a: float, b: float) -> float:
        z = np.clip(a * x + b, -30, 30)
        return float(np.sum(np.logaddexp(0, z) - target * z) + ridge / 2 * ((a - 1) ** 2 + b ** 2))

    a, b = 1.0, 0.0
    design = np.stack([x, np.ones_like(x)], axis=1)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(a * x + b, -30, 30)))
        gradient = design.T @ (p - target) + ridge * np.array([a - 1, b])
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        rate, before = 1.0, loss(a, b)
        while rate > 1e-4 and loss(a - rate * step[0], b - rate * step[1]) > before:
            rate /= 2
        a, b = a - rate * float(step[0]), b - rate * float(step[1])
        if rate * abs(step).max() < 1e-8:
            break
    return a, b


def build_prototypes(descriptions: Mapping[str, str],
                     examples: Mapping[str, Iterable[Candidate]] | None = None,
                     negatives: Iterable[Candidate] = ()) -> dict[str, Prototype]:
    """Label prototypes from descriptions and examples, plus the background prototype."""
    protos: dict[str, Prototype] = {}
    named: set[str] = set()
    for label, description in descriptions.items():
        items = description_items(label, description)
        protos[label] = Prototype(phrases=list(items))
        named.update(i.casefold() for i in items)
        for candidate in (examples or {}).get(label, ()):
            protos[label].add_example(candidate)
    claimed = {w.removesuffix("'s") for item in named for w in re.findall(r"[\w.']+", item)}
    claimed |= {w.removesuffix("s") for w in claimed}
    background = Prototype(phrases=[w for w in BACKGROUND_WORDS
                                    if w.casefold() not in claimed and w.casefold() not in named])
    for candidate in negatives:
        background.add_example(candidate)
    protos[BACKGROUND] = background
    return protos
