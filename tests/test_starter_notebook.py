"""The starter notebook the JupyterLab extension writes when no quickstart is found (from the
launcher card, on a plain ``pip install``): it runs, and a second run opens the project the
first one created."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]


def test_the_launcher_starter_notebook_runs_and_reopens_its_project(tmp_path):
    """The starter the extension writes when no quickstart is found, run twice in one folder:
    the first run creates the project with the sample tasks, the second opens it."""
    source = REPO / "labextension" / "src" / "starter_notebook.json"
    for _run in range(2):
        nb = nbformat.reads(source.read_text(), as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
        code = [c for c in nb.cells if c.cell_type == "code"]
        streams = "".join(o.get("text", "") for o in code[0].outputs if o.output_type == "stream")
        assert streams.strip() == "20 tasks in project.sqlite"  # not 40: opened, not re-imported
        table = next(o for o in code[0].outputs if o.output_type == "execute_result")
        assert "Angela Merkel" in table["data"]["text/html"]
        [lab] = [o for o in code[-1].outputs if o.output_type == "execute_result"]
        assert "application/vnd.jupyter.widget-view+json" in lab["data"]
        errors = [o for c in code for o in c.outputs if o.output_type == "error"]
        assert not errors, errors
    assert (tmp_path / "project.sqlite").is_file()
    assert json.loads(source.read_text())["metadata"]["kernelspec"]["name"] == "python3"
