"""What the task grid costs on a big project: bytes of its first render and kernel time per page.

    python -m benchmarks.task_grid --json          # 100,000 tasks
    python -m benchmarks.task_grid --quick --json  # 10,000 tasks

Prints one JSON object:

* first_render_bytes: every byte the kernel sends to the browser for the grid's first render,
  captured from a real comm (the widget's state in comm_open, with its ES module and CSS, plus
  the reply to the first "page" request). Target <= 200 KB, whatever the number of tasks.
* page_ms: median kernel time to answer a "page" request (store query + reply message), over
  first pages, deep pages, sorted, filtered and searched pages, and pages sorted by confidence
  or filtered by a review flag; page_ms_by_query and page_ms_max give the detail.
  Target <= 50 ms.
* review_index_build_ms: the one-time cost, per connection, of the index that the confidence
  sort and the review filters walk (rebuilt when tasks or predictions change).
* labeling_first_paint_ms: the labeling view's first paint of a 72-page document's first
  page with its boxes, in headless Chromium (benchmarks/labeling_paint.py explains what the
  clock covers; the other labeling_first_paint_* keys split it up). Target <= 300 ms.

Every task holds one prediction (two spans with confidences; some overlap with another
resource's span under another label), written through the store, so that the review columns
are what a pre-annotated project holds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import comm

from preannotate_lab.model import Task

from . import labeling_paint

TARGET_BYTES = 200_000
TARGET_MS = 50.0


class _RecordingComm(comm.base_comm.BaseComm):
    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[tuple[str, Any, list[bytes]]] = []
        super().__init__(**kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        self.sent.append((msg_type, data, [bytes(b) for b in (buffers or [])]))


def _size(message: tuple[str, Any, list[bytes]]) -> int:
    return len(json.dumps(message[1]).encode("utf-8")) + sum(len(b) for b in message[2])


def _texts(n: int) -> tuple[list[str], str]:
    try:
        from .corpus import paragraphs

        base, source = paragraphs(2000)
    except Exception as exc:  # the corpus package is a dev extra; the bundled samples will do
        from importlib.resources import files

        lines = (files("preannotate_lab") / "data" / "sample_tasks.jsonl").read_text("utf-8")
        base = [json.loads(line)["data"]["text"] for line in lines.splitlines()]
        source = f"bundled sample tasks ({exc})"
    return [f"{base[i % len(base)]} (No. {i})" for i in range(n)], source


def _request(grid: Any, channel: _RecordingComm, kind: str, **params: Any) -> tuple[float, int]:
    """Deliver a front-end request; return (kernel ms, reply bytes)."""
    ident = uuid.uuid4().hex
    msg = {"content": {"data": {"method": "custom",
                                "content": {"type": kind, "uuid": ident, **params}}},
           "buffers": []}
    before = len(channel.sent)
    started = time.perf_counter()
    grid._handle_msg(msg)
    elapsed = (time.perf_counter() - started) * 1000
    replies = [m for m in channel.sent[before:]
               if m[0] == "comm_msg" and m[1].get("content", {}).get("uuid") == ident]
    if len(replies) != 1 or "error" in replies[0][1]["content"]:
        raise RuntimeError(f"page request {params} failed: {replies}")
    return elapsed, sum(_size(m) for m in channel.sent[before:])


def _predict(project: Any, ids: list[int], texts: list[str]) -> None:
    """One prediction per task, in chunks as a job writes them: the first word as a PERSON
    span and the last as an ORG with confidences spread over 0..1; every seventh task also
    gets a second resource's LOC on the first word (models disagree)."""
    from preannotate_lab.model import Prediction, Span

    chunk = []
    for i, (task_id, text) in enumerate(zip(ids, texts, strict=True)):
        first = len(text.split(" ", 1)[0]) or 1
        last = text.rstrip().rsplit(" ", 1)[-1]
        spans = [Span(0, first, "PERSON", text[:first], source="ner", confidence=(i * 37 % 100) / 100),
                 Span(len(text) - len(last), len(text), "ORG", last, source="ner", confidence=0.9)]
        if i % 7 == 0:
            spans.append(Span(0, first, "LOC", text[:first], source="prompt", confidence=0.6))
        chunk.append(Prediction(task_id, tuple(spans), "bench-1", server="bench"))
        if len(chunk) == 256:
            project.add_predictions(chunk)
            chunk = []
    if chunk:
        project.add_predictions(chunk)


