"""CoNLL and DocBin exports read by spaCy's own tools: `spacy convert` and DocBin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from preannotate_lab.formats import SOURCE_ID_KEY, export_project
from preannotate_lab.model import Completion, Span, Task
from preannotate_lab.store import Project

# (text, entities as (text, label)); one has two paragraphs, so two CoNLL sentences
TEXTS = [
    ("Angela Merkel visited Paris in May.", [("Angela Merkel", "PER"), ("Paris", "LOC")]),
    ("Apple opened a store in New York City.\n\nTim Cook spoke there.",
     [("Apple", "ORG"), ("New York City", "LOC"), ("Tim Cook", "PER")]),
    ("Nothing to see here.", []),
    ("The European Union met in Brussels on Monday.", [("European Union", "ORG"), ("Brussels", "LOC")]),
    ("Berlin is big.", [("Berlin", "LOC")]),
]


def _spans(text: str, entities: list[tuple[str, str]]) -> list[Span]:
    spans, at = [], 0
    for ent, label in entities:
        start = text.index(ent, at)
        spans.append(Span(start, start + len(ent), label, ent))
        at = start + len(ent)
    return spans


@pytest.fixture
def project(tmp_path: Path):
    with Project.create(tmp_path / "p.sqlite") as project:
        # the first task came from a file where it had the id "doc-0"; the others had none
        ids = project.add_tasks([Task(data={"text": text, **({SOURCE_ID_KEY: "doc-0"} if i == 0 else {})})
                                 for i, (text, _) in enumerate(TEXTS)])
        for tid, (text, entities) in zip(ids, TEXTS, strict=True):
            project.add_completion(Completion(task_id=tid, results=_spans(text, entities)))
        yield project


def test_spacy_convert_reads_one_doc_per_task_with_its_entities(project, tmp_path):
    out = tmp_path / "train.conll"
    report = export_project(project, "conll", out)
    assert report.n_tasks == len(TEXTS)
    converted = tmp_path / "converted"
    converted.mkdir()
    # spaCy's own converter, as a user runs it; -n 1 would group every sentence into a doc
    # of its own if it did not find the document separators
    run = subprocess.run(
        [sys.executable, "-m", "spacy", "convert", str(out), str(converted), "--converter", "ner", "-n", "1"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    docs = list(DocBin().from_disk(converted / "train.spacy").get_docs(spacy.blank("en").vocab))
    assert len(docs) == len(TEXTS)
    for doc, (_, entities) in zip(docs, TEXTS, strict=True):
        assert [(e.text, e.label_) for e in doc.ents] == entities
    # the two paragraphs of the second task stay one document with two sentences
    assert len(list(docs[1].sents)) == 2


def test_docbin_docs_carry_their_task_and_source_id(project, tmp_path):
    out = tmp_path / "train.spacy"
    export_project(project, "spacy", out)
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    task_ids = [t.id for t in project.iter_tasks()]
    assert [d.user_data["task_id"] for d in docs] == task_ids
    assert [d.user_data["source_id"] for d in docs] == ["doc-0", None, None, None, None]
    assert [[(e.text, e.label_) for e in d.ents] for d in docs] == [e for _, e in TEXTS]
