"""Export glue: stream a project's tasks into Label Studio / Generative AI Lab JSON, JSONL,
CoNLL-2003, spaCy DocBin or a pandas DataFrame. Tasks are read in chunks, never all at once
(except by the DocBin and DataFrame, which are in-memory objects by nature).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..model import Choice, Span, Task, stored_id
from .annotations import pick_results
from .conll import write_conll
from .errors import ExportError, ExportReport
from .frames import to_dataframe
from .importing import config_labels
from .ls_export import task_to_ls
from .ls_pages import PageWriter
from .parsed import SOURCE_ID_KEY

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

__all__ = ["EXPORT_FORMATS", "export_project", "to_dataframe"]

EXPORT_FORMATS = ("labelstudio", "genailab", "jsonl", "conll", "spacy", "coco")
_ALIASES = {"json": "labelstudio", "ls": "labelstudio", "conll2003": "conll", "docbin": "spacy"}


@contextmanager
def _text_out(out: Any, name: str) -> Iterator[tuple[TextIO, str | None]]:
    if hasattr(out, "write"):
        yield out, getattr(out, "name", None)
        return
    path = Path(out)
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {name} export to {path}: folder {path.parent} does not exist")
    tmp = path.with_name(path.name + ".part")
    try:
        # written beside the target and renamed, so a failed export never leaves half a file
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            yield fh, str(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _strict_json(item: dict[str, Any]) -> str:
    """One exported task as standard JSON: NaN/Infinity (which other tools refuse) is an error."""
    try:
        return json.dumps(item, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise ExportError(
            f"task {item.get('id')!r} holds a number that is NaN or infinite ({exc}); "
            "standard JSON cannot hold it. Fix or delete that prediction/completion and export "
            "again (an export to a path leaves no file behind)"
        ) from None


def _ls_tasks(project: ProjectStore, ids, *, flavor: str, only_ground_truth: bool,
              exclude_without_completions: bool, include_predictions: bool,
              token_level: bool, ocr_options: Any, report: ExportReport,
              pages: PageWriter | None = None) -> Iterator[dict]:
    _, assertions = config_labels(project)
    to_name, image_to_name = _to_names(project)
    for task in project.iter_tasks(ids):
        completions = project.completions(stored_id(task))
        if only_ground_truth:
            completions = [c for c in completions if c.ground_truth]
        if exclude_without_completions and not completions:
            report.n_skipped += 1
            continue
        predictions = project.predictions(stored_id(task)) if include_predictions else []
        page_urls = None
        if pages is not None and task.kind == "document":
            found = pages.add(task, report)
            if found is not None:
                document, page_urls = found
                predictions, completions = _with_boxes(document, predictions, completions, pages)
        if token_level and task.kind == "document":
            predictions, completions = _token_boxes(project, task, predictions, completions, ocr_options, report)
        report.n_tasks += 1
        yield task_to_ls(task, predictions, completions, flavor=flavor, to_name=to_name,
                         image_to_name=image_to_name, assertion_labels=assertions or None,
                         page_urls=page_urls)


def _with_boxes(document, predictions, completions, pages: PageWriter):
    """Spans of a document task with boxes (from its Document where they have none), so each
    leaves as rectangles on the page images; their labels are noted for the config."""
    from dataclasses import replace

    from ..ocr import apply_boxes

    predictions = [replace(p, results=tuple(apply_boxes(document, p.results))) for p in predictions]
    completions = [replace(c, results=apply_boxes(document, c.results)) for c in completions]
    for results in [p.results for p in predictions] + [c.results for c in completions]:
        pages.labels.update((r.label, None) for r in results if isinstance(r, Span) and r.boxes)
    return predictions, completions


def _token_boxes(project, task, predictions, completions, ocr_options, report: ExportReport):
    """Spans with one box per token instead of one per line (Generative AI Lab's token-level
    Visual NER export); the boxes come from the task's document (OCR is cached)."""
    from dataclasses import replace

    from ..documents import DocumentError, document_for
    from ..ocr.chunks import token_boxes

    try:
        document = document_for(task, ocr_options=ocr_options, project=project)
    except DocumentError as exc:
        report.notes.append(f"task {task.id}: kept line boxes, its document cannot be read: {exc}")
        return predictions, completions

    def per_token(results):
        return [replace(r, boxes=tuple(token_boxes(document, r)) or r.boxes)
                if isinstance(r, Span) and r.boxes and r.end > r.start else r for r in results]

    return ([replace(p, results=tuple(per_token(p.results))) for p in predictions],
            [replace(c, results=per_token(c.results)) for c in completions])


