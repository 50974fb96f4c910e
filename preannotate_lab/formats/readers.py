"""Readers of plain inputs: JSON task lists, JSONL, CSV/TSV, a text file, a PDF or image.

Each takes a path and returns ``(tasks, errors)``: the good items as ParsedTask and the bad
ones as ItemError (input name + position + message). A failure of the whole file (not
JSON, wrong content for its extension, not UTF-8) raises TaskImportError naming the file.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..model import DOCUMENT_KEYS, Task, document_path
from .errors import FormatError, ItemError, TaskImportError
from .labelstudio import TaskProblem, load_tasks_json, parse_task
from .parsed import SOURCE_ID_KEY, ParsedTask
from .sniff import check_content

Result = tuple[list[ParsedTask], list[ItemError]]


def read_text(path: Path) -> str:
    """The file as UTF-8 text (a BOM is dropped), or TaskImportError naming the file and byte."""
    _check(path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, raw, exc) from None


def _check(path: Path) -> None:
    try:
        check_content(path)
    except FormatError as exc:
        raise TaskImportError(str(exc)) from None


def _not_utf8(path: Path, raw: bytes, exc: UnicodeDecodeError) -> TaskImportError:
    line = raw[: exc.start].count(b"\n") + 1
    return TaskImportError(
        f"{path.name} is not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line} "
        f"(offset {exc.start}); save it as UTF-8 and import again"
    )


@contextmanager
def open_text(path: Path, *, newline: str | None = None) -> Iterator[io.TextIOBase]:
    """The file opened as UTF-8 text for streaming (a BOM is dropped).

    Big CSV/JSONL files are read a line at a time instead of as one string (and a realized
    ``StringIO`` copy of it, four bytes a character). A byte that is not UTF-8 raises
    TaskImportError naming the file, line and offset, as :func:`read_text` does.
    """
    _check(path)
    try:
        with path.open(encoding="utf-8-sig", newline=newline) as fh:
            yield fh
    except UnicodeDecodeError:
        raise _utf8_error(path) from None


def _utf8_error(path: Path) -> TaskImportError:
    # only on a bad file: decode it whole once more for the exact line and offset
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _not_utf8(path, raw, exc)
    return TaskImportError(f"{path.name} is not UTF-8 text; save it as UTF-8 and import again")


def _too_deep(name: str, where: str = "") -> TaskImportError:
    # json recurses once per nesting level; a hostile or broken file must not surface as
    # a RecursionError traceback (and no real task nests anywhere near this deep)
    return TaskImportError(
        f"{name}{where} nests JSON arrays/objects too deeply to read (more than about "
        f"{sys.getrecursionlimit()} levels); it is not a task file, or it is damaged"
    )


def _json_error(name: str, exc: json.JSONDecodeError, line_offset: int = 0) -> str:
    return (
        f"{name} is not valid JSON at line {exc.lineno + line_offset}, column {exc.colno}: {exc.msg}"
    )


def read_json(path: Path, *, assertion_labels: Iterable[str] = (), known_labels: Mapping[str, set[str]] | None = None) -> Result:
    """A Label Studio / Generative AI Lab JSON task list."""
    text = read_text(path)
    try:
        items = load_tasks_json(text, path.name)
    except json.JSONDecodeError as exc:
        raise TaskImportError(_json_error(path.name, exc)) from None
    except RecursionError:
        raise _too_deep(path.name) from None
    except ValueError as exc:
        raise TaskImportError(str(exc)) from None
    return parse_items(items, path.name, "task #{}", assertion_labels=assertion_labels, known_labels=known_labels)


def parse_items(
    items: Iterable[Any],
    source: str,
    position_format: str,
    *,
    assertion_labels: Iterable[str] = (),
    known_labels: Mapping[str, set[str]] | None = None,
    flat: bool = False,
    positions: Iterable[Any] | None = None,
    base: Path | None = None,
) -> Result:
    """Task objects -> ParsedTask; an object without ``data`` is flat when ``flat`` (its keys are data).

    An item's position is ``position_format`` filled with its index, or with the matching
    value of ``positions`` when given (JSONL passes real line numbers). ``base``: the folder
    that relative document paths of flat items are relative to (see :func:`flat_task`).
    """
    numbered = enumerate(items) if positions is None else zip(positions, items, strict=True)
    return _parse_numbered(numbered, source, position_format, assertion_labels=assertion_labels,
                           known_labels=known_labels, flat=flat, base=base)


def _parse_numbered(
    numbered: Iterable[tuple[Any, Any]],
    source: str,
    position_format: str,
    *,
    assertion_labels: Iterable[str] = (),
    known_labels: Mapping[str, set[str]] | None = None,
    flat: bool = False,
    base: Path | None = None,
) -> Result:
    # consumes ``numbered`` lazily, so a streamed input never exists as a list of objects
    tasks: list[ParsedTask] = []
    errors: list[ItemError] = []
    labels = list(assertion_labels)
    for number, obj in numbered:
        position = position_format.format(number)
        try:
            if flat and isinstance(obj, dict) and "data" not in obj:
                tasks.append(flat_task(obj, position, base=base))
            else:
                tasks.append(parse_task(obj, position=position, source=source,
                                        assertion_labels=labels, known_labels=known_labels))
        except TaskProblem as exc:
            errors.append(ItemError(source, position, str(exc)))
        except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
            # a shape the parser did not foresee (a list where an object belongs, a number for
            # a label...): this task is reported, the file's other tasks still import
            errors.append(ItemError(source, position, (
                f"has a shape that cannot be read ({type(exc).__name__}: {exc}); a Label Studio "
                'task looks like {"data": {...}, "predictions": [{"result": [...]}], '
                '"annotations": [{"result": [...]}]}')))
    return tasks, errors


def flat_task(row: Mapping[str, Any], position: str, *, text_column: str = "text",
              base: Path | None = None) -> ParsedTask:
    """A flat record (JSONL line, CSV row, DataFrame row) whose keys become the task's data.

    A record without text is a document task when it names a file (see
    :func:`model.document_path`). A relative path is taken relative to ``base``: the folder
    of the CSV/JSONL file; for a DataFrame (``base=None``) the current working directory.
    It is stored absolute, and a file that does not exist is a :class:`TaskProblem` (an
    item error of the import), not a task that fails later at pre-annotation.
    """
    data = {str(k): v for k, v in row.items()}
    if text_column != "text":
        if text_column not in data:
            raise TaskProblem(f"has no {text_column!r} column")
        data["text"] = data.pop(text_column)
    if "id" in data and SOURCE_ID_KEY not in data:
        data[SOURCE_ID_KEY] = str(data.pop("id"))
    text = data.get("text")
    if isinstance(text, str) and text.strip():
        kind = "text"
    elif text is None and document_path(data) is not None:
        kind = "document"
        _resolve_document(data, base)
    elif isinstance(text, str):
        raise TaskProblem("has an empty text")
    elif text is None:
        raise TaskProblem(f"has no text (no {text_column!r} value)")
    else:
        raise TaskProblem(f"has a text that is a {type(text).__name__}, expected a string")
    try:
        json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TaskProblem(f"has a value that JSON cannot hold: {exc}") from None
    except RecursionError:
        raise TaskProblem("has a value nested too deeply to store") from None
    title = data.get("title") if isinstance(data.get("title"), str) else None
    return ParsedTask(task=Task(data=data, kind=kind, title=title), position=position)  # type: ignore[arg-type]


def _resolve_document(data: dict[str, Any], base: Path | None) -> None:
    """Make the record's document path absolute (in place); TaskProblem if no file is there."""
    key = next(k for k in DOCUMENT_KEYS if document_path({k: data.get(k)}) is not None)
    value = data[key]
    if "://" in value or value.startswith("data:"):
        return  # a URL cannot be checked here; loading the document says what to do
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base if base is not None else Path.cwd()) / path
    path = path.resolve()
    if not path.is_file():
        where = "" if Path(value).is_absolute() else (
            f" (relative paths are read from {'the current folder' if base is None else 'the folder of the file'})")
        raise TaskProblem(f"names the {key} {value!r}, but there is no file at {path}{where}")
    data[key] = str(path)


