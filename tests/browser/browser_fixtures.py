"""Helpers for the real-browser tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "artifacts" / "browser"


class JupyterLab:
    """A running ``jupyter lab``: its URL, token, served folder and log."""

    def __init__(self, base: str, token: str, root: Path, log: Path) -> None:
        self.base, self.token, self.root, self.log = base, token, root, log

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path}{sep}token={self.token}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def shot(page: Any, name: str, focus: Any = None) -> Path:
    """Save a screenshot as artifacts/browser/<name>.png and return its path.

    ``focus`` (a locator) is scrolled into view first: JupyterLab scrolls inside its own
    panels, so a full-page screenshot only shows what the notebook panel shows.
    """
    if focus is not None:
        focus.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


KERNEL_IDLE_JS = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle';
}"""


def open_lab(page: Any, lab: JupyterLab, path: str = "lab") -> None:
    """Open a JupyterLab URL (with a reset workspace) and wait until the app has started."""
    sep = "&" if "?" in path else "?"
    page.goto(lab.url(f"{path}{sep}reset"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=60_000)
    page.evaluate("() => window.jupyterapp.started")


def wait_kernel_idle(page: Any, timeout: int = 60_000) -> None:
    page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout)


def run_in_kernel(page: Any, code: str, timeout: int = 60_000) -> str:
    """Execute code in the current notebook's kernel, bypassing the UI; return its stdout.

    Raises AssertionError with the traceback if the code raised.
    """
    result = page.evaluate(
        """async (code) => {
            const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            let out = '', err = null;
            const f = k.requestExecute({code, store_history: false});
            f.onIOPub = (m) => {
                if (m.header.msg_type === 'stream') out += m.content.text;
                if (m.header.msg_type === 'error') err = m.content.traceback.join('\\n');
            };
            await f.done;
            return {out, err};
        }""",
        code,
    )
    assert result["err"] is None, f"kernel code failed:\n{code}\n{result['err']}"
    return result["out"]


def wait_notebook_ready(page: Any, timeout: int = 60_000) -> str:
    """Wait until the current widget is a notebook whose file has loaded; return its path."""
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.context && w.content && w.content.model); }",
        timeout=timeout,
    )
    return page.evaluate(
        "async () => { const w = window.jupyterapp.shell.currentWidget;"
        " await w.context.ready; return w.context.path; }"
    )
