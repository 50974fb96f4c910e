"""Importing at scale: streamed CSV/JSONL reading, and duplicate checks through the index.

The readers go through a file a line at a time; these tests pin down what streaming must
keep from whole-file reading (BOM, CRLF, quoted newlines, exact line numbers of errors,
nothing stored on a bad file) and that a large CSV is not held as copies of its text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from formats_fixtures import snapshot

from preannotate_lab.formats import TaskImportError, import_path
from preannotate_lab.model import Task
from preannotate_lab.store import Project


@pytest.fixture
def project(tmp_path: Path):
    p = Project.create(tmp_path / "p.sqlite")
    yield p
    p.close()


def test_csv_with_bom_crlf_and_a_quoted_multiline_cell(project, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_bytes(
        "\ufeffid,text,lang\r\n"
        'a1,"first line\r\nsecond line",en\r\n'
        "\r\n"
        'a2,"Caf\u00e9, cr\u00e8me",fr\r\n'
        "a3,too,many,fields\r\n".encode("utf-8")
    )
    report = import_path(project, path)
    tasks = list(project.iter_tasks())
    assert [t.data for t in tasks] == [
        {"_source_id": "a1", "text": "first line\r\nsecond line", "lang": "en"},
        {"_source_id": "a2", "text": "Caf\u00e9, cr\u00e8me", "lang": "fr"},
    ]
    # positions are physical lines: a1 spans lines 2-3, the blank line is 4, a3 is line 6
    assert [(e.position, e.message) for e in report.errors] == [
        ("line 6", "has 4 fields, the header has 3")
    ]


def test_jsonl_line_separator_inside_a_string_is_text(project, tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [{"id": 1, "text": "para one\u2028para two\u2029end\x85."}, {"id": 2, "text": "b"}]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    report = import_path(project, path)
    assert report.errors == [] and len(report.task_ids) == 2
    assert project.get_task(report.task_ids[0]).data["text"] == lines[0]["text"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_bad_byte_far_into_a_streamed_file_names_its_line_and_stores_nothing(project, tmp_path, suffix):
    project.add_tasks([Task({"text": "already here", "_source_id": "old"})])
    before = snapshot(project)
    good = [json.dumps({"id": i, "text": f"row {i} " + "x" * 40}) for i in range(3000)]
    if suffix == ".csv":
        good = ["id,text"] + [f"{i},row {i} {'x' * 40}" for i in range(3000)]
    head = ("\n".join(good) + "\n").encode("utf-8")
    bad = ('{"text": "caf' if suffix == ".jsonl" else "9999,caf").encode() + b"\xe9" + b'"}\n'
    path = tmp_path / f"big{suffix}"
    path.write_bytes(head + bad + head)  # the bad byte lies well past the first read buffer
    line = len(good) + 1
    with pytest.raises(TaskImportError, match=rf"big\{suffix} is not UTF-8 text: byte 0xe9 at line {line} "
                                           rf"\(offset {len(head) + len(bad) - 4}\)"):
        import_path(project, path)
    assert snapshot(project) == before


def test_import_skips_and_overwrites_duplicates_among_many_stored_tasks(project, tmp_path):
    project.add_tasks([Task({"text": f"stored {i}", "_source_id": str(i)}) for i in range(20_000)])
    project.add_tasks([Task({"text": "int id", "_source_id": 20_000})])
    path = tmp_path / "new.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": f"new {i}"}) + "\n"
                            for i in range(19_998, 20_003)), encoding="utf-8")
    report = import_path(project, path)
    assert report.skipped_duplicates == ["19998", "19999", "20000"]
    assert [project.get_task(i).data["text"] for i in report.task_ids] == ["new 20001", "new 20002"]
    again = import_path(project, path, on_duplicate="overwrite")
    assert again.overwritten == ["19998", "19999", "20000", "20001", "20002"]
    assert project.count_tasks() == 20_003
    assert again.task_ids == [] and len(again.updated_task_ids) == 5
    assert project.task_ids_by_source_id(["19999", "20000"]) == {
        "19999": [again.updated_task_ids[1]], "20000": [again.updated_task_ids[2]],
    }
    assert project.get_task(again.updated_task_ids[1]).data["text"] == "new 19999"


READ_LARGE_CSV = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from preannotate_lab.formats.importing import read_path
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tasks, errors, _ = read_path(Path(sys.argv[1]))
    assert len(tasks) == int(sys.argv[2]) and not errors, (len(tasks), errors[:3])
    # ru_maxrss is in KiB on Linux
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
""")


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units differ by platform")
def test_reading_a_large_csv_does_not_hold_copies_of_its_text(tmp_path):
    rows = 20_000
    path = tmp_path / "large.csv"
    cell = "Apple opened an office in London. " * 60  # ~2 KB a row, ~40 MB in all
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("id,text\n")
        fh.writelines(f"r{i},{cell}{i}\n" for i in range(rows))
    size = path.stat().st_size
    done = subprocess.run([sys.executable, "-c", READ_LARGE_CSV, str(path), str(rows)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    growth = int(done.stdout.strip())
    # the parsed rows themselves are about 1.3x the file; reading it whole as bytes, as a
    # str and as a StringIO (4 bytes a character) came to more than 6x
    assert growth < 2.5 * size, f"reading {size / 1e6:.0f} MB grew the process by {growth / 1e6:.0f} MB"


def test_duplicate_check_waits_for_a_concurrent_writer(project, tmp_path):
    """Another writer adding the same source id while an import starts: the import sees it."""
    import threading
    import time

    path = tmp_path / "one.jsonl"
    path.write_text('{"id": "x", "text": "from the import"}\n', encoding="utf-8")
    holding = threading.Event()

    def other_writer():
        with Project.open(project.path) as other, other.transaction():
            other.add_tasks([Task({"text": "from the other writer", "_source_id": "x"})])
            holding.set()
            time.sleep(0.5)  # the import starts meanwhile and must wait for this commit

    thread = threading.Thread(target=other_writer)
    thread.start()
    assert holding.wait(10)
    report = import_path(project, path)
    thread.join()
    assert report.skipped_duplicates == ["x"] and report.task_ids == []
    assert [t.data["text"] for t in project.iter_tasks()] == ["from the other writer"]
