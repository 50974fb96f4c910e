"""A server deployed without a backend: every core, and exactly the full spaCy pipeline's entities.

The test session runs servers in the test process (conftest sets PREANNOTATE_LAB_BACKEND=inline);
these tests take the default back.
"""

from __future__ import annotations

import pytest
from server_fixtures import MODEL, config_for, make_project

from benchmarks.corpus import paragraphs, short_texts
from preannotate_lab.server import ServerManager
from preannotate_lab.server.default_backend import BACKEND_ENV, available_cores

pytestmark = pytest.mark.slow


@pytest.fixture
def default_backend(monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "auto")


def _entities(project) -> dict[str, list[tuple[int, int, str]]]:
    out = {}
    for task in project.iter_tasks():
        prediction = project.latest_prediction(task.id)
        out[task.text] = sorted((r.start, r.end, r.label) for r in prediction.results)
    return out


@pytest.mark.skipif(available_cores() < 2, reason="the pool is the default on 2+ cores only")
def test_default_server_runs_on_a_pool_and_equals_the_full_pipeline(default_backend, nlp,
                                                                       tmp_path):
    texts = short_texts(200)[0] + paragraphs(120)[0]
    labels = sorted(nlp.get_pipe("ner").labels)
    manager = ServerManager()
    try:
        server = manager.deploy(config_for({MODEL: labels}), name="exact")
        described = server.describe()["backend"]
        assert described["backend"] == "process_pool"
        assert described["workers"] == min(available_cores(), 4)
        project = make_project(tmp_path / "p.sqlite", texts)
        job = server.run(project=project, wait=True)
        assert job.progress["predicted"] == len(texts) and job.progress["errors"] == 0
        assert server.describe()["backend"]["backend"] == "process_pool"  # no fallback
        got = _entities(project)
        full = {doc.text: sorted((e.start_char, e.end_char, e.label_) for e in doc.ents)
                for doc in nlp.pipe(texts, batch_size=64)}
        mismatched = [t for t in texts if got[t] != full[t]]
        assert mismatched == [], f"{len(mismatched)} tasks differ, e.g. {mismatched[:2]}"
    finally:
        manager.close()


def test_fast_setting_differs_from_the_full_pipeline_on_some_short_texts(nlp):
    from preannotate_lab.resources import hub

    fast = hub.load(MODEL, config={"fast": True}).nlp
    texts = short_texts()[0] + paragraphs(200)[0]
    full = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    quick = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in fast.pipe(texts)]
    assert fast.pipe_names == ["ner"]
    # the documented trade-off: close to, not exactly, the model's output
    assert sum(a != b for a, b in zip(full, quick, strict=True)) <= len(texts) * 0.05


def test_inline_setting_and_custom_hub_run_in_the_kernel(monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "inline")
    manager = ServerManager()
    try:
        server = manager.deploy(config_for({MODEL: ["PERSON"]}), name="kernel")
        assert server.describe()["backend"] == {
            "backend": "inline", "workers": 1, "default": True,
            "reason": f"{BACKEND_ENV}=inline"}
    finally:
        manager.close()
    monkeypatch.setenv(BACKEND_ENV, "auto")
    from preannotate_lab.resources import Hub, hub

    manager = ServerManager(hub=Hub(hub.home))
    try:
        server = manager.deploy(config_for({MODEL: ["PERSON"]}), name="own-hub")
        described = server.describe()["backend"]
        assert described["backend"] == "inline" and "hub" in described["reason"]
    finally:
        manager.close()


def test_a_bad_backend_setting_names_the_choices(monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "threads")
    manager = ServerManager()
    with pytest.raises(ValueError, match="inline, process_pool or auto"):
        manager.deploy(config_for({MODEL: ["PERSON"]}), name="bad")


def test_cli_run_says_how_many_processes_ran_the_job():
    from preannotate_lab.cli_output import workers_text

    assert workers_text({"backend": "process_pool", "workers": 2}) == "2 (process pool)"
    assert workers_text({"backend": "inline", "workers": 1, "reason": "this machine has one core"}) \
        == "1 (in this process: this machine has one core)"
