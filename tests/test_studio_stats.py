"""The rule studio's statistics on a real project file with real text, checked against a
brute-force scan; the trigram index never drops a matching task and follows every change."""

from __future__ import annotations

import random
import sqlite3
import time

import pytest
from studio_fixtures import FOLDING_TEXTS, brute_force, real_texts  # noqa: F401 - fixture

from preannotate_lab.model import Completion, Prediction, Span, Task
from preannotate_lab.resources import Hub
from preannotate_lab.resources.ruleset import Rule, RuleSet
from preannotate_lab.store import Project
from preannotate_lab.studio import RuleStudio, RuleTimeoutError
from preannotate_lab.studio.literals import rule_query

RULES = [
    Rule.regex("amount", r"\$\d+(?:\.\d+)? (?:million|billion)", "AMOUNT"),
    Rule.regex("year", r"\b(?:1[89]|20)\d\d\b", "YEAR"),  # no literal of three characters
    Rule.regex("caps", r"\b[A-Z][a-z]+ (?:Party|University|Council)\b", "ORG"),
    Rule.regex("istanbul", r"(?i)istanbul", "GPE"),  # matches İSTANBUL: i and İ fold together
    Rule.regex("kelvin", r"kelvin|\bkey\b", "UNIT", case_sensitive=False),  # matches the Kelvin sign
    Rule.regex("long_s", r"sun\b", "WORD", case_sensitive=False),  # matches ſun
    Rule.regex("group", r"born in (\w+)", "PLACE", group=1),
    Rule.regex("posix", r"[[:upper:]]{2,}\]?", "ACRONYM"),  # a POSIX class the index cannot read
    Rule.dictionary("cities", ["London", "New York", "Paris", "Sydney", "Berlin", "Canberra"], "GPE"),
    Rule.dictionary("parties", ["Labor Party", "Liberal Party", "Democrats"], "ORG",
                    case_sensitive=True),
]


@pytest.fixture
def hub(tmp_path) -> Hub:
    return Hub(tmp_path / "home")


@pytest.fixture
def project(tmp_path, real_texts):  # noqa: F811 - the fixture
    project = Project.create(tmp_path / "studio.sqlite")
    project.add_tasks([Task({"text": t}) for t in real_texts])
    project.add_tasks([Task({"document": "scans/page.pdf"}, kind="document")])  # not text
    yield project
    project.close()


def _stats_hits(stats) -> list[tuple[int, int, int, str]]:
    return [(m["task_id"], m["start"], m["end"], m["label"]) for m in stats.matches]


def _expected(rule: Rule, texts: dict[int, str]):
    found = brute_force(rule, texts)
    flat = [(task_id, s, e, label) for task_id, spans in sorted(found.items()) for s, e, label in spans]
    return found, flat


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_statistics_equal_a_brute_force_scan(project, hub, rule):
    texts = project.task_texts()
    found, flat = _expected(rule, texts)
    assert found, f"the test corpus should hold matches of {rule.name}"
    stats = RuleStudio(project, hub=hub).stats(rule, examples=10_000, context=15)
    assert stats.hits == len(flat) and stats.tasks_with_hits == len(found)
    assert stats.hits_per_label == {rule.label: len(flat)}
    assert _stats_hits(stats) == flat  # every match, in task and offset order
    first = stats.matches[0]
    text = texts[first["task_id"]]
    assert first["match"] == text[first["start"]:first["end"]]
    assert first["left"] == text[max(0, first["start"] - 15):first["start"]]
    assert first["right"] == text[first["end"]:first["end"] + 15]
    assert stats.scope == {"tasks": len(texts), "project_tasks": len(texts), "sample": None, "seed": 0}
    assert stats.complete and stats.quality is None
    if stats.index["used"]:  # the index skipped tasks, and never one that matches
        assert stats.index["candidates"] < len(texts)
        assert set(found) <= set(project.text_candidates(stats.index["query"]))
    assert stats.timing["ms_per_1000_tasks"] > 0


