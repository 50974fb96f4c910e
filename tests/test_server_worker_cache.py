"""Worker processes share loaded resources between pipelines and keep only a few."""

from __future__ import annotations

import gc

from server_fixtures import MODEL, config_for, save_rules

from preannotate_lab.server import ServerManager
from preannotate_lab.server import pipeline as pipeline_module
from preannotate_lab.server.pipeline import WORKER_CACHE_SIZE, run_texts, worker_cache_info


def _languages() -> int:
    import spacy

    gc.collect()
    return sum(isinstance(o, spacy.language.Language) for o in gc.get_objects())


def test_rule_edits_reuse_the_workers_spacy_model_and_the_cache_stays_small():
    pipeline_module._WORKER_RESOURCES.clear()  # what earlier tests in this process loaded
    manager = ServerManager()
    try:
        before = None
        for i in range(WORKER_CACHE_SIZE + 2):
            save_rules("w", [{"name": "any", "label": "WORD", "type": "regex",
                              "pattern": r"[A-Z][a-z]+" + "x?" * i}])
            server = manager.deploy(config_for({"w": ["WORD"], MODEL: ["PERSON"]}), name=f"v{i}")
            # what a pool or Dask worker does per chunk
            [(_, results)] = run_texts(server.spec, [(1, "Hello Bob")], 8)
            assert {r.label for r in results} >= {"WORD"}
            manager.delete(f"v{i}")
            if before is None:
                before = _languages()
        cached = worker_cache_info()
        assert len([k for k in cached if k.startswith(MODEL + "@")]) == 1
        assert len(cached) <= WORKER_CACHE_SIZE
        assert _languages() <= before  # no new spaCy model per rule edit
    finally:
        manager.close()
