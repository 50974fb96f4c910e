"""Plain inputs (JSONL, CSV/TSV, .txt, folders of PDFs/images, DataFrames) and bad inputs.

Every bad input gives an error naming the input (and the line, row or task), good items of
the same input are imported, and a failed import leaves a project's tasks as they were.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from formats_fixtures import DATA, new_project, snapshot
from PIL import Image

from preannotate_lab.formats import SOURCE_ID_KEY, TaskImportError, import_dataframe, import_path
from preannotate_lab.formats.errors import ImportReport
from preannotate_lab.formats.importing import store_parsed
from preannotate_lab.formats.parsed import ParsedTask
from preannotate_lab.model import Task
from preannotate_lab.store import Project


@pytest.fixture
def ner_project(tmp_path: Path):
    """A project with the Label Studio NER fixture's config."""
    project = new_project(tmp_path, "labelstudio_ner.xml", "ner")
    yield project
    project.close()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "p.sqlite")
    yield p
    p.close()


@pytest.fixture
def seeded(ner_project) -> Project:
    """A project that already holds tasks, predictions and completions."""
    import_path(ner_project, DATA / "labelstudio_ner.json")
    return ner_project


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_takes_flat_records_and_label_studio_tasks(project, tmp_path):
    path = write(tmp_path / "tasks.jsonl", "\n".join([
        json.dumps({"text": "First note.", "id": "n1", "ward": 3}),
        "",
        json.dumps({"data": {"text": "Second note."}, "predictions": [
            {"model_version": "m1", "result": [{"id": "s", "type": "labels", "from_name": "label",
                                                "to_name": "text", "value": {"start": 0, "end": 6, "labels": ["X"]}}]}]}),
    ]) + "\n")
    report = import_path(project, path)
    assert report.ok and report.n_tasks == 2 and report.n_predictions == 1
    first, second = project.iter_tasks()
    assert first.data == {"text": "First note.", "ward": 3, SOURCE_ID_KEY: "n1"}
    assert project.latest_prediction(second.id).results[0].text == "Second"


def test_csv_and_tsv_columns_become_data(project, tmp_path):
    write(tmp_path / "a.csv", 'id,text,source\n1,"Hello, world",web\n2,"Line one\nline two",mail\n')
    write(tmp_path / "b.tsv", "body\tlang\nBonjour\tfr\n")
    report = import_path(project, [tmp_path / "a.csv"])
    assert report.ok and report.n_tasks == 2
    texts = [t.data for t in project.iter_tasks()]
    assert texts[0] == {"text": "Hello, world", "source": "web", SOURCE_ID_KEY: "1"}
    assert texts[1]["text"] == "Line one\nline two"
    import_path(project, tmp_path / "b.tsv", text_column="body")
    assert list(project.iter_tasks())[-1].data == {"text": "Bonjour", "lang": "fr"}


def test_folder_of_txt_pdf_and_images(project, tmp_path):
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    write(folder / "note.txt", "A short clinical note.")
    Image.new("RGB", (60, 40), "white").save(folder / "scan.png")
    Image.new("RGB", (60, 40), "white").save(folder / "sub" / "letter.pdf")
    write(folder / "readme.md", "# not imported")
    write(folder / ".hidden.txt", "skipped")
    report = import_path(project, folder)
    assert report.ok and report.n_tasks == 3
    assert any("readme.md" in w for w in report.warnings)
    tasks = {t.title: t for t in project.iter_tasks()}
    assert set(tasks) == {"note.txt", "scan.png", "letter.pdf"}
    assert tasks["note.txt"].kind == "text" and tasks["note.txt"].text == "A short clinical note."
    pdf = tasks["letter.pdf"]
    assert pdf.kind == "document" and Path(pdf.data["document"]).is_absolute()
    assert Path(pdf.data["document"]) == (folder / "sub" / "letter.pdf").resolve()


