"""Visual NER export for Label Studio (no server here; see test_labelstudio_visual.py for the
real one): page images beside the JSON, their URLs in the task data, the config that shows
them, one rectangle per box, and an import of the export that finds its tasks again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from visual_ner_fixtures import our_rectangles, rectangles, visual_project

from preannotate_lab.formats import export_project, import_path

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def visual(tmp_path_factory):
    return visual_project(tmp_path_factory.mktemp("visual"))


def test_document_tasks_leave_with_their_page_images_and_config(tmp_path, visual):
    project, ids = visual
    report = export_project(project, "labelstudio", tmp_path / "tasks.json")
    tasks = {t["meta"]["preannotate"]["task_id"]: t for t in json.loads((tmp_path / "tasks.json").read_text())}
    pdf, scan = tasks[ids["pdf"]], tasks[ids["scan"]]
    # several pages -> images (a list); one page -> image (and a list of one, for valueList)
    assert pdf["data"]["images"] == [f"/data/local-files/?d=pages/task-{ids['pdf']}-page-{n}.png"
                                     for n in range(1, 18)]
    assert "image" not in pdf["data"]
    assert scan["data"]["image"] == f"/data/local-files/?d=pages/task-{ids['scan']}-page-1.png"
    assert scan["data"]["images"] == [scan["data"]["image"]]
    from PIL import Image
    for task in (pdf, scan):
        for url in task["data"]["images"]:
            assert Image.open(tmp_path / url.split("?d=", 1)[1]).format == "PNG"
    assert report.extra["pages"] == 18 and "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT" in report.notes[-1]
    config = (tmp_path / "config.xml").read_text()
    assert 'valueList="$images"' in config and 'value="$image"' not in config
    # one rectangle per box, in percent of the page, with its page as item_index
    for name, task in (("pdf", pdf), ("scan", scan)):
        (prediction,) = project.predictions(ids[name])
        result = task["predictions"][0]["result"]
        assert rectangles(result) == our_rectangles(prediction.results)
        assert len(result) == 3  # the title's box and the two lines of the other span
    assert {r["item_index"] for r in pdf["predictions"][0]["result"]} == {0, 1}


def test_the_export_imports_back_onto_its_tasks(tmp_path, visual):
    project, ids = visual
    export_project(project, "labelstudio", tmp_path / "tasks.json")
    before = (project.count_tasks(), [len(project.predictions(t)) for t in ids.values()])
    report = import_path(project, tmp_path / "tasks.json")
    assert report.errors == [] and report.n_tasks == 0
    assert (project.count_tasks(), [len(project.predictions(t)) for t in ids.values()]) == before
    # a fresh project gets the tasks with their own files, not the URLs
    from preannotate_lab.store import Project

    fresh = Project.create(tmp_path / "fresh.sqlite")
    originals = [project.get_task(t).data["document"] for t in ids.values()]
    # the files lie outside the export's folder: a new project reads them only once allowed
    refused = import_path(fresh, tmp_path / "tasks.json")
    assert fresh.count_tasks() == 0 and len(refused.errors) == len(originals)
    for folder in {Path(p).parent for p in originals}:
        fresh.allow_root(folder)
    import_path(fresh, tmp_path / "tasks.json")
    paths = sorted(fresh.get_task(t).data.get("document") for t in fresh.task_ids())
    assert paths == sorted(project.get_task(t).data["document"] for t in ids.values())
    assert all("image" not in fresh.get_task(t).data and "images" not in fresh.get_task(t).data
               for t in fresh.task_ids())


def test_one_page_config_and_a_url_prefix(tmp_path):
    project, ids = visual_project(tmp_path, pdf=False)
    out = tmp_path / "out"
    out.mkdir()
    export_project(project, "labelstudio", out / "tasks.json",
                   image_url_prefix="https://files.example.org/pages/")
    (task,) = json.loads((out / "tasks.json").read_text())
    assert task["data"]["image"] == f"https://files.example.org/pages/task-{ids['scan']}-page-1.png"
    assert (out / "pages" / f"task-{ids['scan']}-page-1.png").is_file()
    config = (out / "config.xml").read_text()
    assert 'value="$image"' in config and "valueList" not in config
    with pytest.raises(Exception, match="image_url_prefix is for the labelstudio"):
        export_project(project, "conll", tmp_path / "x.conll", image_url_prefix="https://x/")


def test_cli_export_takes_an_image_url_prefix(tmp_path):
    import subprocess

    project, ids = visual_project(tmp_path, pdf=False)
    project.close()
    out = tmp_path / "cli"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "preannotate_lab.cli", "export", str(tmp_path / "visual.sqlite"),
         "--format", "labelstudio", "--out", str(out / "tasks.json"),
         "--image-url-prefix", "https://host/pages/", "--json"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert any("page image(s)" in n for n in json.loads(done.stdout)["notes"])
    (task,) = json.loads((out / "tasks.json").read_text())
    assert task["data"]["image"] == f"https://host/pages/task-{ids['scan']}-page-1.png"


def test_a_stream_export_says_page_images_need_a_folder(tmp_path, visual):
    import io

    project, _ = visual
    report = export_project(project, "labelstudio", io.StringIO())
    assert any("need a folder" in n for n in report.notes)


def test_a_missing_document_is_exported_without_images(tmp_path):
    from preannotate_lab.model import Task
    from preannotate_lab.store import Project

    project = Project.create(tmp_path / "p.sqlite")
    project.add_tasks([Task({"document": str(tmp_path / "gone.pdf")}, kind="document")])
    report = export_project(project, "labelstudio", tmp_path / "tasks.json")
    (task,) = json.loads((tmp_path / "tasks.json").read_text())
    assert task["data"] == {"document": str(tmp_path / "gone.pdf")}
    assert any("cannot be read" in n for n in report.notes) and not (tmp_path / "config.xml").exists()

