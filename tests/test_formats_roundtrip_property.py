"""Property: import -> export -> import of any Label Studio file loses and changes nothing.

Hypothesis generates task files with hostile text (astral characters, combining marks, RTL,
zero-width joiners, control characters, lone surrogates), spans on any offsets (code points,
as Python and this project count them; also negative, reversed and past the end), scores of
every kind (finite, NaN, infinite, huge, numeric strings, words), labels in and outside the
config, predictions and annotations with ids. For every file: each task either imports or is
one per-item error naming it; no exception escapes; and exporting the first project to Label
Studio JSON and importing that into a fresh project gives back exactly what was stored.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preannotate_lab.model import result_to_dict
from preannotate_lab.project import Project

CONFIG = """<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/>
<Label value="LOC"/></Labels><Text name="text" value="$text"/></View>"""
LABELS = ["PER", "ORG", "LOC"]

HOSTILE = [
    "\U0001F600", "\U0001F468\u200D\U0001F469\u200D\U0001F467",  # astral, a ZWJ family
    "e\u0301", "\u0301", "\u0915\u094D\u0937",  # combining marks, a Devanagari conjunct
    "\u05E9\u05DC\u05D5\u05DD", "\u0645\u0631\u062D\u0628\u0627", "\u202E", "\u200F",  # RTL
    "\u200B", "\u200D", "\uFEFF", "\u2028", "\r\n", "\t",  # zero-width, separators
    "\x00", "\x07", "\x1b", "\x7f", "\x85",  # control characters
    "\ud800", "\udfff", "\ud83d",  # lone surrogates (legal as JSON escapes, not in UTF-8)
    "\U0010FFFF", "\uFFFE", "A", " ", "Anna",
]
chars = st.one_of(st.sampled_from(HOSTILE), st.characters(codec=None))
texts = st.lists(chars, max_size=12).map("".join)

scores = st.one_of(
    st.none(),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    # 10**400 leaves as the word 1e400 (read as infinity); 10**400 + 1 as its 401 digits (an
    # integer too large for a float)
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 10**400, 10**400 + 1, 0, 1, True]),
    st.sampled_from(["0.9524", "1", " 0.5 ", "nan", "inf", "-Infinity", "1e400", "1e-400",
                     "high", "", "0x1p-2", "\ud800"]),
)
labels = st.one_of(st.sampled_from(LABELS), st.sampled_from(["BOGUS", "per", "", "PER\u200D"]))


@st.composite
def span_items(draw: Any, text: str) -> dict[str, Any]:
    if draw(st.integers(0, 3)):  # mostly spans inside the text, so most tasks get through
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
    else:  # and any offsets at all: negative, reversed, past the end
        start, end = draw(st.integers(-2, len(text) + 2)), draw(st.integers(-2, len(text) + 2))
    value: dict[str, Any] = {"start": start, "end": end, "labels": [draw(labels)]}
    how = draw(st.sampled_from(["exact", "exact", "absent", "other"]))
    if how == "exact":
        value["text"] = text[max(start, 0):max(end, 0)]
    elif how == "other":
        value["text"] = draw(texts)
    item: dict[str, Any] = {"id": draw(st.text("abcdef0123456789", min_size=1, max_size=6)),
                            "from_name": "label", "to_name": "text", "type": "labels", "value": value}
    if draw(st.booleans()):
        item["score"] = draw(scores)
    return item


@st.composite
def tasks(draw: Any, task_id: int) -> dict[str, Any]:
    text = draw(texts)
    results = st.lists(span_items(text), max_size=3)
    task: dict[str, Any] = {"id": task_id, "data": {"text": text}}
    predictions = []
    for pid in draw(st.lists(st.integers(1, 10**6), max_size=2, unique=True)):
        prediction = {"id": pid, "model_version": draw(st.sampled_from(["m1", "m2", "v\U0001F600"])),
                      "result": draw(results)}
        if draw(st.booleans()):
            prediction["score"] = draw(scores)
        predictions.append(prediction)
    annotations = []
    for aid in draw(st.lists(st.integers(1, 10**6), max_size=2, unique=True)):
        annotation = {"id": aid, "completed_by": draw(st.sampled_from([1, "ann", "b\u05E9", None])),
                      "ground_truth": draw(st.booleans()), "result": draw(results)}
        if draw(st.integers(0, 4)) == 0:
            annotation["was_cancelled"] = True
        annotations.append(annotation)
    if predictions:
        task["predictions"] = predictions
    if annotations:
        task["annotations"] = annotations
    return task


task_files = st.integers(1, 4).flatmap(lambda n: st.tuples(*(tasks(i + 1) for i in range(n))))


def _stored(project: Project) -> dict[str, Any]:
    """What the project holds per task, by the task's source id: the things a round trip keeps."""
    out = {}
    for task in project.iter_tasks():
        out[task.data.get("_source_id")] = {
            "data": task.data, "title": task.title,
            "predictions": [(p.model_version, p.score, [result_to_dict(r) for r in p.results])
                            for p in project.predictions(task.id)],
            "completions": [(c.created_by, c.ground_truth, [result_to_dict(r) for r in c.results])
                            for c in project.completions(task.id)],
        }
    return out


