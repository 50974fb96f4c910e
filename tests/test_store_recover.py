"""Recovering a damaged project file: every readable row lands in a new, openable project."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from store_fixtures import span_of
from test_cli import run

from preannotate_lab.model import Prediction, Task
from preannotate_lab.project import Project
from preannotate_lab.store import ProjectFileError

N_TASKS = 120


def _text(i: int) -> str:
    return f"Task {i}: Anna Schmidt works for Siemens in Berlin. " + "More words here. " * 30


def make_project(path: Path) -> None:
    """Tasks, predictions, completions (with an edit), a deleted task and a deleted prediction."""
    with Project.create(path) as project:
        ids = project.add_tasks([Task({"text": _text(i), "_source_id": f"s{i}"})
                                 for i in range(N_TASKS)])
        stored = project.add_predictions([
            Prediction(task_id=t, results=(span_of(_text(i), "Berlin", "GPE"),),
                       model_version="m-1", score=0.5 + i / 1000)
            for i, t in enumerate(ids)])
        for i in range(40):
            text = _text(i)
            done = project.completion_from_prediction(stored[i].id, by="anna")
            project.update_completion(done.id, [span_of(text, "Anna Schmidt", "PERSON"),
                                                span_of(text, "Siemens", "ORG")],
                                      by="anna", note="added the person")
        project.set_ground_truth(done.id)
        target = project.save_labelstudio_target("http://ls.example", 7, None)
        project.save_labelstudio_links(target.id, "task", [(t, 1000 + t, "") for t in ids])
        project.save_labelstudio_links(target.id, "prediction",
                                       [(p.id, 2000 + p.id, "d") for p in stored])
        project.delete_task(ids[-1], by="anna", reason="duplicate")
        project.delete_prediction(stored[0].id, by="anna", reason="bad score")


def snapshot(path: Path) -> dict:
    """Everything the Project API shows, for comparing two files."""
    with Project.open(path) as project:
        tasks = {}
        for task in project.iter_tasks():
            tasks[task.id] = {
                "task": (task.kind, dict(task.data)),
                "predictions": [(p.id, p.version, p.results, p.model_version, p.score)
                                for p in project.predictions(task.id)],
                "completions": [(c.id, c.results, c.copied_from, c.created_by, c.ground_truth,
                                 [(e.by, e.results, e.note) for e in c.history])
                                for c in project.completions(task.id)],
            }
        total, rows = project.task_rows(sort="id", limit=10 * N_TASKS)
        grid = [(r["id"], r["status"], r["n_predictions"], r["n_completions"]) for r in rows]
        search = project.task_rows(search="Siemens")[0]
        target = project.labelstudio_target()
        links = {kind: project.labelstudio_links(target.id, kind) if target else None
                 for kind in ("task", "prediction", "completion")}
        return {"tasks": tasks, "grid": (total, grid), "search": search, "name": project.name,
                "links": links,
                "deletions": [(d["task_id"], d["what"], d["reason"]) for d in project.deletions()]}


def damage_predictions(path: Path) -> None:
    """Zero one leaf page of the predictions table (found through SQLite's dbstat)."""
    with sqlite3.connect(path) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [p for (p,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'predictions' AND pagetype = 'leaf' "
            "ORDER BY pageno")]
    conn.close()
    assert len(pages) >= 3, pages
    page = pages[len(pages) // 2]
    data = bytearray(path.read_bytes())
    data[(page - 1) * size: page * size] = bytes(size)
    path.write_bytes(bytes(data))


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "news.sqlite"
    make_project(path)
    return path


def test_an_undamaged_file_is_recovered_row_for_row(project_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.sqlite"
    report = Project.recover(project_file, out)
    assert report.complete and report.lost == 0
    assert report.table("tasks").copied == N_TASKS - 1
    assert report.table("predictions").copied == N_TASKS - 2
    assert report.table("completions").copied == 40
    assert report.table("completion_edits").copied == 40
    assert report.table("deletions").copied == 2
    before, after = snapshot(project_file), snapshot(out)
    assert after == before
    assert after["search"] == N_TASKS - 1 and after["name"] == "news"  # the project's name, not the file's
    # ids of deleted rows are not handed out again
    with Project.open(out) as project:
        assert project.add_tasks([Task({"text": "new"})]) == [N_TASKS + 1]


def test_a_damaged_file_names_the_recover_command_which_recovers_the_rest(
        project_file: Path, tmp_path: Path) -> None:
    before = snapshot(project_file)
    damage_predictions(project_file)
    with pytest.raises(ProjectFileError) as caught:
        with Project.open(project_file) as project:
            for task_id in project.task_ids():
                project.predictions(task_id)
    fixed = tmp_path / "news-recovered.sqlite"
    assert f"preannotate recover {project_file} {fixed}" in str(caught.value)
    assert f"pl.Project.recover('{project_file}', '{fixed}')" in str(caught.value)
    assert "sqlite3" not in str(caught.value).replace("SQLite", "")

    proc = run("recover", str(project_file), str(fixed), "--json", check=False)
    assert proc.returncode == 1 and "row(s) could not be recovered" in proc.stderr
    report = json.loads(proc.stdout)
    assert not report["complete"]
    tables = {t["table"]: t for t in report["tables"]}
    lost = tables["predictions"]
    assert lost["unreadable"] > 0 and lost["unreadable_rowids"]
    assert lost["copied"] + lost["unreadable"] >= N_TASKS - 2
    for name in ("tasks", "task_data", "completions", "completion_edits", "deletions", "meta"):
        assert tables[name]["unreadable"] == 0 and tables[name]["dropped"] == 0, name

    after = snapshot(fixed)
    assert after["tasks"].keys() == before["tasks"].keys()
    lost_ids = {i for first, last in lost["unreadable_rowids"] for i in range(first, last + 1)}
    for task_id, was in before["tasks"].items():
        now = after["tasks"][task_id]
        assert now["task"] == was["task"]
        assert now["predictions"] == [p for p in was["predictions"] if p[0] not in lost_ids]
        # completions keep their results and history; a lost prediction only loses the link
        assert [c[:2] + c[3:] for c in now["completions"]] == \
            [c[:2] + c[3:] for c in was["completions"]]
    # links to the lost predictions are forgotten (a pull brings them back); the rest stay
    assert after["links"]["task"] == before["links"]["task"]
    assert after["links"]["prediction"] == {
        local: link for local, link in before["links"]["prediction"].items()
        if local not in lost_ids}
    assert tables["labelstudio_links"]["dropped"] == len(
        lost_ids & set(before["links"]["prediction"]))
    grid = {row[0]: row for row in after["grid"][1]}
    for task_id, now in after["tasks"].items():  # counters recounted from the recovered rows
        assert grid[task_id][2] == len(now["predictions"])
        assert grid[task_id][3] == len(now["completions"])


def test_the_human_report_lists_the_lost_rowids(project_file: Path, tmp_path: Path) -> None:
    damage_predictions(project_file)
    proc = run("recover", str(project_file), str(tmp_path / "r.sqlite"), check=False)
    assert proc.returncode == 1
    line = next(x for x in proc.stdout.splitlines() if x.startswith("predictions"))
    assert "could not be read:" in line and "row(s) copied" in line


def test_recover_refuses_to_overwrite_out(project_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "taken.sqlite"
    out.write_bytes(b"keep me")
    proc = run("recover", str(project_file), str(out), check=False)
    assert proc.returncode == 1 and f"{out} already exists" in proc.stderr
    assert out.read_bytes() == b"keep me"
    with pytest.raises(ProjectFileError, match="already exists"):
        Project.recover(project_file, project_file)


def test_recovery_never_writes_to_the_damaged_file(project_file: Path, tmp_path: Path) -> None:
    damage_predictions(project_file)
    copy = tmp_path / "copy-of-damaged.sqlite"
    shutil.copyfile(project_file, copy)
    Project.recover(project_file, tmp_path / "out.sqlite")
    assert project_file.read_bytes() == copy.read_bytes()
    assert not Path(f"{project_file}-wal").exists()


def test_a_file_of_another_program_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(ProjectFileError, match="not a preannotate_lab project"):
        Project.recover(other, tmp_path / "out.sqlite")
    assert not (tmp_path / "out.sqlite").exists()


def test_a_truncated_file_gives_back_what_is_left(project_file: Path, tmp_path: Path) -> None:
    before = snapshot(project_file)
    data = project_file.read_bytes()
    project_file.write_bytes(data[: len(data) // 3])
    report = Project.recover(project_file, tmp_path / "out.sqlite")
    assert not report.complete and report.lost > 0
    after = snapshot(report.out)  # the recovered file opens and reads through
    assert len(after["tasks"]) == report.table("tasks").copied
    assert len(after["deletions"]) == report.table("deletions").copied
    for task_id, now in after["tasks"].items():
        assert now["task"] == before["tasks"][task_id]["task"]
    assert after["deletions"] == before["deletions"][: len(after["deletions"])]


def test_a_row_that_breaks_the_schema_is_reported_and_the_rest_copied(
        project_file: Path, tmp_path: Path) -> None:
    # damage can read as data: a task whose kind no longer passes the table's CHECK
    with sqlite3.connect(project_file) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE tasks SET kind = 'k\u00e4se' WHERE id = 5")
    conn.close()
    report = Project.recover(project_file, tmp_path / "out.sqlite")
    tasks = report.table("tasks")
    assert tasks.unreadable == [5] and tasks.copied == N_TASKS - 2
    # its data, predictions and completion are left out with it, and say so
    assert report.table("task_data").dropped == [5]
    assert report.table("completions").dropped == [5]
    assert report.table("completion_edits").dropped == [5]
    assert len(report.table("predictions").dropped) == 1
    with Project.open(report.out) as project:
        assert 5 not in project.task_ids() and project.count_completions() == 39
