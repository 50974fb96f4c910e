"""The user-level rules library: one JSON file per rule set, shared by every project."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import regex

from .base import ResourceError
from .library import user_home
from .registry import ResourceSpec
from .ruleset import RuleSet

_SAFE_NAME = regex.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class RulesLibrary:
    """Rule sets stored once per user (``$PREANNOTATE_LAB_HOME/rules/<name>.json``)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def default(cls) -> RulesLibrary:
        return cls(user_home() / "rules")

    def _path(self, name: str) -> Path:
        if not _SAFE_NAME.match(name):
            raise ResourceError(
                f"rule set name {name!r} may hold only letters, digits, '_', '.', '-' "
                "(up to 100 characters, starting with a letter or digit)")
        return self.folder / f"{name}.json"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.json")) if self.folder.is_dir() else []

    def get(self, name: str) -> RuleSet:
        path = self._path(name)
        if not path.exists():
            raise ResourceError(
                f"no rule set named {name!r} in {self.folder}; known: {', '.join(self.names()) or 'none'}")
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            raise ResourceError(f"rule set file {path} is not valid JSON: {exc}") from exc
        return RuleSet.from_dict(data, source=str(path))

    def save(self, ruleset: RuleSet, *, overwrite: bool = True) -> Path:
        """Write the rule set (atomically: a crash never leaves half a file)."""
        path = self._path(ruleset.name)
        if path.exists() and not overwrite:
            raise ResourceError(f"rule set {ruleset.name!r} already exists; pass overwrite=True")
        for rule in ruleset.rules:
            rule.compile()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(ruleset.to_dict(), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
        return path

    def delete(self, name: str) -> None:
        path = self._path(name)
        if not path.exists():
            raise ResourceError(f"no rule set named {name!r} to delete")
        path.unlink()

    def import_json(self, source: str | Path, *, name: str | None = None,
                    overwrite: bool = False) -> RuleSet:
        """Add a rule set from a JSON file (or JSON text); ``name`` renames it."""
        text, where = _read(source)
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            raise ResourceError(f"{where} is not valid JSON: {exc}") from exc
        ruleset = RuleSet.from_dict(data, source=where)
        if name:
            ruleset = replace(ruleset, name=name)
        self.save(ruleset, overwrite=overwrite)
        return ruleset

    def export_json(self, name: str, path: str | Path | None = None) -> str:
        """The rule set as JSON text; also written to ``path`` if given."""
        text = json.dumps(self.get(name).to_dict(), indent=2, ensure_ascii=False) + "\n"
        if path is not None:
            Path(path).write_text(text, "utf-8")
        return text

    def specs(self) -> list[ResourceSpec]:
        return [ResourceSpec(n, "rules", {"ruleset": n}) for n in self.names()]

    def __repr__(self) -> str:
        return f"<RulesLibrary {str(self.folder)!r}: {len(self.names())} rule sets>"


def _read(source: str | Path) -> tuple[str, str]:
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
        path = Path(source)
        try:
            return path.read_text("utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ResourceError(f"cannot read rule set file {path}: {exc}") from exc
    return str(source), "rule set JSON"
