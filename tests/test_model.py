"""The shared data model: stable ids, lossless result serialization, box geometry."""

from __future__ import annotations

import pytest

from preannotate_lab.model import (
    TASK_MIME_TYPE,
    Box,
    Choice,
    Relation,
    Span,
    Task,
    results_from_json,
    results_to_json,
)


def test_result_ids_come_from_content_so_reruns_give_identical_predictions() -> None:
    assert Span(0, 5, "ORG", "Apple").id == Span(0, 5, "ORG", "Apple", confidence=0.3).id
    assert Span(0, 5, "ORG", "Apple").id != Span(0, 5, "GPE", "Apple").id


def test_results_round_trip_through_json_without_loss() -> None:
    box = Box(page=1, x=10, y=20, width=30, height=8, page_width=1000, page_height=2000)
    span = Span(3, 9, "DRUG", "aspirin", confidence=0.9, assertion="absent", boxes=(box,))
    results = (
        span,
        Choice(("positive", "urgent"), confidence=0.7, span_id=span.id, from_name="sentiment"),
        Relation(span.id, "other", label="treats", direction="bi"),
    )
    assert results_from_json(results_to_json(results)) == results


def test_box_percent_and_union() -> None:
    a = Box(page=0, x=100, y=50, width=100, height=20, page_width=1000, page_height=500)
    b = Box(page=0, x=300, y=40, width=50, height=20, page_width=1000, page_height=500)
    assert a.percent() == (10.0, 10.0, 10.0, 4.0)
    u = a.union(b)
    assert (u.x, u.y, u.x2, u.y2) == (100, 40, 350, 70)
    with pytest.raises(ValueError, match="pages 0 and 1"):
        a.union(Box(page=1, x=0, y=0, width=1, height=1, page_width=1000, page_height=500))


def test_invalid_span_offsets_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid span offsets"):
        Span(5, 2, "X", "")


def test_task_displays_as_the_labextension_mime_type_with_its_text_untouched() -> None:
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    bundle = Task(data={"text": hostile}, id=7, title="t")._repr_mimebundle_()
    assert bundle[TASK_MIME_TYPE]["text"] == hostile  # rendered as text by the front end
    assert bundle[TASK_MIME_TYPE]["id"] == 7
