"""The store refuses invalid completions and structurally invalid configs (real SQLite)."""

from __future__ import annotations

import pytest

from preannotate_lab.labeling import ConfigError
from preannotate_lab.model import Choice, Completion, Span, Task
from preannotate_lab.store import Project
from preannotate_lab.store.checks import InvalidCompletionError

TEXT = "Apple hired Tim Cook."
CONFIG = """<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="PERSON"/>
</Labels><Text name="text" value="$text"/></View>"""


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p.sqlite", CONFIG) as p:
        yield p


@pytest.mark.parametrize("span, message", [
    (Span(0, 5, "COMPANY", "Apple"), r"'COMPANY'.*config span labels: ORG, PERSON"),
    (Span(0, 5, "ORG", "Tim C"), r"says 'Tim C' but the text at \[0, 5\) is 'Apple'"),
    (Span(12, 40, "PERSON", "Tim Cook."), r"ends at 40, past the end of the text \(21 characters\)"),
])
def test_invalid_spans_are_refused_on_add_and_on_edit(project, span, message):
    [task_id] = project.add_tasks([Task({"text": TEXT})])
    with pytest.raises(InvalidCompletionError, match=rf"(?s)new completion of task {task_id}.*{message}"):
        project.add_completion(Completion(task_id=task_id, results=[span]))
    good = project.add_completion(Completion(task_id=task_id, results=[Span(0, 5, "ORG", "Apple")]))
    with pytest.raises(ValueError, match=rf"(?s)completion {good.id} of task {task_id}.*{message}"):
        project.update_completion(good.id, [span])
    assert project.get_completion(good.id).results == [Span(0, 5, "ORG", "Apple")]
    assert project.get_completion(good.id).history == []


def test_choices_the_config_lacks_are_refused(project):
    [task_id] = project.add_tasks([Task({"text": TEXT})])
    with pytest.raises(InvalidCompletionError, match="choice label 'happy'"):
        project.add_completion(Completion(task_id=task_id, results=[Choice(("happy",))]))


def test_document_spans_are_checked_only_against_a_known_text(project):
    ids = project.add_tasks([Task({"document": "scan.pdf"}, kind="document"),
                             Task({"document": "b.pdf", "text": "Short"}, kind="document")])
    far = Span(100, 105, "ORG", "Apple")
    project.add_completion(Completion(task_id=ids[0], results=[far]))  # text unknown: kept
    with pytest.raises(InvalidCompletionError, match="past the end"):
        project.add_completion(Completion(task_id=ids[1], results=[far]))
    # OCR text may differ from the page's stored text: only offsets are checked
    project.add_completion(Completion(task_id=ids[1], results=[Span(0, 5, "ORG", "Apple")]))


@pytest.mark.parametrize("xml, message", [
    ('<View><Labels name="l" toName="nope"><Label value="A"/></Labels><Text name="text" value="$text"/></View>',
     "toName='nope'"),
    ('<View><Labels name="l" toName="text"><Label value="A"/><Label value="A"/></Labels>'
     '<Text name="text" value="$text"/></View>', "'A' appears 2 times"),
    ('<View><Text name="text" value="$text"/></View>', "no labels"),
])
def test_structurally_invalid_configs_are_refused(tmp_path, xml, message):
    with Project.create(tmp_path / "p.sqlite") as project:
        with pytest.raises(ConfigError, match=message):
            project.set_config(xml)
        assert project.config is None


def test_first_config_after_imported_completions_must_have_their_labels(tmp_path):
    with Project.create(tmp_path / "p.sqlite") as project:
        [task_id] = project.add_tasks([Task({"text": TEXT})])
        project.add_completion(Completion(task_id=task_id, results=[Span(0, 5, "COMPANY", "Apple")]))
        with pytest.raises(ConfigError, match=r"(?s)'COMPANY'.*task 1.*force=True \(CLI: --force\)") as caught:
            project.set_config(CONFIG)
        assert "set_config(" not in str(caught.value)
        project.set_config(CONFIG, force=True)
        assert project.config.label_values == ["ORG", "PERSON"]


def test_completion_from_a_prediction_leaves_out_labels_the_config_lacks(tmp_path) -> None:
    """The config changed after the prediction: the copy keeps what the config allows, and
    its history keeps the whole prediction, so nothing is lost."""
    from preannotate_lab.labeling import LabelingConfig
    from preannotate_lab.model import Prediction, Relation, Span, Task
    from preannotate_lab.store import Project

    text = "Tim Cook runs Apple in Cupertino."
    person, org, city = Span(0, 8, "PERSON", "Tim Cook"), Span(14, 19, "ORG", "Apple"), \
        Span(23, 32, "GPE", "Cupertino")
    with Project.create(tmp_path / "p.sqlite",
                        LabelingConfig.from_labels({"m": ["PERSON", "ORG"]})) as project:
        (task_id,) = project.add_tasks([Task({"text": text})])
        (prediction,) = project.add_predictions([Prediction(
            task_id, (person, org, city, Relation(org.id, city.id, None)), model_version="m")])
        completion = project.completion_from_prediction(prediction.id, by="ann")
        assert completion.results == [person, org]
        assert len(completion.history) == 1
        assert "GPE" in completion.history[0].note
        assert len(completion.history[0].results) == 4
        assert project.get_prediction(prediction.id).results == prediction.results