def _to_names(project: ProjectStore) -> tuple[str, str]:
    """The ``to_name`` of text and of image results, from the config's controls when set."""
    config = getattr(project, "config", None)
    text_name, image_name = "text", "image"
    for control in reversed(config.controls if config is not None else []):
        if control.kind in ("labels", "choices") and control.to_name:
            if control.tag == "RectangleLabels":
                image_name = control.to_name[0]
            else:
                text_name = control.to_name[0]
    return text_name, image_name


def export_project(
    project: ProjectStore,
    format: str,
    out: str | os.PathLike[str] | TextIO,
    *,
    ids: Iterable[int] | None = None,
    only_ground_truth: bool = False,
    exclude_without_completions: bool = False,
    include_predictions: bool = True,
    source: str = "completions",
    lang: str = "en",
    token_level: bool = False,
    ocr_options: Any = None,
    page_images: bool = True,
    image_url_prefix: str | None = None,
    **options: Any,
) -> ExportReport:
    """Write the project (or the tasks ``ids``) to ``out`` (a path or a text file object).

    Formats: ``labelstudio`` (JSON, ``annotations``), ``genailab`` (JSON, ``completions``,
    ``created_username``, ``honeypot``), ``jsonl`` (one Label Studio task per line),
    ``conll`` and ``spacy`` (from each task's ground-truth or latest completion; with
    ``source="predictions"`` from its latest prediction), ``coco`` (visual tasks; written
    by ``formats.coco``). Imported tasks get back the ``id`` they had in their file.
    ``token_level=True``: Visual NER spans leave as one rectangle per word instead of one per
    line (boxes read from the task's document with ``ocr_options``; cached OCR is reused).

    Visual NER (``labelstudio``/``jsonl`` to a path): document tasks also get their page
    images written to ``pages/`` beside the file, referenced by Label Studio's local-files
    URL (or ``image_url_prefix`` + file name for pages hosted elsewhere), and the labeling
    config that shows them to ``config.xml``; the report's notes say how to set up Label
    Studio (see ``formats.ls_pages``). ``page_images=False`` leaves document tasks as they are.
    """
    fmt = _ALIASES.get(format, format)
    # coco takes its own options; the Label Studio formats take the page cache (Visual NER)
    unexpected = set(options) - ({"cache"} if fmt in ("labelstudio", "jsonl") else set())
    if unexpected and fmt != "coco":
        raise TypeError(f"export_project() got unexpected keyword arguments for {fmt}: {', '.join(sorted(unexpected))}")
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    report = ExportReport(format=fmt, path=None)
    selected = None if ids is None else list(ids)
    if image_url_prefix is not None and fmt not in ("labelstudio", "jsonl"):
        raise ExportError(f"image_url_prefix is for the labelstudio and jsonl formats, not {fmt}")
    if fmt in ("labelstudio", "genailab", "jsonl"):
        pages = _page_writer(fmt, out, page_images, image_url_prefix, ocr_options, options, report)
        tasks = _ls_tasks(project, selected, flavor="genailab" if fmt == "genailab" else "labelstudio",
                          only_ground_truth=only_ground_truth,
                          exclude_without_completions=exclude_without_completions,
                          include_predictions=include_predictions, token_level=token_level,
                          ocr_options=ocr_options, report=report, pages=pages)
        if fmt == "genailab":
            # measured: Label Studio imports such a file but ignores its "completions"
            report.notes.append("the genailab format writes completions for Generative AI Lab; "
                                "Label Studio ignores them: export 'labelstudio' for Label Studio")
        with _text_out(out, fmt) as (fh, path):
            report.path = path
            if fmt == "jsonl":
                for item in tasks:
                    fh.write(_strict_json(item) + "\n")
            else:
                fh.write("[")
                for i, item in enumerate(tasks):
                    fh.write(("\n" if i == 0 else ",\n") + _strict_json(item))
                fh.write("\n]\n")
        if pages is not None:
            pages.finish(getattr(project, "config", None), report)
        return report
    if fmt == "conll":
        # _documents yields text tasks only
        documents = ((task.text or "", results)
                     for task, results in _documents(project, selected, source, report))
        with _text_out(out, fmt) as (fh, path):
            report.path = path
            report.notes.extend(write_conll(documents, fh, lang=lang))
        return report
    if fmt == "spacy":
        return _export_docbin(project, selected, source, out, lang, report)
    from . import coco

    return coco.export_coco(project, out, ids=selected, source=source, ocr_options=ocr_options,
                            **options)


