"""Label Studio / Generative AI Lab result items <-> Span, Choice, Relation (pure functions)."""

from __future__ import annotations

import pytest

from preannotate_lab.formats.ls_results import ResultProblem, parse_results, results_to_ls
from preannotate_lab.model import Box, Choice, Relation, Span

TEXT = "Angela Merkel met Emmanuel Macron in Berlin."


def labels(start, end, label, rid, **value):
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": [label], **value}}


def test_labels_choices_relation_are_read_with_ids_kept():
    items = [
        labels(0, 13, "PER", "a1", text="Angela Merkel"),
        labels(18, 33, "PER", "b2"),  # Label Studio often leaves the text out
        {"id": "a1", "from_name": "role", "to_name": "text", "type": "choices", "value": {"choices": ["Chancellor"]}},
        {"id": "c3", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Neutral"]}},
        {"from_id": "a1", "to_id": "b2", "type": "relation", "direction": "right", "labels": ["met"]},
    ]
    results, warnings = parse_results(items, text=TEXT)
    assert warnings == []
    spans = [r for r in results if isinstance(r, Span)]
    assert [(s.id, s.label, s.text) for s in spans] == [("a1", "PER", "Angela Merkel"), ("b2", "PER", "Emmanuel Macron")]
    choices = {c.from_name: c for c in results if isinstance(c, Choice)}
    assert choices["role"].span_id == "a1" and choices["role"].labels == ("Chancellor",)
    assert choices["sentiment"].span_id is None
    (relation,) = [r for r in results if isinstance(r, Relation)]
    assert (relation.from_id, relation.to_id, relation.label) == ("a1", "b2", "met")


def test_string_confidences_become_floats_and_leave_as_numbers():
    item = labels(0, 13, "PER", "a1", text="Angela Merkel", confidence="0.9876")
    (span,), _ = parse_results([item], text=TEXT)
    assert span.confidence == pytest.approx(0.9876)
    (genai,) = results_to_ls([span], flavor="genailab")
    assert genai["value"]["confidence"] == pytest.approx(0.9876)
    (ls,) = results_to_ls([span], flavor="labelstudio")
    assert ls["score"] == pytest.approx(0.9876) and "confidence" not in ls["value"]


def test_assertion_label_becomes_span_assertion_and_goes_back_out():
    items = [labels(0, 13, "PER", "a1"), labels(0, 13, "Absent", "x9")]
    results, _ = parse_results(items, text=TEXT, assertion_labels=["Absent"])
    assert results == [Span(0, 13, "PER", "Angela Merkel", id="a1", assertion="Absent", from_name="label")]
    out = results_to_ls(results)
    assert [(i["value"]["labels"], i["value"]["start"]) for i in out] == [(["PER"], 0), (["Absent"], 0)]
    again, _ = parse_results(out, text=TEXT, assertion_labels=["Absent"])
    assert again == results


def test_assertion_without_entity_is_kept_as_a_span_with_a_warning():
    results, warnings = parse_results([labels(37, 43, "Absent", "x9")], text=TEXT, assertion_labels=["Absent"])
    assert [s.label for s in results] == ["Absent"]
    assert "no entity" in warnings[0]


def test_rectangles_become_boxes_in_pixels_and_round_trip():
    rect = {"id": "r1", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "original_width": 1000, "original_height": 2000, "item_index": 1,
            "value": {"x": 10, "y": 5, "width": 20, "height": 1.5, "rectanglelabels": ["Total"], "text": "$5"}}
    second = dict(rect, id="r1_1", parentID="r1", value=dict(rect["value"], y=10))
    (span,), _ = parse_results([rect, second])
    assert span.boxes == (Box(1, 100.0, 100.0, 200.0, 30.0, 1000, 2000), Box(1, 100.0, 200.0, 200.0, 30.0, 1000, 2000))
    out = results_to_ls([span])
    assert [o["id"] for o in out] == ["r1", "r1_1"] and out[1]["parentID"] == "r1"
    assert out[0]["value"]["x"] == pytest.approx(10) and out[0]["item_index"] == 1
    assert parse_results(out)[0] == [span]


def test_genailab_page_number_is_one_based():
    rect = {"id": "r1", "type": "rectanglelabels", "original_width": 100, "original_height": 100,
            "value": {"x": 1, "y": 1, "width": 1, "height": 1, "rectanglelabels": ["A"], "pageNumber": 3}}
    (span,), _ = parse_results([rect])
    assert span.boxes[0].page == 2


@pytest.mark.parametrize("item, message", [
    (labels(5, 2, "PER", "a"), "invalid offsets"),
    (labels(0, 400, "PER", "a"), "past the end of the text"),
    ({"id": "a", "type": "labels", "value": {"end": 3, "labels": ["PER"]}}, "no 'start'"),
    (labels(0, 3, "PER", "a", confidence="high"), "expected a number"),
    ({"id": "a", "type": "choices", "value": {}}, "no choices"),
    ({"type": "relation", "to_id": "b"}, "no 'from_id'"),
])
def test_bad_items_raise_a_problem_naming_the_item(item, message):
    with pytest.raises(ResultProblem, match=message) as info:
        parse_results([item], text=TEXT, where="annotation #0")
    assert "annotation #0 item #0" in str(info.value)


def test_unsupported_types_are_warned_about_not_dropped_silently():
    results, warnings = parse_results([{"id": "t", "type": "textarea", "value": {"text": ["hi"]}}])
    assert results == [] and "textarea" in warnings[0]


def test_per_region_choices_round_trip_with_their_own_ids():
    spans = [Span(0, 13, "PER", "Angela Merkel", id="a1", from_name="label"),
             Span(18, 33, "PER", "Emmanuel Macron", id="b2", from_name="label")]
    derived = Choice(("Head of government",), span_id="a1", from_name="role", confidence=0.8)
    custom = Choice(("Other",), id="custom7", span_id="b2", from_name="role")
    whole = Choice(("Neutral",), id="c3", from_name="sentiment")
    relation = Relation("a1", "b2", "met")
    results = [*spans, derived, custom, whole, relation]
    out = results_to_ls(results)
    by_name = [(i["id"], i["from_name"], i.get("choice_id")) for i in out if i["type"] == "choices"]
    # Label Studio's shape: a per-region choice carries its region's id; only an id that
    # cannot be derived again rides along in choice_id
    assert by_name == [("a1", "role", None), ("b2", "role", "custom7"), ("c3", "sentiment", None)]
    again, warnings = parse_results(out, text=TEXT)
    assert warnings == [] and again == results
    assert [c.id for c in again if isinstance(c, Choice)] == [derived.id, "custom7", "c3"]
    # a Label Studio file's per-region choice gets the id model.Choice derives, not the span's
    (choice,) = [r for r in parse_results(out[:1] + out[2:3], text=TEXT)[0] if isinstance(r, Choice)]
    assert choice.id == derived.id != "a1" and choice.span_id == "a1"
    assert results_to_ls([spans[0], choice]) == [out[0], out[2]]
