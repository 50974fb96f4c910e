"""The zero-shot NER prompt: candidates, scores, and learning from a real project's completions.

The clinical note is the kind a new user tried (issue 13): at the old default threshold the
prompt labelled "Dr." as SYMPTOM and "Inc." and "met" as MEDICATION.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from preannotate_lab.model import Completion, Document, Span, Task
from preannotate_lab.resources import Hub, ItemError, ResourceError, zero_shot_examples
from preannotate_lab.resources.zero_shot_scoring import BACKGROUND_WORDS, description_items
from preannotate_lab.store import Project

LABELS = {
    "DISEASE": "a disease, illness or medical condition, such as diabetes, asthma, cancer or an infection",
    "SYMPTOM": "a symptom the patient has, such as pain, fever, cough or nausea",
    "MEDICATION": "a medication or drug, such as aspirin, metformin, ibuprofen or insulin",
}
NOTE = ("Dr. Smith met the patient on Monday. She was diagnosed with breast cancer last year and "
        "was admitted with pneumonia. She takes Lisinopril 10 mg daily and aspirin. "
        "Acme Pharma Inc. makes the drug. She reports headache, fever and nausea.")
# other notes, annotated by hand: none of the note's entities is among their spans
ANNOTATED = [
    ("Mr. Jones was treated for bronchitis and sepsis with Metoprolol and Atorvastatin.",
     [("bronchitis", "DISEASE"), ("sepsis", "DISEASE"), ("Metoprolol", "MEDICATION"),
      ("Atorvastatin", "MEDICATION")]),
    ("History of hypertension and influenza; on Amlodipine and Warfarin, reports dizziness.",
     [("hypertension", "DISEASE"), ("influenza", "DISEASE"), ("Amlodipine", "MEDICATION"),
      ("Warfarin", "MEDICATION"), ("dizziness", "SYMPTOM")]),
]


def spans_of(text: str, marked: list[tuple[str, str]]) -> list[Span]:
    return [Span(text.index(w), text.index(w) + len(w), label, w) for w, label in marked]


def found(resource, text: str = NOTE) -> dict[str, str]:
    return {s.text: s.label for s in resource(Document(text))}


@pytest.fixture(autouse=True)
def _fresh_example_cache():
    zero_shot_examples.clear_cache()
    yield
    zero_shot_examples.clear_cache()


def annotated_project(path: Path, notes=ANNOTATED) -> Project:
    project = Project(path)
    ids = project.add_tasks([Task({"text": text}) for text, _ in notes])
    for task_id, (text, marked) in zip(ids, notes, strict=True):
        project.add_completion(Completion(task_id, spans_of(text, marked), ground_truth=True))
    return project


def test_description_items_and_background() -> None:
    assert description_items("DISEASE", LABELS["DISEASE"]) == [
        "disease", "illness", "medical condition", "diabetes", "asthma", "cancer", "infection"]
    assert {"Dr.", "Inc.", "person", "patient"} <= set(BACKGROUND_WORDS)


def test_reported_failures_with_descriptions_only() -> None:
    res = Hub().build("zero_shot_ner", {"labels": LABELS}, name="clinical")
    spans = res(Document(NOTE))
    labelled = {s.text: s.label for s in spans}
    # never a candidate any more: a bare title, a company suffix, a verb
    assert not {"Dr.", "Inc.", "met"} & set(labelled)
    assert not any(s.text in {"Dr. Smith", "Smith", "Acme Pharma Inc.", "the patient", "patient"}
                   for s in spans)  # person and company phrases fall to the background
    assert labelled["breast cancer"] == "DISEASE"
    assert labelled["fever"] == labelled["nausea"] == "SYMPTOM"
    # every result carries its score: the winning label's softmax share, at least the threshold
    assert all(0.5 <= s.confidence <= 1 and s.source == "clinical" for s in spans)
    # what descriptions alone still get wrong with the bundled 64-dimension model (README):
    # "Lisinopril" is not found and "pneumonia" is not called a DISEASE
    assert "Lisinopril" not in labelled and labelled.get("pneumonia") != "DISEASE"


def test_examples_from_a_project_fix_pneumonia_and_lisinopril(tmp_path: Path) -> None:
    annotated_project(tmp_path / "notes.sqlite").close()
    res = Hub().build("zero_shot_ner", {"labels": LABELS, "project": str(tmp_path / "notes.sqlite")})
    labelled = found(res)
    assert labelled["pneumonia"] == "DISEASE" and labelled["Lisinopril"] == "MEDICATION"
    assert labelled["breast cancer"] == "DISEASE"
    assert not {"Dr.", "Inc.", "met", "Dr. Smith", "Acme Pharma Inc."} & set(labelled)
    assert res.provenance()["examples"] == {"DISEASE": 4, "SYMPTOM": 1, "MEDICATION": 4}
    assert res.provenance()["negatives"] > 0  # e.g. "Mr. Jones", "History"


def test_examples_improve_recall_on_held_out_text(tmp_path: Path) -> None:
    held_out = [
        ("The nurse noted pneumonia and gave Lisinopril.", [("pneumonia", "DISEASE"),
                                                            ("Lisinopril", "MEDICATION")]),
        ("He has bronchitis, takes Metformin and Simvastatin.", [
            ("bronchitis", "DISEASE"), ("Metformin", "MEDICATION"), ("Simvastatin", "MEDICATION")]),
        ("Cirrhosis was treated with Propranolol.", [("Cirrhosis", "DISEASE"),
                                                     ("Propranolol", "MEDICATION")]),
    ]

    def recall(resource) -> float:
        hits = total = 0
        for text, marked in held_out:
            got = {(s.start, s.end, s.label) for s in resource(Document(text))}
            gold = {(s.start, s.end, s.label) for s in spans_of(text, marked)}
            hits, total = hits + len(got & gold), total + len(gold)
        return hits / total

    plain = Hub().build("zero_shot_ner", {"labels": LABELS})
    annotated_project(tmp_path / "notes.sqlite").close()
    taught = Hub().build("zero_shot_ner", {"labels": LABELS, "project": str(tmp_path / "notes.sqlite")})
    assert recall(taught) >= recall(plain) + 0.25
    inline = Hub().build("zero_shot_ner", {"labels": LABELS, "examples": {
        "MEDICATION": ["Metoprolol", "Atorvastatin", "Warfarin"], "DISEASE": ["sepsis", "influenza"]}})
    assert recall(inline) > recall(plain)


def test_examples_are_reread_when_completions_change(tmp_path: Path) -> None:
    path = tmp_path / "growing.sqlite"
    project = Project(path)
    first, second = project.add_tasks([Task({"text": t}) for t, _ in ANNOTATED])
    res = Hub().build("zero_shot_ner", {"labels": LABELS, "project": str(path)})
    assert res.provenance()["examples"] == {"DISEASE": 0, "SYMPTOM": 0, "MEDICATION": 0}
    before = found(res)
    revision = res.provenance()["completions_revision"]

    text, marked = ANNOTATED[0]
    completion = project.add_completion(Completion(first, spans_of(text, marked)))
    after_one = found(res)  # the next batch sees the new completion without a rebuild
    assert res.provenance()["examples"] == {"DISEASE": 2, "SYMPTOM": 0, "MEDICATION": 2}
    assert res.provenance()["completions_revision"] != revision
    assert after_one != before
    assert res.refresh() is False  # nothing changed since: the cached examples are kept

    project.update_completion(completion.id, spans_of(text, marked[:1]))  # an edit counts too
    found(res)
    assert res.provenance()["examples"]["MEDICATION"] == 0
    text2, marked2 = ANNOTATED[1]
    project.add_completion(Completion(second, spans_of(text2, marked2)))
    project.set_ground_truth(completion.id)
    found(res)
    assert res.provenance()["examples"] == {"DISEASE": 3, "SYMPTOM": 1, "MEDICATION": 2}
    project.delete_task(second)
    found(res)
    assert res.provenance()["examples"] == {"DISEASE": 1, "SYMPTOM": 0, "MEDICATION": 0}
    project.close()


def test_completions_revision_and_completed_texts(tmp_path: Path) -> None:
    project = annotated_project(tmp_path / "p.sqlite")
    rev = project.completions_revision()
    assert project.completions_revision() == rev
    texts = list(project.completed_texts())
    assert [t for _, t, _ in texts] == [t for t, _ in ANNOTATED]
    task_id = texts[0][0]
    skipped = project.add_completion(Completion(task_id, [], meta={"skipped": True}))
    assert project.completions_revision() != rev
    # the ground truth is the one taught, not the later skip
    assert [len(r) for _, _, r in project.completed_texts()] == [4, 5]
    project.set_ground_truth(skipped.id)
    # a skip teaches nothing: the task's other completion is taken instead
    assert [len(r) for _, _, r in project.completed_texts()] == [4, 5]
    project.update_completion(1, [])  # the first completion (id 1), now emptied
    assert [len(r) for _, _, r in project.completed_texts()] == [0, 5]
    project.close()


def test_clear_errors(tmp_path: Path) -> None:
    hub = Hub()
    with pytest.raises(ResourceError, match="examples for 'DRUG', which is not one of its labels"):
        hub.build("zero_shot_ner", {"labels": LABELS, "examples": {"DRUG": ["aspirin"]}})
    with pytest.raises(ResourceError, match="must be a list of phrases"):
        hub.build("zero_shot_ner", {"labels": LABELS, "examples": {"MEDICATION": "aspirin"}})
    with pytest.raises(ResourceError, match="does not exist"):
        hub.build("zero_shot_ner", {"labels": LABELS, "project": str(tmp_path / "nope.sqlite")})
    path = tmp_path / "gone.sqlite"
    annotated_project(path).close()
    res = hub.build("zero_shot_ner", {"labels": LABELS, "project": str(path)})
    zero_shot_examples.clear_cache()
    path.unlink()
    (out,) = res.pipe([(Document(NOTE), ())])
    assert isinstance(out, ItemError) and "does not exist" in out.message


def test_a_deployed_server_learns_between_runs(tmp_path: Path) -> None:
    """A server's prompt reads the project it pre-annotates: completions made after one run
    improve the next (forced) run, and each prediction records the revision it learnt from."""
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.resources import hub
    from preannotate_lab.server import ServerManager

    path = tmp_path / "clinic.sqlite"
    project = Project(path, config=LabelingConfig.from_labels({"clinic_zs": list(LABELS)}))
    note, *others = project.add_tasks([Task({"text": NOTE})]
                                      + [Task({"text": text}) for text, _ in ANNOTATED])
    hub.add({"name": "clinic_zs", "factory": "zero_shot_ner",
             "config": {"labels": LABELS, "project": str(path)}}, overwrite=True)
    manager = ServerManager(max_servers=1)
    try:
        server = manager.deploy(project, name="clinic", backend="inline")
        server.run(project, wait=True)
        first = project.latest_prediction(note)
        before = {(r.text, r.label) for r in first.results}
        assert ("Lisinopril", "MEDICATION") not in before
        for task_id, (text, marked) in zip(others, ANNOTATED, strict=True):
            project.add_completion(Completion(task_id, spans_of(text, marked)))
        server.run(project, force=True, wait=True)
        second = project.latest_prediction(note)
        after = {(r.text, r.label) for r in second.results}
        assert {("pneumonia", "DISEASE"), ("Lisinopril", "MEDICATION")} <= after
        (stage,) = second.provenance["resources"]
        (old_stage,) = first.provenance["resources"]
        assert stage["examples"] == {"DISEASE": 4, "SYMPTOM": 1, "MEDICATION": 4}
        assert stage["completions_revision"] != old_stage["completions_revision"]
        assert all(r.confidence is not None and r.confidence >= 0.5 for r in second.results)
    finally:
        manager.close()
        hub.remove("clinic_zs")
        project.close()


def test_platt_fit_recovers_a_known_calibration() -> None:
    import numpy as np

    from preannotate_lab.resources.zero_shot_scoring import _platt

    rng = np.random.default_rng(0)
    x = rng.uniform(-4, 4, 4000)
    y = (rng.uniform(0, 1, 4000) < 1 / (1 + np.exp(-(2 * x - 1)))).astype(float)
    a, b = _platt(x, y)
    assert abs(a - 2) < 0.25 and abs(b + 1) < 0.25
    a, b = _platt(np.array([-1.0, -0.5, 0.5, 1.0]), np.array([0.0, 0.0, 1.0, 1.0]))  # separable
    assert 0 < a < 50 and abs(b) < 5  # finite: the smoothed targets and the pull hold it


def test_leave_one_text_out_scoring_and_calibration() -> None:
    from preannotate_lab.resources import embeddings
    from preannotate_lab.resources.zero_shot_scoring import Candidate, Scorer, build_prototypes

    example = Candidate(0, 7, "Zorblax", "", "title", group=0)
    protos = build_prototypes({"ALIEN": "an alien from space"}, {"ALIEN": [example]})
    scorer = Scorer(protos, embeddings.encode)
    alien = scorer.classes.index("ALIEN")
    seen = scorer.scores([example])[0, alien]
    unseen = scorer.scores([example], leave_out=True)[0, alien]
    assert seen > 0.9 and unseen < seen  # scored as if its own text had not been learnt from
    assert scorer.calibrate([(example, "ALIEN")]) is None  # too little to fit
    assert scorer.calibrated(0.7) == 0.7
    scorer.calibration = (1.0, -1.0)
    assert 0 < scorer.calibrated(0.7) < 0.7


def test_a_large_project_is_sampled_not_parsed_whole(monkeypatch: pytest.MonkeyPatch, nlp) -> None:
    monkeypatch.setattr(zero_shot_examples, "MAX_TASKS", 3)
    texts = [f"Patient {i} has sepsis." for i in range(10)]
    notes = [(text, spans_of(text, [("sepsis", "DISEASE")])) for text in texts]
    learned = zero_shot_examples.learn_from(nlp, notes, list(LABELS))
    assert learned.tasks == 3 and len(learned.examples["DISEASE"]) == 3
    assert {c.text for c in learned.examples["DISEASE"]} == {"sepsis"}
    assert {c.group for c, _ in learned.annotated} == {0, 1, 2}


def test_worker_processes_read_the_examples_themselves(tmp_path: Path) -> None:
    """With a process pool, each worker builds the prompt from the hub and reads the project."""
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.resources import hub
    from preannotate_lab.server import ServerManager

    path = tmp_path / "pool.sqlite"
    project = annotated_project(path)
    project.set_config(LabelingConfig.from_labels({"pool_zs": list(LABELS)}))
    (note,) = project.add_tasks([Task({"text": NOTE})])
    hub.add({"name": "pool_zs", "factory": "zero_shot_ner",
             "config": {"labels": LABELS, "project": str(path)}}, overwrite=True)
    manager = ServerManager(max_servers=1)
    try:
        server = manager.deploy(project, name="pool", backend="process_pool")
        server.run(wait=True)
        found = {(r.text, r.label) for r in project.latest_prediction(note).results}
        assert {("pneumonia", "DISEASE"), ("Lisinopril", "MEDICATION")} <= found
    finally:
        manager.close()
        hub.remove("pool_zs")
        project.close()