def _page_writer(fmt: str, out: Any, page_images: bool, prefix: str | None, ocr_options: Any,
                 options: dict[str, Any], report: ExportReport) -> PageWriter | None:
    """Where the page images of document tasks go: beside the file, for Label Studio (the
    genailab format leaves document tasks as they are)."""
    cache = options.pop("cache", None)
    if fmt == "genailab" or not page_images:
        return None
    if hasattr(out, "write"):
        report.notes.append("page images of document tasks need a folder: export to a path "
                            "(e.g. export/tasks.json) for Label Studio to show them")
        return None
    return PageWriter(Path(out).parent, image_url_prefix=prefix, ocr_options=ocr_options, cache=cache)


def _documents(project: ProjectStore, ids, source: str, report: ExportReport) -> Iterator[tuple[Task, tuple]]:
    """(task, the results to export) of every text task that has them; reports the others."""
    missing = 0
    for task in project.iter_tasks(ids):
        if task.text is None:
            report.n_skipped += 1
            report.notes.append(f"task {task.id} is a document task without text; not exported")
            continue
        results = pick_results(project, stored_id(task), source)
        if results is None:
            report.n_skipped += 1
            missing += 1
            continue
        report.n_tasks += 1
        yield task, results
    if missing:  # one line, not one per task: say why the file may be short, and what to do
        other = "predictions" if source == "completions" else "completions"
        report.notes.append(f"{missing} task(s) have no {source} and were not exported; "
                            f"source={other!r} (CLI: --source {other}) exports those")


def _export_docbin(project: ProjectStore, ids, source: str, out: Any, lang: str, report: ExportReport) -> ExportReport:
    import spacy
    from spacy.tokens import DocBin

    from .spacy_docbin import make_doc

    if hasattr(out, "write"):
        raise ExportError("the spacy format writes a binary .spacy file; give a path, not a text stream")
    path = Path(out)
    if not path.parent.is_dir():
        raise ExportError(f"cannot write spacy export to {path}: folder {path.parent} does not exist")
    config = getattr(project, "config", None)
    # per-region choices describe spans, not the document: only the others become cats
    cat_labels = {v for c in (config.choices if config is not None else []) if not c.per_region
                  for v in c.choices}
    nlp = spacy.blank(lang)
    docbin = DocBin(store_user_data=True)
    tasks = list(_documents(project, ids, source, report))
    if not cat_labels:  # no config: the choice labels used anywhere in the export
        cat_labels = {lab for _, rs in tasks for r in rs if isinstance(r, Choice) and r.span_id is None for lab in r.labels}
    for i, (task, results) in enumerate(tasks):
        doc, notes = make_doc(nlp, task.text or "", results, cat_labels)
        # which task a training doc came from, kept through DocBin (store_user_data=True)
        doc.user_data.update(task_id=task.id, source_id=task.data.get(SOURCE_ID_KEY))
        report.notes.extend(f"document #{i}: {n}" for n in notes)
        docbin.add(doc)
    tmp = path.with_name(path.name + ".part")
    try:
        docbin.to_disk(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    report.path = str(path)
    return report
