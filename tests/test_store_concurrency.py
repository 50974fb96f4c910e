"""Concurrent writers and readers on one project file: threads and processes.

Nothing may be lost and "database is locked" must never reach the caller.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time

import pytest
from store_fixtures import prediction, span_of

from preannotate_lab.model import Completion, Task
from preannotate_lab.store import Project, StoreBusyError

N_TASKS = 200
N_PREDICTIONS = 2_000
BATCH = 50


def _add_predictions(path: str, task_ids: list[int], errors: list) -> None:
    try:
        with Project.open(path) as project:
            for start in range(0, N_PREDICTIONS, BATCH):
                project.add_predictions(
                    prediction(task_ids[(start + k) % len(task_ids)], model_version=f"b{start}")
                    for k in range(BATCH)
                )
    except BaseException as exc:  # reported to the test thread
        errors.append(exc)


def _edit_completions(path: str, task_ids: list[int], errors: list) -> None:
    try:
        with Project.open(path) as project:
            for task_id in task_ids:
                text = project.get_task(task_id).data["text"]
                c = project.add_completion(
                    Completion(
                        task_id=task_id, results=[span_of(text, "task", "THING")], created_by="ann"
                    )
                )
                project.update_completion(
                    c.id, [span_of(text, "number", "NUM")], by="ann", note="1"
                )
                project.update_completion(c.id, [], by="rev", note="2")
                if task_id % 2:
                    project.set_ground_truth(c.id)
    except BaseException as exc:
        errors.append(exc)


def _read_grid(path: str, stop: threading.Event, errors: list, pages: list,
               reading: threading.Event | None = None) -> None:
    try:
        with Project.open(path) as project:
            while not stop.is_set():
                for kw in (
                    {},
                    {"sort": "n_predictions", "descending": True},
                    {"status": "in_progress"},
                    {"search": "task", "sort": "title"},
                ):
                    total, rows = project.task_rows(limit=20, **kw)
                    pages.append(total)
                if reading is not None:
                    reading.set()
    except BaseException as exc:
        errors.append(exc)
        if reading is not None:
            reading.set()


def _check_nothing_lost(path, task_ids: list[int], completion_tasks: list[int]) -> None:
    with Project.open(path) as project:
        assert project.count_predictions() == N_PREDICTIONS
        per_task = N_PREDICTIONS // len(task_ids)
        for task_id in task_ids:
            versions = [p.version for p in project.predictions(task_id)]
            assert versions == list(range(1, per_task + 1)), task_id
        assert project.count_completions() == len(completion_tasks)
        for task_id in completion_tasks:
            [c] = project.completions(task_id)
            assert c.results == [] and [e.note for e in c.history] == ["1", "2"]
            assert c.ground_truth == bool(task_id % 2)
        _, rows = project.task_rows(limit=N_TASKS)
        for row in rows:
            assert row["n_predictions"] == per_task
            expected = (
                ("completed" if row["id"] % 2 else "in_progress")
                if row["id"] in completion_tasks
                else "preannotated"
            )
            assert row["status"] == expected


def _make_project(path) -> list[int]:
    with Project.create(path) as project:
        return project.add_tasks(Task({"text": f"task number {i}"}) for i in range(N_TASKS))


def test_threads_write_and_read_at_once(project_path):
    task_ids = _make_project(project_path)
    completion_tasks = task_ids[:100]
    errors: list = []
    pages: list = []
    stop, reading = threading.Event(), threading.Event()
    reader = threading.Thread(target=_read_grid,
                              args=(str(project_path), stop, errors, pages, reading))
    writers = [
        threading.Thread(target=_add_predictions, args=(str(project_path), task_ids, errors)),
        threading.Thread(
            target=_edit_completions, args=(str(project_path), completion_tasks, errors)
        ),
    ]
    reader.start()
    # the writers start once the reader is reading, so "pages while they wrote" does not
    # depend on which thread the scheduler runs first
    assert reading.wait(timeout=60)
    before = len(pages)
    for t in writers:
        t.start()
    for t in writers:
        t.join(timeout=120)
    stop.set()
    reader.join(timeout=60)
    assert errors == []
    assert len(pages) > before  # the reader got pages while the writers wrote
    _check_nothing_lost(project_path, task_ids, completion_tasks)


def test_one_project_object_shared_by_threads(project_path):
    task_ids = _make_project(project_path)
    project = Project.open(project_path)
    errors: list = []

    def work(offset: int) -> None:
        try:
            for k in range(20):
                project.add_predictions([prediction(task_ids[(offset + k) % N_TASKS])] * 5)
                project.task_rows(search="number", sort="title")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(o,)) for o in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert project.count_predictions() == 4 * 20 * 5
    project.close()


def test_processes_write_to_the_same_file(project_path):
    task_ids = _make_project(project_path)
    completion_tasks = task_ids[100:]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        errors = manager.list()
        procs = [
            ctx.Process(target=_add_predictions, args=(str(project_path), task_ids, errors)),
            ctx.Process(
                target=_edit_completions, args=(str(project_path), completion_tasks, errors)
            ),
        ]
        for p in procs:
            p.start()
        # this process reads the grid while the two others write
        seen = 0
        with Project.open(project_path) as project:
            while any(p.is_alive() for p in procs):
                project.task_rows(sort="n_predictions", descending=True, search="number")
                seen += 1
        for p in procs:
            p.join(timeout=120)
        assert [p.exitcode for p in procs] == [0, 0]
        assert list(errors) == []
    assert seen > 0
    _check_nothing_lost(project_path, task_ids, completion_tasks)


def _hold_write_lock(path, seconds: float, locked: threading.Event) -> None:
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    locked.set()
    time.sleep(seconds)
    raw.execute("COMMIT")
    raw.close()


def test_a_locked_file_is_waited_out_not_reported(project_path):
    Project.create(project_path).close()
    # SQLite's own wait is cut to 20 ms, so the store's retry with backoff does the waiting
    project = Project(project_path, busy_timeout_ms=20)
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(project_path, 0.5, locked))
    holder.start()
    locked.wait()
    started = time.monotonic()
    assert project.add_tasks([Task({"text": "waited"})]) == [1]
    assert time.monotonic() - started >= 0.3
    holder.join()
    project.close()


def test_a_file_locked_too_long_gives_a_clear_error(project_path):
    Project.create(project_path).close()
    project = Project(project_path, busy_timeout_ms=20, patience=0.3)
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(project_path, 1.5, locked))
    holder.start()
    locked.wait()
    with pytest.raises(StoreBusyError, match=r"project\.sqlite stayed locked .* for 0\.3 s"):
        project.add_tasks([Task({"text": "too late"})])
    holder.join()
    assert project.count_tasks() == 0
    project.close()
