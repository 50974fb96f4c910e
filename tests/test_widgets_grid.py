"""TaskGrid without a browser: paging in the kernel, sort/filter/search, selection, errors."""

from __future__ import annotations

import pytest
from widgets_fixtures import (
    comm_of,
    frontend_message,
    frontend_request,
    frontend_update,
    make_project,
    recording,  # noqa: F401 - the fixture, used through pytestmark
    result_of,
    updates,
)

from preannotate_lab.model import Completion, Prediction, Span, Task
from preannotate_lab.widgets import TaskGrid

pytestmark = pytest.mark.usefixtures("recording")


@pytest.fixture
def project(tmp_path, sample_texts):
    project = make_project(tmp_path / "grid.sqlite", sample_texts)
    project.add_tasks([Task({"document": "scans/invoice.pdf"}, kind="document"),
                       Task({"document": "scans/receipt.JPG"}, kind="document")])
    yield project
    project.close()


def test_unknown_keyword_arguments_raise_type_error(project):
    with pytest.raises(TypeError):
        TaskGrid(project, colour="red")
    with pytest.raises(TypeError, match="Project"):
        TaskGrid("not a project")


def test_first_page_holds_only_page_size_rows_with_types(project):
    grid = TaskGrid(project, page_size=5)
    state = grid.get_state()
    assert {"sort", "descending", "status", "kind", "search", "page_size", "total",
            "selected_count"} <= set(state)
    assert "selected_ids" not in state  # the selection stays in the kernel
    page = result_of(grid, "page", offset=0)
    assert page["total"] == 22 and len(page["rows"]) == 5
    assert [r["id"] for r in page["rows"]] == [1, 2, 3, 4, 5]
    assert set(page["rows"][0]) >= {"id", "title", "kind", "type", "status", "n_predictions",
                                    "n_completions", "last_preannotated", "error", "selected"}
    assert grid.total == 22 and updates(grid, "total")[-1] == 22
    last = result_of(grid, "page", offset=20)
    assert [(r["kind"], r["type"]) for r in last["rows"]] == [("document", "pdf"), ("document", "image")]


def test_sort_filter_and_search_come_from_synced_traits(project):
    grid = TaskGrid(project)
    frontend_update(grid, sort="title", descending=True)
    titles = [r["title"] for r in result_of(grid, "page")["rows"]]
    assert titles == sorted(titles, key=str.lower, reverse=True)
    frontend_update(grid, sort="id", descending=False, kind=["document"])
    assert [r["type"] for r in result_of(grid, "page")["rows"]] == ["pdf", "image"]
    frontend_update(grid, kind=[], search="merkel")
    rows = result_of(grid, "page")["rows"]
    assert rows and all("Merkel" in project.get_task(r["id"]).text for r in rows)
    frontend_update(grid, search="", status=["error"])
    assert result_of(grid, "page")["total"] == 0


def test_status_column_follows_the_store(project):
    span = Span(0, 5, "ORG", "Apple")
    [prediction] = project.add_predictions([Prediction(1, (span,), "test-1")])
    # a completion's spans must say the text at their offsets (the store checks it)
    project.add_completion(Completion(task_id=2, results=[Span(0, 6, "PERSON", project.get_task(2).text[:6])]))
    project.set_task_error(3, "cannot read the document: truncated PDF")
    grid = TaskGrid(project)
    rows = {r["id"]: r for r in result_of(grid, "page")["rows"]}
    assert rows[1]["status"] == "preannotated" and rows[1]["n_predictions"] == 1
    assert rows[1]["last_preannotated"]
    assert rows[2]["status"] == "in_progress" and rows[2]["n_completions"] == 1
    assert rows[3]["status"] == "error" and "truncated PDF" in rows[3]["error"]
    frontend_update(grid, status=["preannotated", "in_progress"])
    assert result_of(grid, "page")["total"] == 2


def test_bad_requests_come_back_as_error_replies(project):
    grid = TaskGrid(project)
    reply = frontend_request(grid, "no_such_thing")
    assert "unknown request type 'no_such_thing'" in reply["error"] and "result" not in reply
    reply = frontend_request(grid, "page", offset=0, bogus=1)
    assert reply["error"].startswith("bad 'page' request") and "bogus" in reply["error"]
    reply = frontend_request(grid, "page", offset=-1)
    assert "must not be negative" in reply["error"]
    frontend_update(grid, sort="colour")
    assert "cannot sort the grid by 'colour'" in frontend_request(grid, "page")["error"]
    reply = frontend_request(grid, "open", task_id=999)
    assert reply["error_type"] == "TaskNotFound" and "999" in reply["error"]
    # a message without uuid or type is ignored, not answered and not raised
    before = len(comm_of(grid).sent)
    frontend_message(grid, {"hello": 1})
    assert len(comm_of(grid).sent) == before


def test_selection_lives_in_the_kernel_and_marks_rows(project):
    grid = TaskGrid(project, page_size=5)
    assert result_of(grid, "select", ids=[2, 4]) == {"count": 2}
    rows = result_of(grid, "page")["rows"]
    assert [r["id"] for r in rows if r["selected"]] == [2, 4]
    assert grid.selected_ids == [2, 4] and updates(grid, "selected_count")[-1] == 2
    result_of(grid, "select", ids=[2], selected=False)
    assert grid.selected_ids == [4]
    frontend_update(grid, search="berlin")
    count = result_of(grid, "select_all_matching")["count"]
    matching = result_of(grid, "page", limit=100)
    assert count == matching["total"] >= 1
    assert sorted(grid.selected_ids) == sorted(r["id"] for r in matching["rows"])
    assert result_of(grid, "clear_selection") == {"count": 0} and grid.selected_ids == []


def test_preannotate_button_hands_the_selection_to_callbacks(project):
    grid = TaskGrid(project)
    seen: list[list[int]] = []
    grid.on_preannotate(seen.append)
    reply = frontend_request(grid, "preannotate")
    assert "select one or more tasks" in reply["error"] and seen == []
    result_of(grid, "select", ids=[3, 1])
    assert result_of(grid, "preannotate") == {"count": 2}
    assert seen == [[3, 1]]


def test_open_request_calls_the_open_callbacks(project):
    grid = TaskGrid(project)
    opened: list[int] = []
    grid.on_open(opened.append)
    assert result_of(grid, "open", task_id=7) == {"task_id": 7}
    assert opened == [7]


def test_refresh_bumps_the_token_that_views_watch(project):
    grid = TaskGrid(project)
    grid.refresh()
    assert updates(grid, "refresh_token") == [1]


def test_page_size_is_bounded(project):
    with pytest.raises(Exception, match="page_size must be 1..500"):
        TaskGrid(project, page_size=10_000)
