"""Write every notebooks/NN_name.ipynb from its jupytext percent source NN_name.py.

    python notebooks/build.py           # write the .ipynb of every NN_*.py
    python notebooks/build.py --check   # exit 1 when an .ipynb differs from its .py

Edit the .py files, never the .ipynb: the .py is what review, ruff and git diffs read. The
.ipynb holds no outputs except for checked cells: a code cell whose ``# %%`` line carries
``expect="..."`` must start with ``# NBVAL_CHECK_OUTPUT``; the .ipynb stores that text as the
cell's output and nbval (``pytest --nbval-lax notebooks``) compares it with what the cell
prints. Cell ids are stable (``cell-00``, ...) so a rebuild changes nothing that did not change.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
from nbformat.v4 import new_output

HERE = Path(__file__).resolve().parent
CHECK = "# NBVAL_CHECK_OUTPUT"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def sources() -> list[Path]:
    """The tutorial sources, in order: NN_name.py."""
    return sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))


def build(source: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(source, fmt="py:percent")
    n_code = 0
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # random ids would churn the diff on every build
        expected = cell.metadata.pop("expect", None)
        if cell.cell_type != "code":
            if expected is not None:
                raise ValueError(f"{source.name}: expect= on a {cell.cell_type} cell")
            continue
        n_code += 1
        checked = cell.source.startswith(CHECK)
        if checked != (expected is not None):
            raise ValueError(f"{source.name}, cell {i}: a {CHECK} cell needs expect=\"...\" on "
                             "its '# %%' line, and expect= needs the marker")
        if expected is None:
            cell.execution_count, cell.outputs = None, []
        else:
            # nbval treats a reference cell without an execution count as never run
            cell.execution_count = n_code
            cell.outputs = [new_output("stream", name="stdout", text=expected)]
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    return nb


def render(source: Path) -> str:
    """The exact text of ``source``'s .ipynb."""
    return nbformat.writes(build(source)) + "\n"


def stale() -> list[Path]:
    """The .ipynb files that differ from their source (or are missing), and orphans."""
    out = []
    for source in sources():
        target = source.with_suffix(".ipynb")
        if not target.exists() or target.read_text("utf-8") != render(source):
            out.append(target)
    paired = {s.with_suffix(".ipynb") for s in sources()}
    out += [nb for nb in sorted(HERE.glob("*.ipynb")) if nb not in paired]
    return out


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for path in bad:
            print(f"{path.name} does not match its .py: run python notebooks/build.py")
        if not bad:
            print(f"{len(sources())} notebooks match their .py")
        return 1 if bad else 0
    for source in sources():
        target = source.with_suffix(".ipynb")
        text = render(source)
        if not target.exists() or target.read_text("utf-8") != text:
            target.write_text(text, "utf-8")
            print(f"wrote {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
