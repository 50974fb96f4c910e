"""A real Label Studio for the bridge tests: installed once in its own cached venv, started
once per test session on loopback with a data folder in tmp and a fixed token.

``scripts/label_studio.sh`` installs it (it pins its own Django stack, so never into the
project's venv); ``scripts/setup.sh --dev`` calls that script. Tests that use the
``label_studio`` fixture are skipped, with the reason, only when it cannot be installed.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from preannotate_lab.model import Span
from preannotate_lab.sync.local import start_local

# the text project that the bridge and sync tests share
NER_CONFIG = """<View>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="GPE"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""

NER_TEXTS = [
    "Alice Smith joined Acme Corp in Paris.",
    "Bob Jones left Globex for Berlin last spring.",
    "Carol Diaz met Dan Wu at Initech in Tokyo.",
]


def span_of(text: str, word: str, label: str, **kw) -> Span:
    """The span of the first ``word`` in ``text``."""
    start = text.index(word)
    return Span(start=start, end=start + len(word), label=label, text=word, **kw)


ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "scripts" / "label_studio.sh"
TOKEN = "preannotate-lab-test-token-0123456789abcdef"
USER = "tester@example.com"
PASSWORD = "preannotate-test-password"  # of USER: the browser tests log in with it
START_TIMEOUT = 240.0


class LabelStudioError(RuntimeError):
    """A Label Studio API call answered with an error status; the message has its body."""


@dataclass
class LabelStudio:
    """A client of the running server: just the REST calls the tests need."""

    url: str
    token: str
    files_root: Path  # LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT

    def call(self, method: str, path: str, body: Any = None, *, raw: bool = False) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                payload = response.read()
                if raw:
                    return response.status, response.headers.get("Content-Type", ""), payload
        except urllib.error.HTTPError as exc:
            raise LabelStudioError(
                f"{method} {path}: HTTP {exc.code}: {exc.read().decode('utf-8', 'replace')[:2000]}"
            ) from None
        return json.loads(payload) if payload.strip() else None

    def get_raw(self, path: str) -> tuple[int, str, bytes]:
        return self.call("GET", path, raw=True)

    def create_project(self, label_config: str, title: str = "preannotate test") -> int:
        return self.call("POST", "/api/projects", {"title": title, "label_config": label_config})["id"]

    def import_tasks(self, project: int, tasks: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("POST", f"/api/projects/{project}/import?commit_to_project=true", tasks)

    def tasks(self, project: int) -> list[dict[str, Any]]:
        """Every task with its annotations and full predictions (in id order)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.call("GET", f"/api/tasks?project={project}&page={page}&page_size=100&fields=all")
            items = body["tasks"] if isinstance(body, dict) else body
            out.extend(items)
            if len(items) < 100:
                return sorted(out, key=lambda t: t["id"])
            page += 1

    def annotate(self, task: int, result: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return self.call("POST", f"/api/tasks/{task}/annotations", {"result": result, **extra})

    def export(self, project: int, export_type: str = "JSON") -> Any:
        """What the Export button gives (JSON/JSON_MIN parsed; other types as text)."""
        _, _, payload = self.call("GET", f"/api/projects/{project}/export?exportType={export_type}",
                                  raw=True)
        text = payload.decode("utf-8")
        return json.loads(text) if export_type.startswith("JSON") else text

    def snapshot(self, project: int) -> list[dict[str, Any]]:
        """A snapshot export with whole predictions (``predictions.only_id=false``)."""
        created = self.call("POST", f"/api/projects/{project}/exports", {
            "task_filter_options": {"annotated": None},
            "serialization_options": {"predictions": {"only_id": False}},
        })
        export_id = created["id"]
        for _ in range(240):
            status = self.call("GET", f"/api/projects/{project}/exports/{export_id}")["status"]
            if status == "completed":
                break
            if status == "failed":
                raise LabelStudioError(f"snapshot export {export_id} failed")
            time.sleep(0.5)
        _, _, payload = self.call(
            "GET", f"/api/projects/{project}/exports/{export_id}/download?exportType=JSON", raw=True)
        return json.loads(payload)

    def add_local_storage(self, project: int, folder: Path) -> None:
        """Attach a Local Files storage so /data/local-files/ serves ``folder``."""
        self.call("POST", "/api/storages/localfiles", {
            "project": project, "title": "pages", "path": str(folder), "use_blob_urls": False,
        })


def install() -> Path:
    """The venv's path (installing it the first time); pytest.skip when it cannot be made."""
    try:
        done = subprocess.run(["bash", str(INSTALLER)], capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Label Studio could not be installed ({exc}); run scripts/label_studio.sh")
    if done.returncode != 0:
        pytest.skip("Label Studio could not be installed by scripts/label_studio.sh: "
                    + done.stderr.strip()[-800:])
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudio]:
    base = tmp_path_factory.mktemp("label-studio")
    server = start_local(base, timeout=START_TIMEOUT, user=USER, password=PASSWORD, token=TOKEN,
                         venv=install())
    try:
        yield LabelStudio(url=server.url, token=TOKEN, files_root=base / "files")
    finally:
        server.stop()
