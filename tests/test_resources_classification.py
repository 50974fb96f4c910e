"""Classification resources: a real trained spaCy textcat, keyword rules, zero-shot embeddings."""

from __future__ import annotations

import json
import random
from importlib.resources import files
from pathlib import Path

import pytest

from preannotate_lab.model import Choice, Document
from preannotate_lab.resources import Hub, ResourceError

SPORTS = ["Serena Williams won her first match at Wimbledon.", "The team scored twice in the final.",
          "The striker signed a contract with the football club.", "He won the tennis match in straight sets.",
          "The coach praised the players after the game.", "The league suspended the match after rain."]
MONEY = ["Microsoft shares rose after strong revenue.", "The bank cut its growth forecast.",
         "Investors sold stocks as interest rates rose.", "The company reported quarterly profit.",
         "Markets fell as oil prices jumped.", "The firm agreed to buy a startup for $1 billion."]


def sample_texts() -> list[str]:
    path = Path(str(files("preannotate_lab") / "data" / "sample_tasks.jsonl"))
    return [json.loads(line)["data"]["text"] for line in path.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def textcat_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Train a small real spaCy text classifier (a few seconds) and save it like `spacy train`."""
    import spacy
    from spacy.training import Example

    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("textcat").add_label("SPORTS")
    nlp.get_pipe("textcat").add_label("BUSINESS")
    data = [(t, {"SPORTS": 1.0, "BUSINESS": 0.0}) for t in SPORTS]
    data += [(t, {"SPORTS": 0.0, "BUSINESS": 1.0}) for t in MONEY]
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": c}) for t, c in data]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(40):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer)
    folder = tmp_path_factory.mktemp("textcat") / "model-best"
    nlp.to_disk(folder)
    return folder


def test_spacy_textcat_found_from_folder_and_scores(textcat_folder: Path, tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    info = hub.add_model_path(textcat_folder)
    assert info.kind == "classification" and set(info.labels) == {"SPORTS", "BUSINESS"}
    res = hub.load(info.name)
    outs = list(res.pipe([(Document("The team won the match."), ()),
                          (Document("Investors sold shares as the bank cut its profit forecast."), ())]))
    assert [o[0].labels for o in outs] == [("SPORTS",), ("BUSINESS",)]
    import spacy

    direct = spacy.load(textcat_folder)("The team won the match.").cats
    assert outs[0][0].confidence == pytest.approx(direct["SPORTS"], abs=1e-4)
    assert outs[0][0].source == info.name
    both = hub.load(info.name, config={"top_k": 2})(Document("The team won the match."))
    assert both[0].labels == ("SPORTS", "BUSINESS")
    best = max(spacy.load(textcat_folder)("A quiet day.").cats.values())
    assert hub.load(info.name, config={"threshold": best - 1e-3})(Document("A quiet day."))
    assert hub.load(info.name, config={"threshold": best + 1e-3})(Document("A quiet day.")) == []


def test_keyword_classifier(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    spec = {"name": "news-topic", "factory": "keyword_classifier",
            "config": {"keywords": {"sports": ["match", "won", "contract"],
                                    "economy": ["billion", "shares", "rates", "profit"]}}}
    hub.add(spec)
    res = hub.load("news-topic")
    texts = sample_texts()
    outs = list(res.pipe((Document(t), ()) for t in texts))
    by_text = dict(zip(texts, outs, strict=True))
    serena = next(t for t in texts if t.startswith("Serena"))
    microsoft = next(t for t in texts if t.startswith("Microsoft"))
    assert by_text[serena] == [Choice(("sports",), confidence=1.0, source="news-topic")]
    assert by_text[microsoft][0].labels == ("economy",)
    assert any(o == [] for o in outs)  # no keyword, no choice
    with pytest.raises(ResourceError, match="already exists"):
        hub.add(spec)
    with pytest.raises(ResourceError, match="keywords"):
        hub.add({"name": "bad", "factory": "keyword_classifier", "config": {"keywords": []}})


def test_zero_shot_by_label_descriptions(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    res = hub.build("zero_shot_classification", {
        "labels": {"sports": "sports, football, a match, a team",
                   "business": "business, companies, money, markets, shares"},
        "top_k": 1}, name="topic")
    texts = ["Serena Williams won her first match at Wimbledon since 2019.",
             "Microsoft shares rose 4 percent after the company reported quarterly revenue.",
             "Amazon agreed to buy MGM Holdings for $8.45 billion."]
    outs = list(res.pipe([(Document(t), ()) for t in texts]))
    assert [o[0].labels for o in outs] == [("sports",), ("business",), ("business",)]
    assert all(0 < o[0].confidence <= 1 for o in outs)
    high = hub.build("zero_shot_classification", {"labels": ["sports", "business"],
                                                  "threshold": 0.99})
    assert high(Document(texts[0])) == []
    assert res.fingerprint() != high.fingerprint()