def test_the_index_is_used_where_the_pattern_has_literal_text(project):
    used = {r.name: rule_query(r) is not None for r in RULES}
    assert used == {"amount": True, "year": False, "caps": True, "istanbul": True, "kelvin": True,
                    "long_s": True, "group": True, "posix": False, "cities": True, "parties": True}
    assert rule_query(Rule.regex("fuzzy", r"(?:london){e<=1}", "X")) is None  # the regex module's
    assert rule_query(Rule.regex("opt", r"(?:Mr\.|Mrs\.|)Smith", "X")) == '("smi" AND "mit" AND "ith")'
    assert rule_query(Rule.regex("short", r"\bNo\s\d+", "X")) is None


def test_case_folding_corners_are_found(project, hub):
    studio = RuleStudio(project, hub=hub)
    got = {r.name: [m["match"] for m in studio.stats(r, examples=100).matches]
           for r in RULES if r.name in ("istanbul", "kelvin", "long_s")}
    assert "\u0130STANBUL" in got["istanbul"] and "\u0130stanbul" in got["istanbul"]
    assert "\u212aelvin" in got["kelvin"] and "\u212aEY" in got["kelvin"]
    assert "\u017fun" in got["long_s"]
    assert FOLDING_TEXTS[0] in project.task_texts().values()


def test_a_sample_states_its_size_and_equals_a_scan_of_those_tasks(project, hub):
    rule = RULES[-2]
    stats = RuleStudio(project, hub=hub).stats(rule, sample=150, seed=7, examples=10_000)
    ids = sorted(random.Random(7).sample(project.text_task_ids(), 150))
    texts = project.task_texts(ids)
    _found, flat = _expected(rule, texts)
    assert stats.scope["sample"] == 150 and stats.scope["tasks"] == 150
    assert _stats_hits(stats) == flat and "sample of 150" in repr(stats)


def test_precision_recall_and_f1_against_hand_made_completions(tmp_path, hub):
    texts = ["Shares rose in London and Paris on Monday.",  # rule: London, Paris
             "The New York office moved to Berlin.",  # rule: New York, Berlin
             "Berlin is cold; so is Oslo.",  # rule: Berlin
             "Paris again."]  # no completion: not judged
    project = Project.create(tmp_path / "prf.sqlite")
    ids = project.add_tasks([Task({"text": t}) for t in texts])

    def span(task: int, word: str, label: str = "GPE") -> Span:
        start = texts[task].index(word)
        return Span(start, start + len(word), label, word)

    # task 0: London right, Paris missing from the completion (a false positive)
    project.add_completion(Completion(ids[0], [span(0, "London")], created_by="ann"))
    # task 1: both right; an ORG span of another label does not count
    project.add_completion(Completion(ids[1], [span(1, "New York"), span(1, "Berlin"),
                                               span(1, "office", "ORG")], created_by="ann"))
    # task 2: a first completion says nothing, the ground truth has Berlin and Oslo (missed)
    project.add_completion(Completion(ids[2], [], created_by="ann"))
    truth = project.add_completion(Completion(ids[2], [span(2, "Berlin"), span(2, "Oslo")],
                                              created_by="lead"))
    project.set_ground_truth(truth.id)
    rule = Rule.dictionary("cities", ["London", "Paris", "New York", "Berlin"], "GPE")
    quality = RuleStudio(project, hub=hub).stats(rule).quality
    assert quality is not None and quality["tasks"] == 3
    assert quality["micro"] == {"precision": 0.8, "recall": 0.8, "f1": 0.8, "tp": 4, "fp": 1,
                                "fn": 1, "support": 5}
    assert [e["text"] for e in quality["false_positives"]] == ["Paris"]
    assert [(e["task_id"], e["text"]) for e in quality["missed"]] == [(ids[2], "Oslo")]
    project.close()