def run(n_tasks: int, rounds: int) -> dict[str, Any]:
    from preannotate_lab.store import Project
    from preannotate_lab.widgets import TaskGrid

    texts, source = _texts(n_tasks)
    with tempfile.TemporaryDirectory() as folder:
        project = Project.create(Path(folder) / "bench.sqlite")
        started = time.perf_counter()
        ids = project.add_tasks(Task({"text": text}) for text in texts)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        _predict(project, ids, texts)
        predict_s = time.perf_counter() - started
        channels: list[_RecordingComm] = []

        def create(**kwargs: Any) -> _RecordingComm:
            channels.append(_RecordingComm(**kwargs))
            return channels[-1]

        original = comm.create_comm
        comm.create_comm = create
        try:
            grid = TaskGrid(project)
            channel = grid.comm
            state_bytes = sum(_size(m) for m in channel.sent)  # comm_open with the full state
            first_ms, first_page_bytes = _request(grid, channel, "page", offset=0)
            queries: dict[str, dict[str, Any]] = {
                "first": {"traits": {}, "offset": 0},
                "middle": {"traits": {}, "offset": n_tasks // 2},
                "last": {"traits": {}, "offset": n_tasks - 50},
                "sort_title_desc": {"traits": {"sort": "title", "descending": True}, "offset": 0},
                "sort_title_deep": {"traits": {"sort": "title"}, "offset": n_tasks // 2},
                "filter_status": {"traits": {"status": ["new"]}, "offset": 50},
                "search": {"traits": {"search": "the"}, "offset": 0},
                "sort_confidence": {"traits": {"sort": "confidence"}, "offset": 0},
                "sort_confidence_deep": {"traits": {"sort": "confidence", "descending": True},
                                         "offset": n_tasks // 2},
                "review_low_confidence": {"traits": {"review": "low_confidence"}, "offset": 50},
                "review_disagree_search": {"traits": {"review": "models_disagree",
                                                      "search": "the"}, "offset": 0},
            }
            started = time.perf_counter()
            project.task_rows(0, 1, sort="confidence")
            build_ms = (time.perf_counter() - started) * 1000
            timings: dict[str, float] = {}
            everything: list[float] = []
            for name, query in queries.items():
                grid.sort, grid.descending, grid.status, grid.search = "id", False, [], ""
                grid.review = ""
                for key, value in query["traits"].items():
                    setattr(grid, key, value)
                samples = [_request(grid, channel, "page", offset=query["offset"])[0]
                           for _ in range(rounds)]
                timings[name] = round(statistics.median(samples), 2)
                everything += samples
        finally:
            comm.create_comm = original
            project.close()
    first_render = state_bytes + first_page_bytes
    page_ms = round(statistics.median(everything), 2)
    return {
        "tasks": n_tasks,
        "corpus": source,
        "import_s": round(import_s, 2),
        "predict_write_s": round(predict_s, 2),
        "review_index_build_ms": round(build_ms, 1),
        "first_render_bytes": first_render,
        "first_render_state_bytes": state_bytes,
        "first_page_bytes": first_page_bytes,
        "first_render_target_bytes": TARGET_BYTES,
        "first_render_ok": first_render <= TARGET_BYTES,
        "first_page_ms": round(first_ms, 2),
        "page_ms": page_ms,
        "page_ms_max": round(max(timings.values()), 2),
        "page_ms_by_query": timings,
        "page_ms_target": TARGET_MS,
        "page_ms_ok": page_ms <= TARGET_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="10,000 tasks instead of 100,000")
    parser.add_argument("--tasks", type=int, default=None, help="number of tasks")
    parser.add_argument("--rounds", type=int, default=5, help="requests per query")
    parser.add_argument("--paint-rounds", type=int, default=6,
                        help="fresh labeling views to time (the first one renders the page cold)")
    args = parser.parse_args(argv)
    n = args.tasks or (10_000 if args.quick else 100_000)
    if n < 100:
        parser.error(f"--tasks must be at least 100, not {n}")
    if args.paint_rounds < 2:
        parser.error(f"--paint-rounds must be at least 2 (one cold, one warm), not {args.paint_rounds}")
    result = run(n, args.rounds)
    result.update(labeling_paint.measure(args.paint_rounds))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
