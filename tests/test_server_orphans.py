"""Pool workers exit when their parent dies: a kernel killed with ``kill -9`` leaves no
workers behind (each would hold a loaded pipeline)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

# the child runs one real job (a rules server on a project) on the pool, then prints its
# workers' pids and waits to be killed
CHILD = r"""
import json, os, sys, time
from preannotate_lab.model import Task
from preannotate_lab.labeling import LabelingConfig
from preannotate_lab.resources import hub
from preannotate_lab.resources.rules import RuleSet
from preannotate_lab.server import ServerManager
from preannotate_lab.server.default_backend import shared_pool
from preannotate_lab.store import Project

hub.rules.save(RuleSet.from_dict({"name": "orphan_money", "rules": [
    {"name": "usd", "type": "regex", "pattern": r"\$\d+", "label": "MONEY"}]}), overwrite=True)
project = Project.create(sys.argv[1])
project.add_tasks([Task({"text": f"It cost ${i}."}) for i in range(20)])
project.set_config(LabelingConfig.from_labels({"orphan_money": ["MONEY"]}))
default = sys.argv[2] == "default"  # the kernel's shared pool, as DefaultBackend uses it
server = ServerManager().deploy(project, name="money", backend=None if default else sys.argv[2])
job = server.run(wait=True)
executor = shared_pool()._executor if default else server.backend._executor
print(json.dumps({"predicted": job.progress["predicted"],
                  "workers": [p.pid for p in executor._processes.values()]}), flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("backend", ["process_pool", "default"])
def test_workers_exit_when_their_parent_is_killed(tmp_path: Path, backend: str) -> None:
    env = {**os.environ, "PREANNOTATE_LAB_BACKEND": "process_pool"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "p.sqlite"), backend],
                             env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line, f"the child printed nothing (exit code {child.poll()})"
        report = json.loads(line)
        assert report["predicted"] == 20
        workers = [psutil.Process(pid) for pid in report["workers"]]
        assert workers and all(w.is_running() for w in workers)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, f"workers still alive after their parent died: {alive}"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