def test_overlaps_and_conflicts_with_other_rules_and_predictions(tmp_path, hub):
    text = "Goldman Sachs hired Ann Lee in New York for $5 million last May."
    project = Project.create(tmp_path / "against.sqlite")
    [task] = project.add_tasks([Task({"text": text})])
    hub.rules.save(RuleSet("finance", (
        Rule.dictionary("banks", ["Goldman Sachs"], "ORG"),
        Rule.regex("money", r"\$\d+ million", "MONEY"),
        Rule.regex("old", r"New York", "CITY"),  # the rule being edited: left out
    )))
    hub.rules.save(RuleSet("places", (Rule.regex("ny", r"New York", "GPE"),
                                      Rule.regex("york", r"York", "LOC"))))

    def at(word: str, label: str, source: str) -> Span:
        start = text.index(word)
        return Span(start, start + len(word), label, word, source=source)

    project.add_predictions([Prediction(task, [at("Goldman Sachs", "ORG", "sm"),
                                               at("New York", "GPE", "sm"),
                                               at("$5", "MONEY", "sm")], model_version="1")])
    rule = Rule.regex("old", r"(?:Goldman Sachs|New York|\$5 million)", "ORG")
    stats = RuleStudio(project, hub=hub).stats(rule, ruleset="finance", against=["places"])
    by = {a["source"]: a for a in stats.against}
    assert set(by) == {"finance/banks", "finance/money", "places/ny", "places/york", "sm"}
    assert (by["finance/banks"]["agree"], by["finance/banks"]["conflict"]) == (1, 0)
    assert (by["finance/money"]["agree"], by["finance/money"]["conflict"]) == (0, 1)
    assert by["places/ny"]["conflict"] == 1 and by["places/york"]["conflict"] == 1
    assert by["places/ny"]["examples"][0]["other"] == {
        "start": text.index("New York"), "end": text.index("New York") + 8, "label": "GPE",
        "text": "New York"}
    assert (by["sm"]["kind"], by["sm"]["agree"], by["sm"]["conflict"]) == ("prediction", 1, 2)
    project.close()


def test_the_index_follows_added_updated_and_deleted_tasks(project, hub):
    studio = RuleStudio(project, hub=hub)
    rule = Rule.regex("zeppelin", r"Zeppelin\w*", "CRAFT")
    assert studio.stats(rule).hits == 0
    [a, b] = project.add_tasks([Task({"text": "A Zeppelin flew over Friedrichshafen."}),
                                Task({"text": "Nothing to see."})])
    assert [m["task_id"] for m in studio.stats(rule).matches] == [a]
    project.update_task(b, {"text": "Zeppelins and more Zeppelins."})
    project.update_task(a, {"text": "A balloon flew over Friedrichshafen."})
    stats = studio.stats(rule)
    assert [(m["task_id"], m["match"]) for m in stats.matches] == [(b, "Zeppelins"), (b, "Zeppelins")]
    assert project.text_candidates(stats.index["query"]) == [b]  # a's old text left the index
    project.delete_task(b)
    assert studio.stats(rule).hits == 0 and project.text_candidates(stats.index["query"]) == []
    with project._db.write() as conn:  # FTS5's own consistency check of the index
        conn.execute("INSERT INTO task_text_index (task_text_index) VALUES ('integrity-check')")


def test_a_file_of_schema_7_gets_its_index_built_once_on_first_use(tmp_path, real_texts, hub):  # noqa: F811
    path = tmp_path / "v7.sqlite"
    with Project.create(path) as project:
        project.add_tasks([Task({"text": t}) for t in real_texts[:200]])
    raw = sqlite3.connect(path)  # what a v7 file looks like: no index, no triggers
    for name in ("task_text_index_insert", "task_text_index_delete", "task_text_index_update"):
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("DROP TABLE task_text_index")
    raw.execute("DROP TABLE text_index_pending")
    raw.execute("PRAGMA user_version = 7")
    raw.commit()
    raw.close()
    with Project.open(path) as project:
        studio = RuleStudio(project, hub=hub)
        rule = RULES[0]
        first = studio.stats(rule)
        assert first.timing["indexed_tasks"] == 200 and first.timing["index_build_s"] > 0
        assert first.hits == sum(len(v) for v in brute_force(rule, project.task_texts()).values())
        assert studio.stats(rule).timing["indexed_tasks"] == 200  # built once


def test_a_hostile_regex_times_out_with_a_clear_message(project, hub):
    [bad] = project.add_tasks([Task({"text": "a" * 5000 + "b"})])
    started = time.perf_counter()
    with pytest.raises(RuleTimeoutError) as caught:
        RuleStudio(project, hub=hub).stats(Rule.regex("x", r"(a+)+$", "A"), timeout=0.2)
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    assert f"rule 'x' timed out after 0.2 s on task {bad}" in message
    assert "backtracks catastrophically" in message and "(a+)+" in message


