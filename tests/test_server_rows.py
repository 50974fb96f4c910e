"""Every server row the dialog and the servers panel receive says where the server lives."""

from __future__ import annotations

from server_fixtures import config_for, make_project, save_rules

from preannotate_lab.server import InlineBackend, ProcessPoolBackend, ServerManager
from preannotate_lab.widgets._servers import describe_all


def test_kernel_servers_say_kernel_with_their_workers_and_no_dashboard(tmp_path):
    save_rules("words", [{"name": "any", "label": "WORD", "type": "regex", "pattern": r"[A-Z]\w+"}])
    project = make_project(tmp_path / "p.sqlite", ["Hello World"])
    project.set_config(config_for({"words": ["WORD"]}))
    manager = ServerManager()
    try:
        manager.deploy(project, name="inline", backend=InlineBackend())
        manager.deploy(project, name="pool", backend=ProcessPoolBackend(workers=3))
        rows = {row["name"]: row for row in describe_all(manager, project)}
    finally:
        manager.close()
    assert {n: (r["location"], r["workers"], r["dashboard"]) for n, r in rows.items()} == {
        "inline": ("kernel", 1, None), "pool": ("kernel", 3, None)}
