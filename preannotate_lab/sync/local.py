"""Start the Label Studio that ``scripts/label_studio.sh`` installed, on loopback, for a notebook.

Label Studio pins its own Django stack, so it lives in its own virtualenv
(``$PREANNOTATE_LS_CACHE`` or ``~/.cache/preannotate-lab/label-studio-<version>``), never in
the project's. :func:`start_local` runs it on 127.0.0.1 with a fresh data folder, one user and
a fixed API token, and returns once it answers; ``stop()`` ends it and what it started.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import PreannotateError

VERSION = "1.23.2"  # the version scripts/label_studio.sh installs and the tests run against


class LabelStudioNotInstalled(PreannotateError):
    """No Label Studio in the cache where scripts/label_studio.sh installs it."""


@dataclass
class LocalLabelStudio:
    """A running Label Studio: its URL, the API token, the login, and its process."""

    url: str
    api_key: str
    user: str
    password: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        try:  # its own process group: the server and whatever it started
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def installed_venv(version: str = VERSION) -> Path | None:
    """The virtualenv scripts/label_studio.sh made, or None when it is not there (yet)."""
    cache = os.environ.get("PREANNOTATE_LS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "preannotate-lab")
    venv = Path(cache) / f"label-studio-{version}"
    return venv if (venv / ".installed").exists() and (venv / "bin" / "label-studio").exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_local(data_dir: str | os.PathLike[str], *, timeout: float = 300.0,
                user: str = "annotator@example.com", password: str | None = None,
                token: str | None = None, venv: Path | None = None) -> LocalLabelStudio:
    """Start Label Studio on 127.0.0.1 (a free port) with its data in ``data_dir``.

    ``password`` and ``token`` default to fresh random ones; ``venv`` to the one
    scripts/label_studio.sh installed.
    """
    venv = venv or installed_venv()
    if venv is None:
        raise LabelStudioNotInstalled(
            f"Label Studio {VERSION} is not installed: run `bash scripts/label_studio.sh` from a "
            f"preannotate-lab checkout (it makes its own virtualenv), or start any Label Studio "
            "and use its URL and API key")
    base = Path(data_dir)
    (base / "files").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    token = token or secrets.token_hex(20)
    password = password or secrets.token_urlsafe(12)
    env = {**os.environ,
           "LABEL_STUDIO_BASE_DATA_DIR": str(base / "data"),
           "LABEL_STUDIO_USERNAME": user, "LABEL_STUDIO_PASSWORD": password,
           "LABEL_STUDIO_USER_TOKEN": token,
           "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
           "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(base / "files"),
           "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
           "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "", "COLLECT_ANALYTICS": "false"}
    env.pop("PYTHONPATH", None)  # its own venv, not this one
    log = base / "label-studio.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(venv / "bin" / "label-studio"), "start", "--no-browser", "--host", "127.0.0.1",
             "--port", str(port), "--internal-host", "127.0.0.1", "--enable-legacy-api-token"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=base)
    server = LocalLabelStudio(f"http://127.0.0.1:{port}", token, user, password, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PreannotateError(f"Label Studio exited with {process.returncode}; its log: {log}")
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            pass
        time.sleep(1)
    server.stop()
    raise PreannotateError(f"Label Studio did not answer within {timeout:.0f} s; its log: {log}")
