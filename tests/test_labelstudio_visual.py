"""Visual NER against a real Label Studio 1.23.2 (see labelstudio_fixtures.py): our export's
page images load through its local-files URLs, its API reads back our boxes exactly, an
annotation made there comes back onto the original task, and its task page shows the boxes.

The export goes to Label Studio's LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT, as a user would
set it up (the report's notes say how); the one-page project uses ``image_url_prefix`` with
a subfolder of that root, which also shows the prefix option against the real server.
"""

from __future__ import annotations

import json
import re

import pytest
from visual_ner_fixtures import our_rectangles, rectangles, visual_project

from preannotate_lab.formats import export_project, import_path

pytestmark = [pytest.mark.labelstudio, pytest.mark.slow]


@pytest.fixture(scope="module")
def multi_page(tmp_path_factory, label_studio):
    """(LS project id, our project, our task ids): the 17-page PDF and the scan, exported to
    the document root with local-files URLs, imported into a project with our config."""
    project, ids = visual_project(tmp_path_factory.mktemp("visual-ls"))
    root = label_studio.files_root
    report = export_project(project, "labelstudio", root / "tasks.json")
    assert report.extra["pages"] == 18
    ls_project = label_studio.create_project((root / "config.xml").read_text(), title="visual ner")
    label_studio.add_local_storage(ls_project, root / "pages")
    answer = label_studio.import_tasks(ls_project, json.loads((root / "tasks.json").read_text()))
    assert (answer["task_count"], answer["prediction_count"]) == (2, 2)
    return ls_project, project, ids


@pytest.fixture(scope="module")
def one_page(tmp_path_factory, label_studio):
    """The scan alone (``value="$image"``), its pages named by a prefix into a subfolder."""
    project, ids = visual_project(tmp_path_factory.mktemp("visual-one"), pdf=False)
    folder = label_studio.files_root / "single"
    folder.mkdir(exist_ok=True)
    export_project(project, "labelstudio", folder / "tasks.json",
                   image_url_prefix="/data/local-files/?d=single/pages/")
    ls_project = label_studio.create_project((folder / "config.xml").read_text(), title="one page")
    label_studio.add_local_storage(ls_project, folder / "pages")
    label_studio.import_tasks(ls_project, json.loads((folder / "tasks.json").read_text()))
    return ls_project, project, ids


def _urls(task) -> list[str]:
    data = task["data"]
    return list(data.get("images") or []) + ([data["image"]] if data.get("image") else [])


def test_every_page_image_loads_through_label_studio(label_studio, multi_page, one_page):
    seen = 0
    for ls_project, _, _ in (multi_page, one_page):
        for task in label_studio.tasks(ls_project):
            for url in _urls(task):
                assert url.startswith("/data/local-files/?d=")
                status, kind, body = label_studio.get_raw(url)
                assert (status, kind) == (200, "image/png"), url
                assert body[:8] == b"\x89PNG\r\n\x1a\n"
                seen += 1
    assert seen == 17 + 2 + 2  # the PDF's pages; each scan as image and as images


def test_boxes_read_back_through_its_api_equal_ours(label_studio, multi_page, one_page):
    for ls_project, project, ids in (multi_page, one_page):
        by_ours = {t["meta"]["preannotate"]["task_id"]: t for t in label_studio.tasks(ls_project)}
        assert sorted(by_ours) == sorted(ids.values())
        for tid in ids.values():
            (there,) = by_ours[tid]["predictions"]
            (ours,) = project.predictions(tid)
            got, want = rectangles(there["result"]), our_rectangles(ours.results)
            assert [g[:2] for g in got] == [w[:2] for w in want]  # page and label
            assert [g[2:] for g in got] == [pytest.approx(w[2:], abs=1e-9) for w in want]
            assert there["score"] == 0.8
    ls_project, _, ids = multi_page
    pdf = next(t for t in label_studio.tasks(ls_project) if t["meta"]["preannotate"]["task_id"] == ids["pdf"])
    assert {r["item_index"] for r in pdf["predictions"][0]["result"]} == {0, 1}  # two pages


def test_an_annotation_made_there_comes_back_onto_the_original_task(tmp_path, label_studio, multi_page):
    ls_project, project, ids = multi_page
    pdf = next(t for t in label_studio.tasks(ls_project) if t["meta"]["preannotate"]["task_id"] == ids["pdf"])
    box = {"x": 10.0, "y": 20.0, "width": 30.0, "height": 5.0, "rotation": 0, "rectanglelabels": ["TERM"]}
    label_studio.annotate(pdf["id"], [{
        "from_name": "label", "to_name": "image", "type": "rectanglelabels", "item_index": 2,
        "original_width": 1694, "original_height": 2192, "image_rotation": 0, "value": box}])
    before = (project.count_tasks(), len(project.predictions(ids["pdf"])))
    path = tmp_path / "back.json"
    path.write_text(json.dumps(label_studio.export(ls_project)), "utf-8")
    report = import_path(project, path)
    assert report.errors == [] and report.n_tasks == 0
    assert (project.count_tasks(), len(project.predictions(ids["pdf"]))) == before
    (completion,) = project.completions(ids["pdf"])
    ((page, label, x, y, w, h),) = our_rectangles(completion.results)
    assert (page, label) == (2, "TERM")
    assert (x, y, w, h) == pytest.approx((10.0, 20.0, 30.0, 5.0))
    assert project.get_task(ids["pdf"]).data["document"].endswith(".pdf")  # not a URL
    again = import_path(project, path)
    assert again.n_tasks == 0 and again.n_completions == 0


@pytest.mark.browser
def test_its_task_page_shows_our_predicted_boxes(browser, label_studio, one_page):
    """Log in as the fixture's user, open the scan's task and screenshot it (the prediction
    pre-labels the task, so its rectangles are drawn over the page image)."""
    from pathlib import Path

    from labelstudio_fixtures import PASSWORD, USER

    ls_project, _, _ = one_page
    (task,) = label_studio.tasks(ls_project)
    artifacts = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
    artifacts.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(label_studio.url + "/user/login/")
        page.fill("input[name=email]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/user/login" not in url)  # logged in: its home page
        page.goto(f"{label_studio.url}/projects/{ls_project}/data?task={task['id']}")
        # the page image, loaded through the local-files URL
        image = page.locator("img[src*='local-files']").first
        image.wait_for(state="attached")
        page.wait_for_function(
            "() => [...document.images].some(i => i.src.includes('local-files') && i.naturalWidth > 0)")
        # the regions list holds our predicted rectangles once the prediction is drawn
        listed = page.locator(".lsf-tree__node_type_rectangleregion .lsf-outliner-item__title")
        listed.nth(1).wait_for()  # the title, and the two-line entity's group
        # the group of the entity's two line boxes may start collapsed: open it
        for switcher in page.locator("[class*='switcher_close']").all():
            switcher.click()
        listed.nth(2).wait_for()
        page.wait_for_timeout(1500)  # the canvas draws after the list
        page.screenshot(path=str(artifacts / "labelstudio-visual-ner.png"))
        labels = sorted(re.findall(r"TITLE|TERM", " ".join(listed.all_inner_texts())))
        assert labels == ["TERM", "TERM", "TITLE"], labels  # the title's box, the two line boxes
    except Exception:
        page.screenshot(path=str(artifacts / "labelstudio-visual-ner-FAILED.png"))
        raise
    finally:
        context.close()
