# %% [markdown]
# # Clinical text: assertion status, classification and relations
#
# Clinical notes need more than entity spans. "No evidence of pneumonia" mentions pneumonia but
# says the patient does **not** have it; "mother had breast cancer" is about the family. This
# tutorial pre-annotates short notes with one server that stacks four resources:
#
# 1. **NER** from a dictionary and a regex rule set (PROBLEM, DRUG, DOSE),
# 2. **assertion status** on the chunks (present, absent, possible, hypothetical,
#    historical, family; ConText-style triggers, negation terms from negspacy),
# 3. **classification** of each note (which service wrote it) by keywords, and
# 4. **relations**: a DOSE belongs to the DRUG next to it (`DOSE>DRUG`, same sentence).
#
# The notes below were written for this tutorial in the style of discharge summaries: no
# package we can depend on ships real patient notes, and real ones must not leave a hospital.
# Everything happens in a new temporary folder; your own rules library is not touched.

# %%
import os
import tempfile
from pathlib import Path

import pandas as pd

import preannotate_lab as pl
from preannotate_lab import Rule, RuleSet

WORK = Path(tempfile.mkdtemp(prefix="preannotate-clinical-"))
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")  # this tutorial's rules and resources

NOTES = [
    "Patient admitted with chest pain. No evidence of pneumonia on chest x-ray. "
    "Started aspirin 81 mg daily.",
    "History of type 2 diabetes, managed with metformin 500 mg twice daily. "
    "Denies fever or cough.",
    "Mother had breast cancer. The patient is worried about a possible lump; "
    "mammogram ordered to rule out malignancy.",
    "Cardiology follow-up: atrial fibrillation, rate controlled on metoprolol 25 mg. "
    "Warfarin 5 mg continued; no bleeding.",
    "Return to the clinic if shortness of breath develops. Lisinopril 10 mg for hypertension.",
    "Surgery consult: appendicitis suspected, possible perforation. Ceftriaxone 1 g given.",
]
project = pl.Project.create(WORK / "clinical.sqlite")
project.read_tasks(pd.DataFrame({"text": NOTES}))
print(project.count_tasks(), "notes")

# %% [markdown]
# ## 1. Entities from rules
#
# A rule set lives once in your rules library (`pl.hub.rules`) and serves every project. A
# dictionary rule matches whole words, case-insensitively; a regex rule runs under a timeout.

# %%
pl.hub.rules.save(RuleSet("clinical", [
    Rule.dictionary("problems", [
        "chest pain", "pneumonia", "type 2 diabetes", "fever", "cough", "breast cancer", "lump",
        "malignancy", "atrial fibrillation", "bleeding", "shortness of breath", "hypertension",
        "appendicitis", "perforation"], "PROBLEM"),
    Rule.dictionary("drugs", ["aspirin", "metformin", "metoprolol", "warfarin", "lisinopril",
                              "ceftriaxone"], "DRUG"),
    Rule.regex("doses", r"\b\d+(?:\.\d+)? ?(?:mg|g|mcg|units)\b", "DOSE"),
]))
print(pl.hub.info("clinical"))

# %% [markdown]
# ## 2. Classification and relations are resources too
#
# `pl.hub.add` saves a named resource config. A keyword classifier scores each note by the
# share of its keywords per label; the relation resource proposes a `dose_of` relation between
# a DRUG and a DOSE in one sentence, at most 3 tokens apart.

# %%
pl.hub.add({"name": "service", "factory": "keyword_classifier", "config": {"keywords": {
    "cardiology": ["cardiology", "atrial fibrillation", "chest pain", "metoprolol"],
    "surgery": ["surgery", "appendicitis", "perforation"],
    "oncology": ["breast cancer", "mammogram", "malignancy", "lump"],
}}})
pl.hub.add({"name": "dosing", "factory": "relations", "config": {
    "relations": [{"label": "dose_of", "allowed": "DOSE>DRUG"}], "max_distance": 3}})

# %% [markdown]
# ## 3. One config, one server
#
# The config names what each label comes from: the rule set for the spans,
# `assertion={"assertion": [...]}` for the statuses to predict, a `<Choices>` control filled by
# the classifier, a `<Relations>` control filled by the relation resource.

# %%
config = pl.LabelingConfig.from_labels(
    {"clinical": ["PROBLEM", "DRUG", "DOSE"]},
    assertion={"assertion": ["absent", "possible", "hypothetical", "historical", "family"]},
    choices={"service": ["cardiology", "surgery", "oncology"]},
    choice_models={"service": "service"},
    relations={"dose_of": "DOSE>DRUG"}, relation_model="dosing",
)
project.set_config(config)
server = pl.servers.deploy(project, name="clinical")
print([(r["name"], r["kind"]) for r in server.resources])

# %% expect="done 6 of 6 tasks, 0 errors\n"
# NBVAL_CHECK_OUTPUT
job = server.run(wait=True)
p = job.progress
print(p["state"], p["done"], "of", p["total"], "tasks,", p["errors"], "errors")

# %% [markdown]
# ## 4. The results
#
# `project.to_dataframe(kind="spans")` gives one row per predicted span; its `assertion`
# column holds the status (empty for a present problem). The status is stamped on every chunk
# in a trigger's scope, so "metformin 500 mg" after "History of" is *historical* too.

# %%
spans = project.to_dataframe(kind="spans")
spans[["task_id", "text", "label", "assertion"]]

# %% [markdown]
# The problems that are not simply present, per status (deterministic: the triggers and the
# rules are fixed). Note what the triggers do and do not catch: "rule out malignancy" is a
# *possible* problem; "appendicitis suspected" is not marked, because "suspected" after the
# term is not a trigger here. Pre-annotation proposes; a reviewer decides.

# %% expect="absent: bleeding, cough, fever, pneumonia\nfamily: breast cancer\nhypothetical: shortness of breath\npossible: lump, malignancy, perforation\nhistorical: type 2 diabetes\n"
# NBVAL_CHECK_OUTPUT
from preannotate_lab.model import Choice, Relation, Span

found: dict[str, set[str]] = {}
for task_id in project.task_ids():
    for r in project.latest_prediction(task_id).results:
        if isinstance(r, Span) and r.label == "PROBLEM" and r.assertion:
            found.setdefault(r.assertion, set()).add(r.text)
for status in ("absent", "family", "hypothetical", "possible", "historical"):
    print(f"{status}: {', '.join(sorted(found.get(status, ())))}")

# %% [markdown]
# Each note's service (a `Choice`) and each `dose_of` relation between two stored spans:

# %%
rows = []
for task_id, note in zip(project.task_ids(), NOTES, strict=True):
    results = project.latest_prediction(task_id).results
    by_id = {r.id: r for r in results if isinstance(r, Span)}
    choice = next((c.labels[0] for c in results if isinstance(c, Choice)), "")
    doses = [f"{by_id[r.from_id].text} -> {by_id[r.to_id].text}" for r in results
             if isinstance(r, Relation)]
    rows.append({"note": note[:50] + "...", "service": choice, "dose_of": "; ".join(doses)})
pd.DataFrame(rows)

# %% [markdown]
# ## 5. Review
#
# The labeling view shows the assertion of each span as a badge, the note's service and the
# relation arcs. Create a completion from the prediction to correct any of them.

# %%
view = pl.LabelingView(project, task_id=project.task_ids()[0])
view

# %%
pl.servers.delete("clinical")
