"""The task grid query: sorting, filters, search and the status of a task over its life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from store_fixtures import filled_project, prediction

from preannotate_lab.model import Completion, Task
from preannotate_lab.store import Project

ROW_KEYS = {
    "id",
    "title",
    "kind",
    "status",
    "n_predictions",
    "n_completions",
    "last_preannotated",
    "error",
    "confidence",
    "review_flags",
}


def _ids(result: tuple[int, list[dict]]) -> list[int]:
    return [r["id"] for r in result[1]]


def test_status_moves_through_its_life(project_path):
    project, ids = filled_project(project_path)
    task = ids[0]
    status = lambda: project.task_rows(ids=[task])[1][0]["status"]  # noqa: E731
    assert status() == "new"
    project.set_task_error(task, "OCR failed on page 2")
    assert status() == "error"
    project.set_task_error(task, None)
    [p] = project.add_predictions([prediction(task)])
    assert status() == "preannotated"
    project.set_task_error(task, "regex timed out")
    assert status() == "error"  # a failed re-run shows, the prediction is kept
    c = project.completion_from_prediction(p.id)
    assert status() == "in_progress"  # a person's work outranks a machine's error
    project.set_ground_truth(c.id)
    assert status() == "completed"
    project.set_ground_truth(c.id, False)
    assert status() == "in_progress"
    project.close()


def test_sort_filter_and_paging(project_path):
    project = Project.create(project_path)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    titles = ["delta", "Alpha", "charlie", "bravo", "echo", "alpha"]
    ids = project.add_tasks(
        [
            Task({"text": f"{t} text"}, title=t, created_at=base + timedelta(days=i))
            for i, t in enumerate(titles)
        ]
        + [Task({"document": "files/zulu.pdf"}, kind="document")]
    )
    doc = ids[-1]
    project.add_predictions([prediction(ids[0])] * 3 + [prediction(ids[2])] + [prediction(doc)] * 2)
    project.add_completion(Completion(task_id=ids[4]))
    project.set_task_error(ids[5], "boom")

    total, rows = project.task_rows()
    assert total == 7 and set(rows[0]) == ROW_KEYS
    assert _ids(project.task_rows(sort="title")) == [
        ids[1],
        ids[5],
        ids[3],
        ids[2],
        ids[0],
        ids[4],
        doc,
    ]
    assert _ids(project.task_rows(sort="title", descending=True))[:2] == [doc, ids[4]]
    # ties break on id, in the sort's direction
    assert _ids(project.task_rows(sort="n_predictions", descending=True)) == [
        ids[0],
        doc,
        ids[2],
        ids[5],
        ids[4],
        ids[3],
        ids[1],
    ]
    assert _ids(project.task_rows(sort="created_at"))[:3] == ids[:3]
    # paging
    total, page = project.task_rows(offset=2, limit=2, sort="title")
    assert total == 7 and [r["id"] for r in page] == [ids[3], ids[2]]
    assert project.task_rows(offset=50) == (7, [])
    # filters
    assert _ids(project.task_rows(kind="document")) == [doc]
    assert project.task_rows(kind="document")[1][0]["title"] == "zulu.pdf"
    assert _ids(project.task_rows(status="preannotated")) == [ids[0], ids[2], doc]
    assert _ids(project.task_rows(status=["error", "in_progress"])) == [ids[4], ids[5]]
    assert _ids(project.task_rows(status="new", kind="text")) == [ids[1], ids[3]]
    assert project.task_rows(status="completed") == (0, [])
    assert _ids(project.task_rows(ids=[ids[3], ids[0], 999], sort="title")) == [ids[3], ids[0]]
    error_row = project.task_rows(status="error")[1][0]
    assert error_row["error"] == "boom"
    project.close()


def test_search_matches_word_prefixes_of_title_and_text(project_path):
    project, ids = filled_project(project_path)
    doc = project.add_tasks([Task({"document": "scans/Berlin_report.pdf"}, kind="document")])[0]
    assert _ids(project.task_rows(search="berlin")) == [ids[1], ids[4], doc]
    assert _ids(project.task_rows(search="BERL")) == [ids[1], ids[4], doc]  # prefix, any case
    assert _ids(project.task_rows(search="merkel berlin")) == [ids[1]]  # every word
    assert _ids(project.task_rows(search="berlin", kind="text", sort="title")) == [ids[1], ids[4]]
    assert _ids(project.task_rows(search="organization")) == [ids[2]]
    assert project.task_rows(search="erlin") == (0, [])  # words match from their start
    # FTS syntax in user input is just text
    assert project.task_rows(search='"AND OR NOT ( * berlin')[0] == 0
    assert _ids(project.task_rows(search="  ")) == ids + [doc]
    # no word characters: a substring of the title
    assert _ids(project.task_rows(search="$1")) == [ids[0]]  # the word "1" of "$1 billion"
    assert _ids(project.task_rows(search="$")) == [ids[0]]
    # paging one search, then a change to the tasks, gives fresh hits
    assert project.task_rows(search="berlin", offset=1, limit=1)[1][0]["id"] == ids[4]
    new = project.add_tasks([Task({"text": "Berlin again"})])[0]
    assert _ids(project.task_rows(search="berlin")) == [ids[1], ids[4], doc, new]
    project.delete_task(ids[4])
    assert _ids(project.task_rows(search="berlin")) == [ids[1], doc, new]
    project.close()


def test_search_matching_most_tasks_sorts_and_counts_right(project_path):
    project = Project.create(project_path)
    ids = project.add_tasks(
        Task({"text": f"common words {i}" if i % 10 else f"rare {i}"}, title=f"t{i:03d}")
        for i in range(200)
    )
    project.add_predictions([prediction(i) for i in ids[::3]])
    common = [i for n, i in enumerate(ids) if n % 10]
    total, rows = project.task_rows(search="common", sort="title", descending=True, limit=5)
    assert total == len(common) and [r["id"] for r in rows] == common[::-1][:5]
    total, rows = project.task_rows(
        search="common", status="preannotated", sort="n_predictions", limit=500
    )
    expected = [i for n, i in enumerate(ids) if n % 10 and n % 3 == 0]
    assert total == len(expected) and [r["id"] for r in rows] == expected
    # few hits take the other plan (sort the hits); same answers
    assert _ids(project.task_rows(search="rare 5", sort="title", descending=True)) == [ids[50]]
    assert _ids(project.task_rows(search="rare", sort="title"))[:3] == [ids[0], ids[10], ids[20]]
    project.close()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sort": "text"}, "cannot sort the grid by 'text'"),
        ({"status": "done"}, r"unknown status \['done'\]"),
        ({"kind": "audio"}, r"unknown kind \['audio'\]"),
        ({"offset": -1}, "must not be negative"),
    ],
)
def test_bad_grid_arguments_are_named(project_path, kwargs, message):
    with Project(project_path) as project:
        with pytest.raises(ValueError, match=message):
            project.task_rows(**kwargs)