def read_jsonl(path: Path, *, assertion_labels: Iterable[str] = (), known_labels: Mapping[str, set[str]] | None = None) -> Result:
    """One task per line: a Label Studio task (with ``data``) or a flat record.

    Read a line at a time; lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only (a U+2028 inside a
    string is text, as JSON says).
    """
    with open_text(path) as fh:
        return _parse_numbered(
            _jsonl_objects(fh, path.name), path.name, "line {}", assertion_labels=assertion_labels,
            known_labels=known_labels, flat=True, base=path.parent,
        )


def _jsonl_objects(lines: Iterable[str], name: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise TaskImportError(
                f"{name} is not valid JSON Lines at line {number}, column {exc.colno}: {exc.msg}"
            ) from None
        except RecursionError:
            raise _too_deep(name, f" at line {number}") from None


def read_table(path: Path, *, text_column: str = "text", delimiter: str | None = None) -> Result:
    """CSV (comma) or TSV (tab, from the extension); columns become data keys."""
    sep = delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
    # newline="" as the csv module asks: a newline inside a quoted cell stays in the cell
    with _large_fields(), open_text(path, newline="") as fh:
        return _read_rows(path, fh, sep, text_column)


@contextmanager
def _large_fields(limit: int = 256 * 1024 * 1024) -> Iterator[None]:
    # csv refuses fields over 128 KB by default; a long report in one cell is legitimate
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read_rows(path: Path, lines: Iterable[str], sep: str, text_column: str) -> Result:
    reader = csv.reader(lines, delimiter=sep, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise TaskImportError(f"{path.name} has no header row") from None
    except csv.Error as exc:
        raise TaskImportError(f"{path.name} is not valid {_kind(sep)} at line {reader.line_num}: {exc}") from None
    header = [h.strip() for h in header]
    if text_column not in header and not set(DOCUMENT_KEYS) & set(header):
        raise TaskImportError(
            f"{path.name} has no {text_column!r} column (columns: {', '.join(header)}); "
            "name the text column with text_column="
        )
    tasks: list[ParsedTask] = []
    errors: list[ItemError] = []
    row_number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise TaskImportError(f"{path.name} is not valid {_kind(sep)} at line {reader.line_num}: {exc}") from None
        row_number += 1
        position = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(ItemError(path.name, position,
                                    f"has {len(row)} fields, the header has {len(header)}"))
            continue
        record = {k: v for k, v in zip(header, row, strict=True) if not (k in DOCUMENT_KEYS and v == "")}
        try:
            tasks.append(flat_task(record, position, text_column=text_column, base=path.parent))
        except TaskProblem as exc:
            errors.append(ItemError(path.name, position, str(exc)))
    return tasks, errors


def _kind(sep: str) -> str:
    return "TSV" if sep == "\t" else "CSV"


def read_txt(path: Path) -> ParsedTask:
    """One text task from a .txt file; title = the file name."""
    text = read_text(path)
    if not text.strip():
        raise TaskImportError(f"{path.name} holds no text (only whitespace)")
    data = {"text": text, SOURCE_ID_KEY: str(path.resolve())}
    return ParsedTask(task=Task(data=data, kind="text", title=path.name), position=path.name)


def read_document(path: Path) -> ParsedTask:
    """One document task (PDF or image) for OCR at pre-annotation time; title = the file name."""
    try:
        check_content(path)
    except FormatError as exc:
        raise TaskImportError(str(exc)) from None
    absolute = str(path.resolve())
    data = {"document": absolute, SOURCE_ID_KEY: absolute}
    return ParsedTask(task=Task(data=data, kind="document", title=path.name), position=path.name)
