"""Exports: CoNLL-2003, spaCy DocBin, JSONL, DataFrames, and export errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from formats_fixtures import DATA, new_project
from spacy.tokens import DocBin

from preannotate_lab.formats import ExportError, export_project, import_path, to_dataframe
from preannotate_lab.formats.conll import bio_lines
from preannotate_lab.model import Choice, Completion, Span, Task
from preannotate_lab.store import Project


@pytest.fixture
def ner_project(tmp_path: Path):
    """A project with the Label Studio NER fixture's config."""
    project = new_project(tmp_path, "labelstudio_ner.xml", "ner")
    yield project
    project.close()


@pytest.fixture
def imported(ner_project) -> Project:
    import_path(ner_project, DATA / "labelstudio_ner.json")
    return ner_project


def test_bio_lines_tag_tokens_and_report_overlaps():
    nlp = spacy.blank("en")
    text = "New York City is big.\n\nParis too."
    spans = [Span(0, 13, "GPE", "New York City"), Span(4, 8, "GPE", "York"), Span(23, 28, "GPE", "Paris")]
    lines, notes = bio_lines(text, spans, nlp)
    assert lines[:4] == ["New -X- _ B-GPE", "York -X- _ I-GPE", "City -X- _ I-GPE", "is -X- _ O"]
    assert "" in lines  # the blank line in the text ends a sentence
    assert lines[lines.index("") + 1] == "Paris -X- _ B-GPE"
    assert len(notes) == 1 and "'GPE' [4, 8)" in notes[0]


def test_conll_uses_ground_truth_first_then_latest_completion(imported, tmp_path):
    out = tmp_path / "train.conll"
    report = export_project(imported, "conll", out)
    assert report.n_tasks == 2
    docs = out.read_text().split("-DOCSTART- -X- O O\n\n")[1:]
    first = docs[0].splitlines()
    assert first[:2] == ["Angela -X- _ B-PER", "Merkel -X- _ I-PER"]
    assert "European -X- _ B-ORG" in first and "Union -X- _ I-ORG" in first
    # task 102 has no ground truth; its latest completion (by 12) has no 'Tim Cook'
    assert "Tim -X- _ O" in docs[1].splitlines()
    from_predictions = tmp_path / "pred.conll"
    report = export_project(imported, "conll", from_predictions, source="predictions")
    assert report.n_tasks == 1 and report.n_skipped == 1
    assert "Berlin -X- _ B-LOC" in from_predictions.read_text()


def test_docbin_holds_ents_and_cats(imported, tmp_path):
    out = tmp_path / "train.spacy"
    report = export_project(imported, "spacy", out)
    assert report.n_tasks == 2 and report.path == str(out)
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("Angela Merkel", "PER"), ("Emmanuel Macron", "PER"), ("Berlin", "LOC"), ("European Union", "ORG")]
    # the config's non-per-region choices become cats; the per-region role does not
    assert docs[0].cats == {"Negative": 0.0, "Neutral": 1.0, "Positive": 0.0}
    assert [e.text for e in docs[1].ents] == ["Apple", "Cupertino"]


def test_docbin_expands_partial_tokens_and_skips_overlaps(tmp_path):
    project = Project.create(tmp_path / "p.sqlite")
    (tid,) = project.add_tasks([Task(data={"text": "Barack Obama visited Chicago."})])
    project.add_completion(Completion(task_id=tid, results=[
        Span(0, 9, "PER", "Barack Ob"), Span(7, 12, "PER", "Obama"), Span(21, 28, "GPE", "Chicago"),
        Choice(labels=("travel",)),
    ]))
    report = export_project(project, "spacy", tmp_path / "out.spacy")
    (doc,) = DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("en").vocab)
    assert [(e.text, e.label_) for e in doc.ents] == [("Barack Obama", "PER"), ("Chicago", "GPE")]
    assert doc.cats == {"travel": 1.0}
    assert len(report.notes) == 1 and "overlaps" in report.notes[0]


