"""Visual NER for Label Studio: the page images of an export, written beside its JSON, and the
labeling config that shows them.

Label Studio shows images, not PDFs. An export to ``DIR/tasks.json`` copies every page image
of its document tasks to ``DIR/pages/`` and names each by a URL: by default the one Label
Studio's local-files serving gives it, ``/data/local-files/?d=pages/<file>`` (valid when it
runs with ``LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true`` and
``LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=DIR``, and the project has a Local Files storage on
``DIR/pages``), or ``image_url_prefix + <file>`` for pages hosted elsewhere. The config goes
to ``DIR/config.xml``: its ``<Image>`` reads ``$image``, or ``valueList="$images"`` when some
task has several pages (rectangles then carry the page as ``item_index``).
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..model import Task
from .errors import ExportReport
from .ls_export import IMAGE_KEY, IMAGES_KEY, task_page_images

PAGES_DIR = "pages"
CONFIG_NAME = "config.xml"
LOCAL_FILES_URL = "/data/local-files/?d="


def local_files_url(relative: str) -> str:
    """The URL Label Studio serves a file under its local-files document root at."""
    return LOCAL_FILES_URL + quote(relative, safe="/")


@dataclass
class PageWriter:
    """Copies page images of document tasks into ``folder/pages`` and names their URLs."""

    folder: Path  # the export's folder (the JSON's parent)
    image_url_prefix: str | None = None
    ocr_options: Any = None
    cache: Any = None
    n_pages: int = 0
    multi_page: bool = False
    labels: dict[str, None] = field(default_factory=dict)  # rectangle labels, in order met

    def add(self, task: Task, report: ExportReport) -> tuple[Any, list[str]] | None:
        """(the task's Document, the URLs of its pages), or None (the report says why)."""
        from ..documents import DocumentError, document_for

        try:
            document = document_for(task, ocr_options=self.ocr_options, cache=self.cache)
            images = task_page_images(task, document, cache=self.cache)
        except DocumentError as exc:
            report.notes.append(f"task {task.id}: no page images, its document cannot be read: {exc}")
            return None
        if not images:
            report.notes.append(f"task {task.id}: its document has no pages; exported without images")
            return None
        target = self.folder / PAGES_DIR
        target.mkdir(exist_ok=True)
        urls = []
        for image in images:
            shutil.copyfile(image.path, target / image.name)
            urls.append(self.image_url_prefix + quote(image.name) if self.image_url_prefix
                        else local_files_url(f"{PAGES_DIR}/{image.name}"))
        self.n_pages += len(images)
        self.multi_page = self.multi_page or len(images) > 1
        return document, urls

    def finish(self, config: Any, report: ExportReport) -> None:
        """Write ``config.xml`` beside the JSON and say in the report what the user must do."""
        if not self.n_pages:
            return
        xml = visual_config_xml(config, list(self.labels), multi_page=self.multi_page)
        path = self.folder / CONFIG_NAME
        path.write_text(xml, encoding="utf-8")
        report.extra.update(pages=self.n_pages, pages_dir=str(self.folder / PAGES_DIR),
                            config=str(path))
        report.notes.append(
            f"wrote {self.n_pages} page image(s) to {self.folder / PAGES_DIR} and the labeling config "
            f"to {path}: create the Label Studio project with that config"
            + (f"; serve {self.folder / PAGES_DIR} at {self.image_url_prefix}"
               if self.image_url_prefix else
               f"; start Label Studio with LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true and "
               f"LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT={self.folder}, and add to the project a "
               f"Local Files storage with path {self.folder / PAGES_DIR} (Settings > Cloud Storage; "
               "no sync needed, leave 'Treat every bucket object as a source file' off)")
            + ", then import the tasks")


def visual_config_xml(config: Any, labels: list[str], *, multi_page: bool) -> str:
    """The project's config with its ``<Image>`` objects reading the exported page URLs; a
    new RectangleLabels config over ``labels`` when the project has no ``<Image>``."""
    from ..labeling import LabelingConfig

    root = ET.fromstring(config.to_xml()) if config is not None else None
    if root is None or not any(True for _ in root.iter("Image")):
        keep: list[str] = list(config.label_values if config is not None else []) or labels
        by_model: dict[str | None, list[str]] = {None: keep}
        root = ET.fromstring(LabelingConfig.from_labels(by_model, object_type="image").to_xml())
    for image in root.iter("Image"):
        image.attrib.pop("value", None)
        image.attrib.pop("valueList", None)
        if multi_page:
            image.set("valueList", f"${IMAGES_KEY}")
        else:
            image.set("value", f"${IMAGE_KEY}")
    return ET.tostring(root, encoding="unicode") + "\n"