def test_a_slow_pattern_is_flagged_and_a_budget_stops_the_scan(project, hub):
    slow = Rule.regex("slow", r"(?:\w+\s?)+[.!?]\s+[A-Z]", "X")
    stats = RuleStudio(project, hub=hub).stats(slow, budget=0.05)
    assert not stats.complete and stats.index["scanned"] < stats.index["candidates"]
    assert any(w.startswith("stopped after 0.05 s") for w in stats.warnings)
    assert any(w.startswith("slow pattern:") and "no literal text" in w for w in stats.warnings)
    assert stats.scope["tasks"] < stats.scope["project_tasks"]


def test_the_index_query_never_leaves_out_a_matching_task(project):
    """Patterns built from words of the real text, in many shapes: every task that matches is a
    candidate of the index query."""
    import regex

    texts = project.task_texts()
    words = sorted({w for t in list(texts.values())[:200] for w in regex.findall(r"\b\w{4,12}\b", t)})
    rng = random.Random(13)
    shapes = ["{a}", "(?i){a}", r"{a}\s+{b}", "(?:{a}|{b})s?", r"{a2}\w*{a3}", "[{a0}]{a1}",
              "(?:{a})?{b}", "{a}(?={b})", "(?:{a}|{b}|x)", r"(?x) {a} \s* {b} ", "{a}+{b}",
              "(?i:{a}){b}", r"{a}\b|\b{b}"]
    checked = 0
    for _ in range(120):
        a, b = rng.sample(words, 2)
        shape = rng.choice(shapes)
        pattern = shape.format(a=regex.escape(a), b=regex.escape(b), a0=a[0], a1=regex.escape(a[1:]),
                               a2=regex.escape(a[:2]), a3=regex.escape(a[-3:]))
        rule = Rule.regex("r", pattern, "X", case_sensitive=rng.random() < 0.5)
        query = rule_query(rule)
        matching = set(brute_force(rule, texts))
        if query is None:
            continue
        checked += 1
        assert matching <= set(project.text_candidates(query)), pattern
    assert checked > 80


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_the_dictionary_fast_path_equals_the_rules_engine(tmp_path, hub, case_sensitive):
    """Keywords inside other words, overlapping keywords, a shorter keyword behind a longer
    one that fails its word boundary, case-folding corners and a text that folding lengthens."""
    texts = ["Jerome flew to Rome; the Romex plant is near rome.",
             "New Yorker staff met in New  York, then New\nYork City.",
             "STRASSE and Straße: \u0130stanbul, ISTANBUL, \u212aelvin and \u017funny weather.",
             "York, New York. Yorkshire is not York."]
    project = Project.create(tmp_path / "fast.sqlite")
    project.add_tasks([Task({"text": t}) for t in texts])
    rule = Rule.dictionary("d", ["Rome", "New York", "New York City", "New", "York", "Istanbul",
                                 "kelvin", "sunny", "strasse"], "X", case_sensitive=case_sensitive)
    stats = RuleStudio(project, hub=hub).stats(rule, examples=1000)
    _found, flat = _expected(rule, project.task_texts())
    assert _stats_hits(stats) == flat and len(flat) >= 7
    project.close()


def test_a_large_dictionary_takes_the_many_words_path_and_still_equals_the_engine(project, hub):
    import regex

    from preannotate_lab.studio.fastpath import FIND_WORDS, DictionaryFinder

    texts = project.task_texts()
    words = sorted({w for t in list(texts.values())[:300] for w in regex.findall(r"\b[A-Z][a-z]{3,}\b", t)})
    keywords = random.Random(5).sample(words, 150) + ["New York", "Prime Minister"]
    rule = Rule.dictionary("big", keywords, "X")
    finder = DictionaryFinder(rule)
    assert finder.usable and finder._words is None and len(keywords) > FIND_WORDS
    stats = RuleStudio(project, hub=hub).stats(rule, examples=100_000)
    _found, flat = _expected(rule, texts)
    assert _stats_hits(stats) == flat and len(flat) > 100
