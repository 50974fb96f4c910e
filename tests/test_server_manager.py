"""ServerManager: capacity policy, the shared resource cache, deploy errors."""

from __future__ import annotations

import time

import pytest
from server_fixtures import MODEL, NER_LABELS, config_for, save_rules

from preannotate_lab.server import CapacityError, ServerError, ServerManager
from preannotate_lab.server.cache import ResourceCache


@pytest.fixture
def rules():
    save_rules("ids", [{"name": "ticket", "label": "TICKET", "type": "regex",
                        "pattern": r"\bT-\d{4}\b"}])
    return "ids"


def test_deploy_beyond_max_servers_is_refused_naming_servers_to_delete(rules):
    manager = ServerManager(max_servers=2)
    manager.deploy(config_for({rules: ["TICKET"]}), name="rules")
    manager.deploy(config_for({MODEL: ["PERSON"]}), name="ner-1")
    with pytest.raises(CapacityError) as caught:
        manager.deploy(config_for({MODEL: ["ORG"]}), name="ner-2")
    message = str(caught.value)
    assert "2 servers are deployed (max 2)" in message
    assert "ner-1 (idle)" in message and "rules (idle)" in message
    assert "servers panel" in message
    assert [s.name for s in manager.list()] == ["rules", "ner-1"]
    manager.delete("rules")
    assert manager.deploy(config_for({MODEL: ["ORG"]}), name="ner-2").name == "ner-2"
    manager.close()


def test_too_many_models_in_one_server_is_refused(rules):
    manager = ServerManager(max_models_per_server=1)
    with pytest.raises(CapacityError, match=r"2 models .*at most 1"):
        manager.deploy(config_for({MODEL: ["PERSON"], rules: ["TICKET"]}))
    assert manager.list() == []


def test_memory_budget_refusal_names_the_servers_holding_memory(rules):
    manager = ServerManager(memory_budget_mb=61)  # the English pipeline (~61 MB) and nothing more
    big = manager.deploy(config_for({MODEL: ["PERSON"]}), name="people")
    with big.acquire():  # a running job pins the model: it may not be evicted
        with pytest.raises(CapacityError) as caught:
            manager.deploy(config_for({MODEL: ["ORG"], rules: ["TICKET"]}), name="orgs")
    message = str(caught.value)
    assert "memory budget is 61 MB" in message and "people (idle" in message
    manager.close()


def test_second_server_with_the_same_model_uses_the_cached_load():
    manager = ServerManager()
    started = time.perf_counter()
    first = manager.deploy(config_for({MODEL: NER_LABELS}), name="a")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    second = manager.deploy(config_for({MODEL: ["PERSON"]}), name="b")
    cached = time.perf_counter() - started
    assert manager.cache.loads[MODEL] == 1
    assert first.spec.stages[0].key == second.spec.stages[0].key
    assert cached < cold / 10
    assert first.pipeline_hash != second.pipeline_hash  # different label sets
    manager.close()


def test_lru_eviction_spares_resources_pinned_by_running_jobs():
    cache = ResourceCache(budget_mb=100)
    a = cache.get("a", "a", 60, lambda: object())
    with cache.pinned([a]):
        with pytest.raises(CapacityError, match="in use by a running job"):
            cache.get("b", "b", 60, lambda: object())
        assert "a" in cache
    cache.get("b", "b", 60, lambda: object())  # a is idle now: evicted as least recently used
    assert cache.keys() == ["b"] and cache.loads == {"a": 1, "b": 1}


def test_an_evicted_model_is_reloaded_when_its_server_runs(sample_texts, project_path):
    from server_fixtures import make_project

    manager = ServerManager(memory_budget_mb=70)
    server = manager.deploy(config_for({MODEL: ["GPE"]}), name="places")
    manager.cache.clear()
    project = make_project(project_path, sample_texts[:3])
    assert server.run(project, wait=True).progress["predicted"] == 3
    assert manager.cache.loads[MODEL] == 2
    manager.close()


def test_deploy_errors_name_the_input():
    manager = ServerManager()
    with pytest.raises(ServerError, match=r"labels PERSON name model=.no-such-model"):
        manager.deploy(config_for({"no-such-model": ["PERSON"]}))
    with pytest.raises(ServerError, match="usage"):
        manager.deploy(config_for({MODEL: ["PERSON"]}), usage="cooking")
    manager.deploy(config_for({MODEL: ["PERSON"]}), name="x")
    with pytest.raises(ServerError, match="already deployed"):
        manager.deploy(config_for({MODEL: ["PERSON"]}), name="x")
    with pytest.raises(ServerError, match=r"no server named 'y'; deployed: x"):
        manager.get("y")
    manager.delete("x")
    assert manager.list() == []


def test_a_deleted_server_refuses_new_jobs(sample_texts, project_path):
    from server_fixtures import make_project

    manager = ServerManager()
    server = manager.deploy(config_for({MODEL: ["PERSON"]}), name="gone")
    manager.delete("gone")
    assert server.status == "stopped"
    with pytest.raises(ServerError, match="was deleted"):
        server.run(make_project(project_path, sample_texts[:2]))


def test_the_kernel_manager_is_created_lazily_and_once():
    import preannotate_lab as pl
    from preannotate_lab import server

    assert pl.servers is server.servers is server.servers
    assert isinstance(pl.servers, ServerManager)
    assert pl.servers.max_servers == 3 and pl.servers.memory_budget_mb > 0


