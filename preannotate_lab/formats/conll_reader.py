"""Read CoNLL-2003 (Label Studio's CONLL2003 export, ours): one task per ``-DOCSTART-`` document.

Each line is ``token ... TAG`` (the tag is the last column, BIO or IOB); a blank line ends a
sentence. The original text is not in the file: a task's text is its tokens joined by
spaces, one sentence per line, and its tags become one completion's spans on that text.
A file with at most one ``-DOCSTART-`` line (Label Studio writes one at the top, then each
task's tokens as one block) has one task per blank-line-separated block.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Completion, Span, Task
from .errors import ItemError, TaskImportError
from .parsed import ParsedTask

AUTHOR = "imported"


def _documents(lines: list[str]) -> list[tuple[int, list[list[tuple[str, str]]]]]:
    """(first line number, sentences of (token, tag)) per document."""
    docs: list[tuple[int, list[list[tuple[str, str]]]]] = []
    sentence: list[tuple[str, str]] = []
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if parts and parts[0] == "-DOCSTART-":
            docs.append((number, []))
            continue
        if not docs:
            docs.append((number, []))
        if not parts:
            if sentence:
                docs[-1][1].append(sentence)
                sentence = []
            continue
        if len(parts) < 2:
            raise TaskImportError(f"line {number} has one column ({line.strip()!r}); "
                               "CoNLL lines are 'token ... TAG'")
        sentence.append((parts[0], parts[-1]))
    if sentence and docs:
        docs[-1][1].append(sentence)
    return [(n, s) for n, s in docs if s]


def _task(sentences: list[list[tuple[str, str]]], position: str) -> ParsedTask:
    pieces: list[str] = []
    spans: list[Span] = []
    offset = 0
    open_span: tuple[int, int, str] | None = None

    def close() -> None:
        nonlocal open_span
        if open_span is not None:
            start, end, label = open_span
            spans.append(Span(start=start, end=end, label=label, text="".join(pieces)[start:end]))
            open_span = None

    for s, sentence in enumerate(sentences):
        if s:
            close()
            pieces.append("\n")
            offset += 1
        for t, (token, tag) in enumerate(sentence):
            if t:
                pieces.append(" ")
                offset += 1
            start, end = offset, offset + len(token)
            pieces.append(token)
            offset = end
            prefix, _, label = tag.partition("-")
            if tag == "O" or not label:
                close()
            elif prefix in ("B", "S", "U") or open_span is None or open_span[2] != label:
                close()
                open_span = (start, end, label)
            else:
                open_span = (open_span[0], end, label)
    close()
    text = "".join(pieces)
    parsed = ParsedTask(task=Task(data={"text": text}, kind="text"), position=position)
    parsed.completions.append(Completion(task_id=0, results=list(spans), created_by=AUTHOR))
    parsed.completion_parents.append(None)
    return parsed


def read_conll(path: Path, text: str) -> tuple[list[ParsedTask], list[ItemError]]:
    """The documents of a CoNLL file's ``text`` as tasks with one completion each."""
    lines = text.splitlines()
    docs = _documents(lines)
    if len(docs) == 1 and sum(1 for line in lines if line.startswith("-DOCSTART-")) <= 1:
        start, sentences = docs[0]
        docs = [(start, [sentence]) for sentence in sentences]  # a block per task
    if not docs:
        raise TaskImportError(f"{path.name} holds no CoNLL tokens")
    return [_task(sentences, f"document at line {n}") for n, sentences in docs], []


def read_tagged(path: str | Path) -> list[tuple[str, list[Span]]]:
    """``(text, gold spans)`` per document of a BIO-tagged token file (CoNLL-2003, WNUT...).

    The same reading as importing the file (one ``token ... TAG`` a line, the tag last; a blank
    line between sentences; a file without ``-DOCSTART-`` documents gives one entry per
    sentence), for when the gold spans are wanted beside a project rather than inside one: to
    pick annotated examples, or to score predictions against them.
    """
    path = Path(path)
    parsed, _ = read_conll(path, path.read_text("utf-8"))
    return [(str(p.task.data["text"]), [r for r in p.completions[0].results if isinstance(r, Span)])
            for p in parsed]
