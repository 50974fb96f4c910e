"""Every tutorial notebook is generated from its jupytext source (notebooks/NN_name.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CHECK = "# NBVAL_CHECK_OUTPUT"


def test_every_notebook_matches_its_source():
    done = subprocess.run([sys.executable, str(NOTEBOOKS / "build.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    sources = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    assert sources == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert len(sources) >= 8


def test_notebooks_are_stripped_except_checked_cells():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text("utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        checked = [c for c in code if "".join(c["source"]).startswith(CHECK)]
        assert checked, f"{path.name} checks no output"
        for cell in code:
            if cell in checked:
                assert [o["output_type"] for o in cell["outputs"]] == ["stream"], path.name
            else:
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_a_checked_cell_needs_its_expected_output(tmp_path):
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        import build
    finally:
        sys.path.remove(str(NOTEBOOKS))
    source = tmp_path / "99_x.py"
    source.write_text(f"# %%\n{CHECK}\nprint(1)\n")
    try:
        build.build(source)
    except ValueError as exc:
        assert "needs expect=" in str(exc)
    else:
        raise AssertionError("a checked cell without expect= was accepted")
    source.write_text(f'# %% expect="1\\n"\n{CHECK}\nprint(1)\n')
    (cell,) = build.build(source).cells
    assert cell.outputs[0]["text"] == "1\n" and cell.execution_count == 1
    assert "expect" not in cell.metadata
