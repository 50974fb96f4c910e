"""Document tasks in a push: which kind of task a Label Studio project shows, and the
document tasks as Label Studio tasks whose page images are uploaded there.

A Label Studio project shows one kind of object: its config reads ``$text`` or the page
images (``$image``/``$images``), and a task without that key is refused. So a push sends the
document tasks (as page images, with the visual config) when the project has any, else the
text tasks; the tasks of the other kind are named in the report, never dropped silently.
A Label Studio project that holds text tasks pushed before stays a text project.

The document tasks are exported as a Visual NER file export writes them (so both agree on
every box), into a temporary folder, with a placeholder URL per page; a task's pages are
uploaded (:mod:`.uploads`) only when the task itself is new there.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..formats import export_project
from ..formats.ls_export import IMAGE_KEY, IMAGES_KEY
from ..formats.ls_pages import CONFIG_NAME, PAGES_DIR
from .uploads import PageUploader

if TYPE_CHECKING:
    from ..store import Project as ProjectStore

PLACEHOLDER = "preannotate-page:"  # the URL prefix of a page not uploaded yet


def shown_kind(kinds: Mapping[int, str], linked: Collection[int]) -> str:
    """``"document"`` when the project has document tasks and no text task of it is in the
    Label Studio project yet (its config and annotations are about text then), else ``"text"``."""
    if any(kinds.get(tid) == "text" for tid in linked):
        return "text"
    return "document" if "document" in kinds.values() else "text"


@dataclass
class Documents:
    """The document tasks as Label Studio tasks (pages as placeholders) and their config."""

    folder: Path
    items: dict[int, dict[str, Any]]  # our task id -> its Label Studio task; only tasks with pages
    config: str | None  # the visual config; None when no task has a page image
    notes: list[str]

    def with_pages(self, item: dict[str, Any], uploader: PageUploader) -> dict[str, Any]:
        """The task with the URLs its pages have in Label Studio (uploaded if missing)."""
        data = dict(item["data"])
        paths = [self.folder / PAGES_DIR / unquote(url[len(PLACEHOLDER):]) for url in data[IMAGES_KEY]]
        urls = uploader.urls(paths)
        data[IMAGES_KEY] = urls
        if IMAGE_KEY in data:
            data[IMAGE_KEY] = urls[0]
        return {**item, "data": data}


def export_documents(project: ProjectStore, ids: list[int], folder: Path) -> Documents:
    """Export the document tasks ``ids`` with their page images into ``folder``."""
    report = export_project(project, "labelstudio", folder / "tasks.json", ids=ids,
                            image_url_prefix=PLACEHOLDER)
    items = json.loads((folder / "tasks.json").read_text("utf-8"))
    config_path = folder / CONFIG_NAME
    # the export notes each task it could not render (and the setup a file export needs,
    # which a push does itself): keep the former
    notes = [n for n in report.notes if n.startswith("task ")]
    return Documents(
        folder=folder,
        items={int(item["meta"]["preannotate"]["task_id"]): item for item in items
               if item["data"].get(IMAGES_KEY)},
        config=config_path.read_text("utf-8") if config_path.exists() else None,
        notes=notes,
    )