def _check_round_trip(items: tuple[dict[str, Any], ...], folder: Path) -> None:
    source = folder / "generated.json"
    # ensure_ascii writes a lone surrogate as its \\u escape, NaN/Infinity as JSON5 words
    raw = json.dumps(list(items), ensure_ascii=True)
    source.write_text(raw.replace(str(10**400), "1e400"), "utf-8")
    with Project.create(folder / "first.sqlite", CONFIG) as first:
        report = first.read_tasks(source)
        failed = {e.position for e in report.errors}
        assert all(e.input == "generated.json" and e.message.strip() for e in report.errors)
        for e in report.errors:  # a message can be printed and written anywhere
            e.message.encode("utf-8")
        assert failed <= {f"task #{i}" for i in range(len(items))}, report.errors
        assert report.n_tasks + len(failed) == len(items), (report.summary(), report.errors)
        stored = _stored(first)
        assert set(stored) == {str(t["id"]) for i, t in enumerate(items) if f"task #{i}" not in failed}
        first.export("labelstudio", folder / "export.json")
    with Project.create(folder / "second.sqlite", CONFIG) as second:
        again = second.read_tasks(folder / "export.json")
        assert again.errors == [], again.errors
        assert _stored(second) == stored


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(task_files)
def test_label_studio_round_trip_keeps_everything_or_reports_the_item(items):
    with tempfile.TemporaryDirectory() as folder:
        _check_round_trip(items, Path(folder))


# regressions the property found, each as its smallest file

def _round_trip(folder: Path, items: list[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
    (folder / "in.json").write_text(json.dumps(items), "utf-8")
    with Project.create(folder / "a.sqlite", CONFIG) as first:
        report = first.read_tasks(folder / "in.json")
        first.export("labelstudio", folder / "out.json")
    with Project.create(folder / "b.sqlite", CONFIG) as second:
        assert second.read_tasks(folder / "out.json").errors == []
        return report, _stored(second)


def test_two_authors_of_the_same_results_keep_their_names(tmp_path):
    # the export keyed authors by a digest of the results: the second name replaced the first
    items = [{"id": 1, "data": {"text": "Anna"}, "annotations": [
        {"id": 1, "completed_by": "ann", "result": []},
        {"id": 2, "completed_by": "bob", "result": []},
        {"id": 3, "completed_by": "cat", "was_cancelled": True, "result": []}]}]
    _, stored = _round_trip(tmp_path, items)
    assert [c[0] for c in stored["1"]["completions"]] == ["ann", "bob", "cat"]


def test_a_skip_keeps_its_author(tmp_path):
    items = [{"id": 1, "data": {"text": "Anna"}, "annotations": [
        {"id": 1, "completed_by": "ann", "was_cancelled": True, "result": []}]}]
    _, stored = _round_trip(tmp_path, items)
    assert stored["1"]["completions"][0][0] == "ann"


def test_an_integer_too_large_for_a_float_is_an_item_error(tmp_path):
    source = tmp_path / "huge.json"
    huge = "1" + "0" * 400
    source.write_text(
        f'[{{"id": 1, "data": {{"text": "Anna"}}, "predictions": [{{"score": {huge}, "result": []}}]}},'
        f' {{"id": 2, "data": {{"text": "Anna"}}, "predictions": [{{"result": [{{"type": "labels",'
        ' "value": {"start": 1e400, "end": 4, "labels": ["PER"]}}]}]},'
        ' {"id": 3, "data": {"text": "Bob"}}]', "utf-8")
    with Project.create(tmp_path / "p.sqlite", CONFIG) as project:
        report = project.read_tasks(source)
    assert report.n_tasks == 1
    errors = {e.position: e.message for e in report.errors}
    assert "score of prediction #0 is an integer of 401 digits, too large" in errors["task #0"]
    assert "offsets that are not integers" in errors["task #1"]


def test_a_rectangle_with_a_page_number_that_is_no_number_is_an_item_error(tmp_path):
    source = tmp_path / "box.json"
    box = {"type": "rectanglelabels", "item_index": "first", "original_width": 100,
           "original_height": 100, "value": {"x": 1, "y": 1, "width": 5, "height": 5,
                                             "rectanglelabels": ["PER"]}}
    source.write_text(json.dumps([{"id": 1, "data": {"text": "Anna"}, "predictions": [{"result": [box]}]},
                                  {"id": 2, "data": {"text": "Bob"}}]), "utf-8")
    with Project.create(tmp_path / "p.sqlite", CONFIG) as project:
        report = project.read_tasks(source)
    assert report.n_tasks == 1
    assert "page number that is not a number" in report.errors[0].message
