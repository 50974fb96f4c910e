"""Regex and dictionary rules, the user-level rules library, hostile patterns."""

from __future__ import annotations

import json
import random
import string
import time
from pathlib import Path

import pytest

from preannotate_lab.model import Document
from preannotate_lab.resources import Hub, ItemError, ResourceError
from preannotate_lab.resources.base import ItemWarning
from preannotate_lab.resources.rules import Rule, RuleSet, trie_pattern

DATA = Path(__file__).parent / "data" / "resources"


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return Hub(tmp_path / "home")


def spans_of(resource, text: str):
    (out,) = resource.pipe([(Document(text), ())])
    assert not isinstance(out, ItemError), out
    return [(s.text, s.label) for s in out]


def test_regex_and_dictionary_rules_label_text(hub: Hub) -> None:
    rules = RuleSet("clinic", (
        Rule.regex("dose", r"\b\d+(?:\.\d+)?\s?mg\b", "DOSE"),
        Rule.dictionary("drugs", ["aspirin", "Metformin", "heart attack"], "DRUG"),
    ))
    hub.rules.save(rules)
    res = hub.load("clinic")
    assert res.kind == "ner" and set(res.labels) == {"DOSE", "DRUG"}
    text = "Took ASPIRIN 81 mg after a heart  attack; metformin 500mg daily. Aspirinate is not one."
    assert spans_of(res, text) == [("ASPIRIN", "DRUG"), ("81 mg", "DOSE"), ("heart  attack", "DRUG"),
                                   ("metformin", "DRUG"), ("500mg", "DOSE")]
    assert all(s.source == "clinic" for s in res(Document(text)))


def test_case_sensitive_and_substring_options() -> None:
    strict = Rule.dictionary("k", ["DNA"], "X", case_sensitive=True, whole_word=False)
    rs = RuleSet("r", (strict,))
    from preannotate_lab.resources.rules import RulesResource

    res = RulesResource("r", rs)
    assert spans_of(res, "dna DNA cDNA") == [("DNA", "X"), ("DNA", "X")]


def test_dictionary_from_csv_and_longest_match() -> None:
    rule = Rule.from_csv("drugs", DATA / "drugs.csv", "DRUG", column="drug")
    assert rule.keywords == ("aspirin", "ibuprofen", "metformin", "lisinopril")
    with pytest.raises(ResourceError, match="no column 'name'"):
        Rule.from_csv("drugs", DATA / "drugs.csv", "DRUG", column="name")
    pattern = trie_pattern(["new", "new york", "new york city"])
    import regex

    assert regex.match(pattern, "new york city hall").group() == "new york city"


def test_bad_pattern_is_refused_naming_the_rule() -> None:
    with pytest.raises(ResourceError, match="rule 'broken'.*does not compile"):
        Rule.regex("broken", r"(unclosed", "X")
    with pytest.raises(ResourceError, match="two rules are named 'a'"):
        RuleSet("s", (Rule.regex("a", "x", "X"), Rule.regex("a", "y", "Y")))
    with pytest.raises(ResourceError, match="rule 'g'.*no group 2"):
        Rule.regex("g", r"(a)b", "X", group=2)


def test_hostile_regex_times_out_on_that_task_only(hub: Hub) -> None:
    hub.rules.save(RuleSet("hostile", (Rule.regex("x", r"(a+)+$", "A"),), timeout=0.2))
    res = hub.load("hostile")
    items = [(Document("aaa"), ()), (Document("a" * 5000 + "b"), ()), (Document("xaa"), ())]
    started = time.perf_counter()
    outs = list(res.pipe(items))
    assert time.perf_counter() - started < 3
    assert [s.text for s in outs[0]] == ["aaa"]
    assert isinstance(outs[1], ItemError)
    assert outs[1].message == "rule 'x' timed out after 0.2 s on this task; simplify the pattern"
    assert [s.text for s in outs[2]] == ["aa"]


def test_a_rule_that_times_out_drops_only_its_own_matches(hub: Hub) -> None:
    hub.rules.save(RuleSet("mixed", (Rule.regex("slow", r"(a+)+$", "A"),
                                     Rule.regex("money", r"\$\d+", "MONEY")), timeout=0.2))
    (out,) = list(hub.load("mixed").pipe([(Document("$5 for " + "a" * 5000 + "b"), ())]))
    assert isinstance(out, ItemWarning) and isinstance(out, ItemError)
    assert out.message == "rule 'slow' timed out after 0.2 s on this task; simplify the pattern"
    assert [(s.text, s.label) for s in out.results] == [("$5", "MONEY")]


def test_library_round_trip_import_export_and_fingerprint(hub: Hub, tmp_path: Path) -> None:
    rs = RuleSet("ids", (Rule.regex("mrn", r"MRN\d{6}", "ID"),), description="record numbers")
    hub.rules.save(rs)
    exported = tmp_path / "ids.json"
    text = hub.rules.export_json("ids", exported)
    assert json.loads(text)["rules"][0]["pattern"] == r"MRN\d{6}"
    other = Hub(tmp_path / "other-home")  # another user / machine
    imported = other.rules.import_json(exported)
    assert imported == rs and imported.fingerprint() == rs.fingerprint()
    assert other.load("ids").fingerprint() == hub.load("ids").fingerprint()
    changed = rs.with_rule(Rule.regex("mrn", r"MRN\d{7}", "ID"))
    assert changed.fingerprint() != rs.fingerprint()
    with pytest.raises(ResourceError, match="already exists"):
        other.rules.import_json(exported)
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "b", "rules": [{"name": "r", "label": "X", "pattern": "(("}]}')
    with pytest.raises(ResourceError, match="rule 'r'.*does not compile"):
        other.rules.import_json(bad)
    assert "b" not in other.rules.names()  # nothing half-written
    hub.remove("ids")
    assert "ids" not in hub.names()


def test_rules_library_uses_env_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PREANNOTATE_LAB_HOME", str(tmp_path / "envhome"))
    hub = Hub()
    hub.rules.save(RuleSet("z", (Rule.regex("z", "z+", "Z"),)))
    assert (tmp_path / "envhome" / "rules" / "z.json").exists()
    assert hub.info("z").labels == ("Z",)


def test_ten_thousand_keywords_are_fast() -> None:
    rng = random.Random(7)
    words = sorted({"".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 12)))
                    for _ in range(10_000)})
    started = time.perf_counter()
    rule = Rule.dictionary("big", words, "TERM")
    from preannotate_lab.resources.rules import RulesResource

    res = RulesResource("big", RuleSet("big", (rule,)))
    built = time.perf_counter() - started
    picked = words[::500]
    text = " filler text, ".join(picked) * 1 + " and more words here. " * 50
    docs = [(Document(text), ())] * 200
    started = time.perf_counter()
    outs = list(res.pipe(docs))
    matched = time.perf_counter() - started
    assert {s.text for s in outs[0]} >= set(picked)
    assert built < 5 and matched < 5, (built, matched)
