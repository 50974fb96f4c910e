"""The quickstart notebook is generated from notebooks/make_quickstart.py (no browser needed)."""

from __future__ import annotations

import json
import subprocess
import sys

from browser_fixtures import NOTEBOOKS


def test_notebook_matches_its_generator():
    done = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "make_quickstart.py"), "--check"],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_notebook_is_stripped_except_checked_cells():
    nb = json.loads((NOTEBOOKS / "01_quickstart.ipynb").read_text("utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    checked = [c for c in code if "".join(c["source"]).startswith("# NBVAL_CHECK_OUTPUT")]
    assert 1 <= len(checked) <= 3
    for cell in code:
        if cell in checked:
            assert [o["output_type"] for o in cell["outputs"]] == ["stream"]
        else:
            assert cell["outputs"] == [] and cell["execution_count"] is None
