"""Page images uploaded to Label Studio, so it shows document tasks with no shared folder.

Label Studio keeps an uploaded file as ``upload/<project>/<8 random chars>-<name>`` and
serves it, to members of that project, at ``/data/upload/<project>/<8 chars>-<name>``.
Files are uploaded the way its import page does (``POST /api/projects/<id>/import`` with
the files, ``commit_to_project=false``: the files are kept, no task is made of them), and
each gets a name of ours ending in its content's digest. So an upload that was not
followed by its task (a push that failed half-way) is found again by name and reused, and
no page is uploaded twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .client import Connection, LabelStudioSyncError, plain

MEDIA_URL = "/data/"  # Label Studio's MEDIA_URL: where it serves uploaded files
_PREFIX_LEN = len("0123abcd-")  # the random prefix Label Studio puts before a file's name


def upload_name(path: Path) -> str:
    """``<stem>-<digest of the bytes>.<suffix>``: one name per content."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return f"{path.stem}-{digest}{path.suffix}"


class PageUploader:
    """Uploads page images into one Label Studio project and names their URLs there."""

    def __init__(self, conn: Connection, ls_project: int) -> None:
        self.conn = conn
        self.ls_project = ls_project
        self.uploaded = 0
        self._known: dict[str, str] | None = None  # our name -> URL, of files already there

    def urls(self, paths: Sequence[Path]) -> list[str]:
        """The URLs of these files in Label Studio, uploading those not there yet."""
        names = [upload_name(p) for p in paths]
        known = self._existing()
        missing = [(n, p) for n, p in zip(names, paths, strict=True) if n not in known]
        if missing:
            known.update(self._upload(missing))
            self.uploaded += len(missing)
        return [known[n] for n in names]

    def _existing(self) -> dict[str, str]:
        if self._known is None:
            files = plain(self.conn.call(
                f"listing the files uploaded to project {self.ls_project}",
                self.conn.client.files.list, id=self.ls_project, all_=True))
            self._known = {}
            for item in files:
                stored = str(item.get("file") or "")
                self._known.setdefault(Path(stored).name[_PREFIX_LEN:], MEDIA_URL + stored)
        return self._known

    def _upload(self, files: list[tuple[str, Path]]) -> dict[str, str]:
        what = f"uploading {len(files)} page image(s) to project {self.ls_project}"
        # one form field per file: Label Studio reads one file per field name
        body = {name: (name, path.read_bytes(), "image/png" if path.suffix == ".png" else None)
                for name, path in files}
        # the client has no call for it; its HTTP client carries the server and the key
        response = self.conn.call(what, self.conn.client._client_wrapper.httpx_client.request,
                                  f"api/projects/{self.ls_project}/import", method="POST",
                                  params={"commit_to_project": "false"}, files=body,
                                  force_multipart=True)
        answer = _json(response, what, self.conn.url)
        ids = answer.get("file_upload_ids") or []
        stored = plain(self.conn.call(what, self.conn.client.files.list, id=self.ls_project,
                                      ids=json.dumps(ids)))
        got = {Path(str(item["file"])).name[_PREFIX_LEN:]: MEDIA_URL + str(item["file"])
               for item in stored}
        lost = [name for name, _ in files if name not in got]
        if lost:
            raise LabelStudioSyncError(
                f"Label Studio at {self.conn.url} accepted the upload to project {self.ls_project} "
                f"but does not list {lost[0]} among its files; push again")
        return got


def _json(response: Any, what: str, url: str) -> dict[str, Any]:
    """The answer of a raw request, or the error it is."""
    status = response.status_code
    if status >= 400:
        from .client import api_error

        error = RuntimeError(response.text)
        error.status_code = status  # type: ignore[attr-defined]
        error.body = response.text  # type: ignore[attr-defined]
        raise api_error(error, what, url)
    answer = response.json()
    if not isinstance(answer, dict):
        raise LabelStudioSyncError(f"Label Studio at {url}: {what}: unexpected answer {str(answer)[:300]}")
    return answer