def test_bad_run_arguments_and_backends_are_named(sample_texts, project_path):
    from server_fixtures import make_project

    from preannotate_lab.server import DaskBackend
    from preannotate_lab.server.backends import backend_from

    manager = ServerManager()
    server = manager.deploy(config_for({MODEL: ["PERSON"]}), name="args")
    project = make_project(project_path, sample_texts[:2])
    with pytest.raises(TypeError, match="task_ids must be a list"):
        server.run(project, 1)
    with pytest.raises(ValueError, match="batch_size and chunk_size must be >= 1"):
        server.run(project, batch_size=0)
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        backend_from("gpu")
    with pytest.raises(TypeError, match="distributed.Client or a scheduler address"):
        DaskBackend(42)
    assert server.run(project, [2], wait=True).progress["predicted"] == 1
    manager.close()


def test_list_and_describe_answer_while_a_deploy_loads_its_models():
    import threading

    from server_fixtures import MODEL, config_for

    from preannotate_lab.resources import hub as real_hub
    from preannotate_lab.server import ServerError

    loading, release = threading.Event(), threading.Event()

    class SlowHub:  # the real hub; its loads wait until the test lets them go
        def __getattr__(self, name):
            return getattr(real_hub, name)

        def load(self, name):
            loading.set()
            release.wait(30)
            return real_hub.load(name)

    manager = ServerManager(hub=SlowHub())
    done: list = []
    t = threading.Thread(target=lambda: done.append(
        manager.deploy(config_for({MODEL: ["PERSON"]}), name="slow")))
    t.start()
    try:
        assert loading.wait(30)
        answered = threading.Event()
        probe = threading.Thread(target=lambda: (manager.list(), manager.describe(), answered.set()))
        probe.start()
        assert answered.wait(5), "list()/describe() blocked behind a loading deploy"
        assert manager.list() == [] and "slow" not in manager
        with pytest.raises(ServerError, match="being deployed"):
            manager.deploy(config_for({MODEL: ["ORG"]}), name="slow")
    finally:
        release.set()
        t.join(60)
    assert [s.name for s in manager.list()] == ["slow"] and done[0].name == "slow"
    manager.close()


def test_a_resource_larger_than_the_budget_asks_for_a_larger_budget_not_a_delete(rules):
    # issue 10: the refusal blamed running jobs (none ran) and asked to delete a small server
    manager = ServerManager(memory_budget_mb=30)
    try:
        manager.deploy(config_for({rules: ["TICKET"]}), name="tickets")
        check = manager.check_deploy(config_for({MODEL: ["PERSON"]}))
        assert not check.can_deploy
        assert check.servers_used == 1 and check.max_servers == 3
        assert check.memory_budget_mb == 30 and check.planned_mb > 30
        assert check.resources[0]["name"] == MODEL and not check.resources[0]["loaded"]
        with pytest.raises(CapacityError) as caught:
            manager.deploy(config_for({MODEL: ["PERSON"]}), name="people")
        message = str(caught.value)
        assert message == check.reason.replace("the new server", "server 'people'")
        assert "which alone exceeds the memory budget of 30 MB" in message
        assert "servers.memory_budget_mb = " in message and "ServerManager(memory_budget_mb=" in message
        assert "tickets" not in message and "running jobs" not in message
        manager.memory_budget_mb = check.planned_mb + 10
        assert manager.check_deploy(config_for({MODEL: ["PERSON"]})).can_deploy
        assert manager.deploy(config_for({MODEL: ["PERSON"]}), name="people").name == "people"
        with pytest.raises(ValueError, match="memory_budget_mb must be"):
            manager.memory_budget_mb = 0
    finally:
        manager.close()


def test_memory_refusal_names_only_servers_whose_deletion_makes_room(rules):
    save_rules("codes", [{"name": "code", "label": "CODE", "type": "regex", "pattern": r"C-\d+"}])
    manager = ServerManager(memory_budget_mb=61)
    try:
        big = manager.deploy(config_for({MODEL: ["PERSON"]}), name="people")
        manager.deploy(config_for({"codes": ["CODE"]}), name="codes")  # idle, unpinned
        with big.acquire():
            check = manager.check_deploy(config_for({rules: ["TICKET"]}))
            assert not check.can_deploy and check.needed_mb > 0
            with pytest.raises(CapacityError) as caught:
                manager.deploy(config_for({rules: ["TICKET"]}), name="tickets")
        message = str(caught.value)
        assert "delete people" in message and "codes" not in message
        assert manager.check_deploy(config_for({rules: ["TICKET"]})).can_deploy
    finally:
        manager.close()


def test_check_deploy_reports_a_full_manager_before_the_click(rules):
    manager = ServerManager(max_servers=1)
    try:
        manager.deploy(config_for({rules: ["TICKET"]}), name="only")
        check = manager.check_deploy(config_for({rules: ["TICKET"]}))
        assert not check.can_deploy and check.servers_used == check.max_servers == 1
        assert "1 servers are deployed (max 1)" in check.reason and "only (idle)" in check.reason
        assert check.describe()["planned_mb"] == check.resources[0]["memory_mb"]
    finally:
        manager.close()
