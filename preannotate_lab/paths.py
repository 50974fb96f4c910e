"""Which files a task may name: one gate for import and for every read of a task's file.

A document task names a PDF or image by path. A task file is data from elsewhere, so a path
in it must not make the tool read any file on the machine (``/etc/passwd``, ``../../..``, a
symlink in an imported folder that points out of it). :func:`allowed_path` is the only
place that decides: a file may be read when its real path (symlinks followed) lies under one
of the roots the project allows — the folders it imported from, recorded in the project,
plus folders the user allows with ``project.allow_root(folder)`` (CLI ``--allow-root``).
Import refuses other paths per task; every reader (OCR, export of page images, the labeling
view's page images) asks again before opening the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from .errors import PreannotateError


class DocumentPathError(PreannotateError, ValueError):
    """A task names a file outside the folders its project allows (the message says how to allow it)."""


class HasRoots(Protocol):
    def document_roots(self) -> list[str]: ...


def real(path: str | os.PathLike[str], base: str | os.PathLike[str] | None = None) -> Path:
    """The absolute real path (symlinks and ``..`` resolved); a relative path is taken from ``base``
    (default: the current folder)."""
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = Path(base if base is not None else Path.cwd()) / candidate
    return Path(os.path.realpath(candidate))


def is_url(path: str) -> bool:
    """A URL or data URI rather than a local path (never opened as a file)."""
    return "://" in path or path.startswith("data:")


def allowed_path(
    allowed: HasRoots | Iterable[str | os.PathLike[str]],
    path: str | os.PathLike[str],
    *,
    base: str | os.PathLike[str] | None = None,
) -> Path:
    """The real path of ``path`` if it lies under a root ``allowed`` gives, else DocumentPathError.

    ``allowed``: a project (its :meth:`document_roots`) or the roots themselves. ``base``: the
    folder a relative path is read from (an imported file's folder; default the current one).
    The check is on the real path of both sides, so a symlink leaving a root is refused and
    a root reached through a symlink still matches. The message names the path as the task
    gave it and the folders allowed, never anything read from the file.
    """
    roots = allowed.document_roots() if hasattr(allowed, "document_roots") else list(allowed)
    name = os.fspath(path)
    if is_url(name):
        raise DocumentPathError(
            f"its document {name[:120]!r} is a URL; download the file into the project's "
            "folder and import the local path instead")
    resolved = real(name, base)
    real_roots = [real(r) for r in roots]
    if any(resolved == root or root in resolved.parents for root in real_roots):
        return resolved
    how = (f"the folders it allows are {', '.join(map(str, real_roots[:5]))}"
           + (f" and {len(real_roots) - 5} more" if len(real_roots) > 5 else "")
           if real_roots else "it allows no folder yet")
    via = " (a symlink or '..' leads out of the allowed folders)" if _escapes(name, base, real_roots) else ""
    raise DocumentPathError(
        f"its file {name[:200]!r} is outside the folders this project may read{via}; {how}. "
        f"If the file is trusted, allow its folder with project.allow_root({str(resolved.parent)!r}) "
        f"(CLI: --allow-root {resolved.parent}) and import or run again")


def _escapes(name: str, base: str | os.PathLike[str] | None, roots: list[Path]) -> bool:
    """Whether the path only leaves the roots through '..' or a symlink (it looks inside one)."""
    literal = Path(name).expanduser()
    if not literal.is_absolute():
        literal = Path(base if base is not None else Path.cwd()) / literal
    if ".." in literal.parts:
        return True
    # the path as written, with only the roots' own symlinks resolved
    lexical = Path(os.path.abspath(literal))
    return any(lexical.is_relative_to(r) for r in roots)
