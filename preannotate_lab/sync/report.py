"""What a push or a pull did, for people (``summary``) and for scripts (``to_dict``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SyncReport:
    action: str  # "push" or "pull"
    url: str
    ls_project: int
    project_url: str
    created_project: bool = False
    config_updated: bool = False
    tasks_created: int = 0
    predictions_created: int = 0
    completions_created: int = 0
    completions_updated: int = 0
    completions_unchanged: int = 0
    pages_uploaded: int = 0  # page images of document tasks, uploaded to Label Studio
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created_project or self.config_updated or self.tasks_created
                    or self.predictions_created or self.completions_created
                    or self.completions_updated or self.pages_uploaded)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "changed": self.changed}

    def summary(self) -> str:
        verb = "pushed to" if self.action == "push" else "pulled from"
        parts = [f"{verb} {self.project_url}:"]
        if self.created_project:
            parts.append("created the project,")
        if self.config_updated:
            parts.append("updated its labeling config,")
        if self.action == "push":
            parts.append(f"{self.tasks_created} new task(s), {self.predictions_created} new prediction(s),")
            if self.pages_uploaded:
                parts.append(f"{self.pages_uploaded} page image(s) uploaded,")
        else:
            parts.append(f"{self.tasks_created} new task(s),")
        parts.append(f"{self.completions_created} new and {self.completions_updated} updated "
                     f"completion(s), {self.completions_unchanged} unchanged")
        text = " ".join(parts)
        for line in self.errors:
            text += f"\n  error: {line}"
        for line in self.notes:
            text += f"\n  note: {line}"
        return text
