"""The connection to a running Label Studio, through its official client ``label-studio-sdk``.

Its conventions: the server's URL in ``LABEL_STUDIO_URL`` and the key in
``LABEL_STUDIO_API_KEY``. The key may be a personal access token (a JWT, exchanged by the
client for short-lived access tokens) or a legacy token (sent as ``Token <key>``); the
client tells them apart by itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import PreannotateError

URL_ENV = "LABEL_STUDIO_URL"
KEY_ENV = "LABEL_STUDIO_API_KEY"
PAGE_SIZE = 100


class LabelStudioSyncError(PreannotateError):
    """A push or pull could not be done; the message says why and what to do."""


def _sdk() -> Any:
    try:
        import label_studio_sdk
    except ImportError:
        raise LabelStudioSyncError(
            "syncing with Label Studio needs its client: pip install 'preannotate-lab[labelstudio]' "
            "(or pip install label-studio-sdk)"
        ) from None
    return label_studio_sdk


def api_error(exc: Exception, what: str, url: str) -> LabelStudioSyncError:
    """A readable error for a failed call: the status and body the server answered."""
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    if status in (401, 403):
        hint = (f"check the API key ({KEY_ENV}): Account & Settings in Label Studio shows it; "
                "a legacy token works when the server allows legacy tokens")
    elif status == 404:
        hint = "it does not exist on that server (deleted?)"
    elif status is None:
        hint = f"is Label Studio running at {url}? ({type(exc).__name__}: {exc})"
    else:
        hint = f"HTTP {status}: {str(body)[:600]}"
    return LabelStudioSyncError(f"Label Studio at {url}: {what} failed: {hint}")


@dataclass
class Connection:
    """A client of one Label Studio server, with the URL it was made for."""

    url: str
    client: Any  # label_studio_sdk.LabelStudio

    def call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, its failure turned into a LabelStudioSyncError about ``what``."""
        try:
            return fn(*args, **kwargs)
        except LabelStudioSyncError:
            raise
        except Exception as exc:  # the client raises ApiError, httpx errors, OSError
            raise api_error(exc, what, self.url) from exc

    def tasks(self, ls_project: int) -> Iterator[dict[str, Any]]:
        """Every task of the project with its annotations and full predictions, as plain dicts."""
        pager = self.call(f"listing the tasks of project {ls_project}", self.client.tasks.list,
                          project=ls_project, fields="all", page_size=PAGE_SIZE)
        try:
            for task in pager:
                yield plain(task)
        except Exception as exc:
            raise api_error(exc, f"listing the tasks of project {ls_project}", self.url) from exc

    def project_url(self, ls_project: int) -> str:
        return f"{self.url}/projects/{ls_project}"


def plain(obj: Any) -> Any:
    """A client's response model as JSON-like dicts (datetimes as ISO strings)."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", by_alias=True)
    if isinstance(obj, list):
        return [plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    return obj


def connect(url: str | None = None, api_key: str | None = None, *, timeout: float = 120.0) -> Connection:
    """A connection to the server at ``url`` (else ``$LABEL_STUDIO_URL``) with ``api_key``
    (else ``$LABEL_STUDIO_API_KEY``)."""
    url = (url or os.environ.get(URL_ENV) or "").strip().rstrip("/")
    api_key = (api_key or os.environ.get(KEY_ENV) or "").strip()
    if not url:
        raise LabelStudioSyncError(
            f"no Label Studio URL: pass url=... (CLI: --url) or set {URL_ENV}, e.g. http://localhost:8080")
    if not url.startswith(("http://", "https://")):
        raise LabelStudioSyncError(f"Label Studio URL {url!r} must start with http:// or https://")
    if not api_key:
        raise LabelStudioSyncError(
            f"no Label Studio API key: pass api_key=... or set {KEY_ENV} "
            "(Label Studio shows it under Account & Settings)")
    sdk = _sdk()
    try:
        client = sdk.LabelStudio(base_url=url, api_key=api_key, timeout=timeout)
    except Exception as exc:  # an expired or malformed personal access token
        raise api_error(exc, "signing in", url) from exc
    return Connection(url=url, client=client)
