"""Spans onto tokens (one rule for CoNLL, DocBin, training) and strict JSON (no NaN) out."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
import spacy
from formats_fixtures import new_project
from spacy.tokens import DocBin

from preannotate_lab.formats import ExportError, export_project
from preannotate_lab.formats.align import align_spans
from preannotate_lab.formats.conll import bio_lines
from preannotate_lab.model import Box, Completion, Span, Task
from preannotate_lab.store.errors import InvalidRecordError

TEXT = "Call abcdef now"
SHARED = [Span(5, 8, "A", "abc"), Span(8, 11, "B", "def")]  # both expand onto "abcdef"


@pytest.fixture
def project(tmp_path: Path):
    project = new_project(tmp_path)
    yield project
    project.close()


def test_align_spans_leaves_out_a_span_that_shares_a_token():
    doc = spacy.blank("en").make_doc(TEXT)
    chunks, notes = align_spans(doc, SHARED)
    assert [(c.text, c.label_) for c in chunks] == [("abcdef", "A")]
    assert len(notes) == 1 and "'B' [8, 11)" in notes[0] and "'abcdef'" in notes[0]


def test_conll_never_gives_one_token_two_labels():
    lines, notes = bio_lines(TEXT, SHARED, spacy.blank("en"))
    assert lines == ["Call -X- _ O", "abcdef -X- _ B-A", "now -X- _ O"]
    assert any("shares the token" in n for n in notes)


def test_conll_and_docbin_exports_agree_and_report_it(project, tmp_path: Path):
    [tid] = project.add_tasks([Task({"text": TEXT})])
    project.add_completion(Completion(task_id=tid, results=list(SHARED)))
    conll = export_project(project, "conll", tmp_path / "out.conll")
    docbin = export_project(project, "spacy", tmp_path / "out.spacy")
    for report in (conll, docbin):
        assert len(report.notes) == 1 and "'B' [8, 11)" in report.notes[0]
    text = (tmp_path / "out.conll").read_text("utf-8")
    assert "abcdef -X- _ B-A" in text and "B-B" not in text
    [doc] = DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("en").vocab)
    assert [(e.text, e.label_) for e in doc.ents] == [("abcdef", "A")]


def test_training_data_reports_the_same_note(project):
    from preannotate_lab.training.data import collect

    [tid] = project.add_tasks([Task({"text": TEXT})])
    project.add_completion(Completion(task_id=tid, results=list(SHARED)))
    data = collect(project, "ner", dev_fraction=0.0)
    assert data.label_counts == {"A": 1}
    assert any("task " in n and "shares the token" in n for n in data.notes)


def _nan_box() -> Box:
    return Box(page=0, x=math.nan, y=1, width=1, height=1, page_width=10, page_height=10)


def test_store_refuses_nan_in_results_and_task_data(project):
    [tid] = project.add_tasks([Task({"text": "Hello"})])
    with pytest.raises(InvalidRecordError, match=r"completion of task \d+.*JSON"):
        project.add_completion(Completion(task_id=tid, results=[Span(0, 5, "A", "Hello", boxes=(_nan_box(),))]))
    with pytest.raises(InvalidRecordError, match="cannot be stored as JSON"):
        project.add_tasks([Task({"text": "x", "score": math.inf})])
    assert project.completions(tid) == [] and project.count_tasks() == 1


@pytest.mark.parametrize("fmt", ["labelstudio", "jsonl"])
def test_export_refuses_nan_left_by_an_older_file(project, tmp_path: Path, fmt: str):
    [tid] = project.add_tasks([Task({"text": "Hello"})])
    box = Box(page=0, x=1, y=1, width=1, height=1, page_width=10, page_height=10)
    project.add_completion(Completion(task_id=tid, results=[Span(0, 5, "A", "Hello", boxes=(box,))]))
    with sqlite3.connect(project.path) as conn:  # as a project written before NaN was refused
        [(raw,)] = conn.execute("SELECT results FROM completions").fetchall()
        results = json.loads(raw)
        results[0]["boxes"][0]["x"] = math.nan
        conn.execute("UPDATE completions SET results = ?", (json.dumps(results),))
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(ExportError, match=r"task .*NaN or infinite"):
        export_project(project, fmt, target)
    assert not target.exists() and not list(tmp_path.glob("out.*"))