def test_dataframe_rows_become_tasks_and_bad_rows_are_reported(project):
    df = pd.DataFrame({"id": [10, 11, 12], "text": ["One.", None, "Three."], "score": [0.5, float("nan"), 2.0]})
    report = import_dataframe(project, df)
    assert report.n_tasks == 2
    assert [(e.input, e.position) for e in report.errors] == [("DataFrame", "row 1")]
    assert "no text" in report.errors[0].message
    first, second = project.iter_tasks()
    assert first.data == {"text": "One.", "score": 0.5, SOURCE_ID_KEY: "10"}
    assert "score" in second.data and isinstance(second.data[SOURCE_ID_KEY], str)
    with pytest.raises(TaskImportError, match="no 'text' column"):
        import_dataframe(project, pd.DataFrame({"body": ["x"]}))


# -- bad inputs ---------------------------------------------------------------------------

def zip_named(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tasks.json", "[]")
    return path


@pytest.mark.parametrize("name, make, message", [
    ("broken.json", lambda p: write(p, '[{"data": {"text": "a"}},\n {"data": }]'),
     r"broken.json is not valid JSON at line 2, column 11"),
    ("archive.json", zip_named, r"archive.json is a zip archive"),
    ("paper.json", lambda p: write(p, b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"), r"paper.json is a PDF"),
    ("fake.pdf", lambda p: write(p, "just text"), r"fake.pdf is not a PDF"),
    ("fake.png", lambda p: write(p, "not an image"), r"fake.png is not a PNG image"),
    ("empty.json", lambda p: write(p, ""), r"empty.json is empty"),
    ("object.json", lambda p: write(p, '{"text": "x"}'), r"object.json holds a JSON object without 'data'"),
    ("lines.jsonl", lambda p: write(p, '{"text": "a"}\n{"text": \n'), r"lines.jsonl is not valid JSON Lines at line 2"),
    ("latin.txt", lambda p: write(p, "caf\xe9 cr\xe8me".encode("latin-1")), r"latin.txt is not UTF-8 text: byte 0xe9 at line 1"),
    ("quote.csv", lambda p: write(p, 'text\n"a"b\n'), r"quote.csv is not valid CSV at line 2"),
    ("notext.csv", lambda p: write(p, "body,lang\nx,en\n"), r"notext.csv has no 'text' column \(columns: body, lang\)"),
    ("data.xml", lambda p: write(p, "<a/>"), r"data.xml: cannot tell the format"),
])
def test_a_bad_file_raises_naming_it_and_changes_nothing(seeded, tmp_path, name, make, message):
    before = snapshot(seeded)
    path = make(tmp_path / name)
    with pytest.raises(TaskImportError, match=message):
        import_path(seeded, path)
    assert snapshot(seeded) == before


def test_a_bad_file_among_several_imports_nothing_at_all(seeded, tmp_path):
    good = write(tmp_path / "good.jsonl", '{"text": "fine"}\n')
    bad = write(tmp_path / "bad.json", "[{")
    before = snapshot(seeded)
    with pytest.raises(TaskImportError, match="bad.json"):
        import_path(seeded, [good, bad])
    assert snapshot(seeded) == before


def test_missing_path_is_named(project, tmp_path):
    with pytest.raises(TaskImportError, match="no file or folder at .*nowhere.json"):
        import_path(project, tmp_path / "nowhere.json")


def test_bad_items_are_reported_and_good_ones_imported(seeded, tmp_path):
    tasks = [
        {"id": "ok", "data": {"text": "Paris is in France."}},
        {"id": "empty", "data": {"title": "no text here"}},
        {"id": "badlabel", "data": {"text": "Rome is in Italy."}, "annotations": [{"result": [
            {"id": "r", "type": "labels", "from_name": "label", "to_name": "text",
             "value": {"start": 0, "end": 4, "labels": ["CITY"]}}]}]},
        {"id": "badspan", "data": {"text": "Oslo."}, "predictions": [{"model_version": "m", "result": [
            {"id": "r", "type": "labels", "value": {"start": 0, "end": 50, "labels": ["LOC"]}}]}]},
        "not a task",
    ]
    path = write(tmp_path / "mixed.json", json.dumps(tasks))
    count = seeded.count_tasks()
    report = import_path(seeded, path)
    assert report.n_tasks == 1 and seeded.count_tasks() == count + 1
    errors = {e.position: e for e in report.errors}
    assert set(errors) == {"task #1", "task #2", "task #3", "task #4"}
    assert all(e.input == "mixed.json" for e in report.errors)
    assert "has no text" in errors["task #1"].message
    label_error = errors["task #2"].message
    assert "'CITY'" in label_error and "(its span labels: LOC, ORG, PER)" in label_error
    assert "past the end of the text" in errors["task #3"].message
    assert "mixed.json, task #2" in report.summary()


def test_csv_rows_with_wrong_field_counts_or_empty_text_are_reported(project, tmp_path):
    path = write(tmp_path / "rows.csv", "text,lang\nfine,en\ntoo,many,fields\n,en\nalso fine,de\n")
    report = import_path(project, path)
    assert report.n_tasks == 2
    assert [(e.position, e.message) for e in report.errors] == [
        ("line 3", "has 3 fields, the header has 2"), ("line 4", "has an empty text"),
    ]


def test_undecodable_file_in_a_folder_is_an_item_error(project, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    write(folder / "good.txt", "fine")
    write(folder / "bad.txt", b"\xff\xfe\x00bad")
    write(folder / "broken.pdf", "no pdf")
    report = import_path(project, folder)
    assert report.n_tasks == 1
    assert {e.position for e in report.errors} == {"bad.txt", "broken.pdf"}
    assert all(e.input == "notes" for e in report.errors)


def test_a_failing_write_rolls_back_everything_including_overwrites(seeded):
    before = snapshot(seeded)
    good = ParsedTask(task=Task(data={"text": "new", SOURCE_ID_KEY: "101"}), position="row 0")
    # a text task without text passes no reader, but if one got through the store refuses it
    bad = ParsedTask(task=Task(data={"title": "x"}), position="row 1")
    with pytest.raises(TaskImportError, match="nothing was imported"):
        store_parsed(seeded, [("x.json", good), ("x.json", bad)], ImportReport(inputs=["x.json"]),
                     on_duplicate="overwrite")
    assert snapshot(seeded) == before
    assert seeded.deletions() == []


def test_jsonl_errors_name_the_real_line_number(project, tmp_path):
    path = write(tmp_path / "gaps.jsonl", '{"text": "one"}\n\n{"title": "no text"}\n{"text": "four"}\n')
    report = import_path(project, path)
    assert report.n_tasks == 2
    assert [(e.input, e.position) for e in report.errors] == [("gaps.jsonl", "line 3")]


def test_csv_cells_longer_than_the_csv_default_limit_import(project, tmp_path):
    long_text = "word " * 60_000  # 300 KB in one cell; the csv module refuses > 128 KB by default
    path = write(tmp_path / "long.csv", f'text\n"{long_text}"\n')
    report = import_path(project, path)
    assert report.ok and next(project.iter_tasks()).text == long_text


def test_txt_task_keeps_its_file_name_title_through_export_and_import(project, tmp_path):
    from preannotate_lab.formats import export_project

    import_path(project, write(tmp_path / "visit-12.txt", "Seen today for a cough."))
    out = tmp_path / "out.json"
    export_project(project, "labelstudio", out)
    again = Project.create(tmp_path / "again.sqlite")
    import_path(again, out)
    (task,) = again.iter_tasks()
    assert (task.title, task.text) == ("visit-12.txt", "Seen today for a cough.")
    # the same file imported twice is a duplicate (its source id is its absolute path)
    assert import_path(project, tmp_path / "visit-12.txt").skipped_duplicates == [
        str((tmp_path / "visit-12.txt").resolve())]
