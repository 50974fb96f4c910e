"""A tiny German spaCy pipeline on disk (the `german` fixture in conftest registers it in the hub)."""

from __future__ import annotations

from pathlib import Path

GERMAN_LABELS = ("LOC", "PER")


def make_german_pipeline(folder: Path) -> Path:
    """spacy.blank("de") with an (untrained) ner pipe, written with nlp.to_disk."""
    import spacy

    nlp = spacy.blank("de")
    nlp.meta["name"] = "gate_tiny"
    ner = nlp.add_pipe("ner")
    for label in GERMAN_LABELS:
        ner.add_label(label)
    nlp.initialize()
    nlp.to_disk(folder)
    return folder