def test_jsonl_export_is_one_task_per_line_and_imports_back(imported, tmp_path):
    out = tmp_path / "tasks.jsonl"
    export_project(imported, "jsonl", out)
    lines = out.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [101, 102]
    again = Project.create(tmp_path / "again.sqlite")
    report = import_path(again, out)
    assert report.ok and (report.n_tasks, report.n_predictions, report.n_completions) == (2, 1, 3)


def test_dataframes_per_task_and_per_span(imported):
    tasks = to_dataframe(imported)
    assert list(tasks["source_id"]) == ["101", "102"]
    assert list(tasks["n_predictions"]) == [1, 0] and list(tasks["n_completions"]) == [1, 2]
    assert list(tasks["ground_truth"]) == [True, False]
    spans = to_dataframe(imported, kind="spans")
    assert len(spans) == 3 + 4 + 3 + 2
    preds = spans[spans["source"] == "prediction"]
    assert list(preds["confidence"]) == [0.99, 0.97, 0.91]
    assert set(spans[spans["source"] == "completion"]["by"]) == {"10", "ann@example.org", "12"}
    with pytest.raises(ValueError, match="kind"):
        to_dataframe(imported, kind="rows")


def test_export_errors_name_the_problem(imported, tmp_path):
    with pytest.raises(ExportError, match="unknown export format 'xml'"):
        export_project(imported, "xml", tmp_path / "x.xml")
    with pytest.raises(ExportError, match="does not exist"):
        export_project(imported, "labelstudio", tmp_path / "missing" / "x.json")
    assert not (tmp_path / "missing").exists()


def _scan(path: Path) -> Path:
    """A real page image with two printed lines, for tesseract."""
    from PIL import Image, ImageDraw, ImageFont

    try:  # Pillow finds a font by file name in the system's font folders
        font = ImageFont.truetype("DejaVuSans.ttf", 48)
    except OSError:
        font = ImageFont.load_default(size=48)
    image = Image.new("RGB", (1200, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.text((60, 80), "Invoice number 20231", fill="black", font=font)
    draw.text((60, 220), "Total due 1250 dollars", fill="black", font=font)
    image.save(path)
    return path


@pytest.mark.slow
def test_token_level_visual_export_writes_one_rectangle_per_word(tmp_path):
    from preannotate_lab.documents import document_for
    from preannotate_lab.ocr.chunks import merge_span_boxes

    project = Project.create(tmp_path / "v.sqlite")
    import_path(project, _scan(tmp_path / "scan.png"))
    (task,) = project.iter_tasks()
    document = document_for(task)
    start = document.text.index("Invoice")
    end = document.text.index("number") + len("number")
    span = merge_span_boxes(document, Span(start, end, "Label", document.text[start:end]))
    assert len(span.boxes) == 1  # one line
    project.add_completion(Completion(task_id=task.id, results=[span]))

    lines, words = tmp_path / "lines.json", tmp_path / "words.json"
    export_project(project, "labelstudio", lines)
    export_project(project, "labelstudio", words, token_level=True)
    by_line = json.loads(lines.read_text())[0]["annotations"][0]["result"]
    by_word = json.loads(words.read_text())[0]["annotations"][0]["result"]
    assert len(by_line) == 1 and len(by_word) == 2
    assert by_word[1]["parentID"] == by_word[0]["id"] == span.id
    # each word box lies inside the line box
    line = by_line[0]["value"]
    for word in by_word:
        v = word["value"]
        assert line["x"] - 1e-6 <= v["x"] and v["x"] + v["width"] <= line["x"] + line["width"] + 1e-6
    again = Project.create(tmp_path / "again.sqlite")
    import_path(again, words)
    (completion,) = again.completions(next(again.iter_tasks()).id)
    (restored,) = completion.results
    assert (restored.start, restored.end, len(restored.boxes)) == (start, end, 2)
