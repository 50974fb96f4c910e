"""A thread's connection ends with the thread (or serves the next one): short-lived threads never
pile up open files."""

from __future__ import annotations

import threading

import psutil
from store_fixtures import filled_project, prediction

from preannotate_lab.store import Project


def _in_thread(fn) -> None:
    errors: list[BaseException] = []

    def body() -> None:
        try:
            fn()
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    t = threading.Thread(target=body)
    t.start()
    t.join(timeout=60)
    assert errors == []


def test_threads_that_forget_to_release_leave_open_files_flat(project_path):
    project, ids = filled_project(project_path)
    me = psutil.Process()
    _in_thread(project.count_tasks)  # one connection of a (now dead) thread may stay
    before = me.num_fds()
    for i in range(50):
        _in_thread(lambda i=i: project.task_rows(search="Apple") and project.count_tasks())
        _in_thread(lambda i=i: project.add_predictions([prediction(ids[i % len(ids)])]))
    # each new connection closes those of dead threads: at most the main thread's and one more
    assert me.num_fds() <= before + 3, (before, me.num_fds())
    assert project._db.open_connections <= 2
    assert project.count_predictions() == 50
    project.close()


def test_a_released_connection_serves_the_next_thread_and_open_files_stay_flat(project_path):
    project, ids = filled_project(project_path)
    me = psutil.Process()
    used = []

    def work() -> None:
        used.append(project._db.connection())
        assert project.count_tasks() == len(ids)
        project.release_thread()
        # released early by mistake: the next call simply takes a connection again
        assert project.count_tasks() == len(ids)
        project.release_thread()

    _in_thread(work)
    before = me.num_fds()
    for _ in range(50):
        _in_thread(work)
    assert all(conn is used[0] for conn in used)  # one connection served every thread
    assert me.num_fds() <= before, (before, me.num_fds())
    assert project._db.open_connections == 2  # the main thread's (from filled_project), one idle
    project.close()
    assert project._db.open_connections == 0


def test_a_connection_with_thread_state_is_closed_and_idle_ones_are_bounded(project_path):
    from preannotate_lab.store.db import IDLE_CONNECTIONS

    project, _ = filled_project(project_path)
    db = project._db

    def search() -> None:
        project.task_rows(search="Apple")  # the search's hits live in this connection
        project.release_thread()

    _in_thread(search)
    assert db.open_connections == 1  # closed: another thread must not inherit its tables

    holding, release = threading.Barrier(IDLE_CONNECTIONS + 3), threading.Event()

    def hold() -> None:
        project.count_tasks()
        holding.wait(30)
        release.wait(30)
        project.release_thread()

    threads = [threading.Thread(target=hold) for _ in range(IDLE_CONNECTIONS + 2)]
    for t in threads:
        t.start()
    holding.wait(30)
    assert db.open_connections == IDLE_CONNECTIONS + 3
    release.set()
    for t in threads:
        t.join(30)
    assert db.open_connections == 1 + IDLE_CONNECTIONS
    project.close()


def test_close_still_closes_every_threads_connection(project_path):
    project, _ = filled_project(project_path)
    me = psutil.Process()
    gate, done = threading.Event(), threading.Event()

    def hold() -> None:
        project.count_tasks()
        gate.set()
        done.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    gate.wait(10)
    assert project._db.open_connections == 2
    with_project = me.num_fds()
    project.close()
    assert me.num_fds() < with_project
    done.set()
    t.join()
    reopened = Project.open(project_path)
    assert reopened.count_tasks() == 5
    reopened.close()


def test_closing_the_project_while_another_thread_is_mid_statement_waits_for_it(project_path):
    # a job thread inside a long statement while the notebook closes the project: closing its
    # connection under the statement would crash the interpreter; its thread closes it instead
    project, _ = filled_project(project_path)
    db = project._db
    started, results, errors = threading.Event(), [], []
    slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
            "SELECT count(*) FROM n")

    def job() -> None:
        def statement(conn):
            started.set()
            return conn.execute(slow).fetchone()[0]
        try:
            results.append(db.read(statement))
            db.read(lambda c: c.execute("SELECT 1").fetchone())  # after close: a clear error
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=job)
    thread.start()
    assert started.wait(30)
    project.close()  # returns at once: the busy connection is left to its thread
    assert thread.is_alive()
    thread.join(60)
    assert results == [3000000]  # the statement ran to its end
    assert len(errors) == 1 and "is closed" in str(errors[0]), errors
    assert db.open_connections == 0
