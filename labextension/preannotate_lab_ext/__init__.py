"""Python shell of the ``preannotate-lab`` prebuilt JupyterLab extension.

Installing this package puts the built extension where JupyterLab finds it
(``share/jupyter/labextensions/preannotate-lab``); the source is TypeScript under ``src/``.
"""

from __future__ import annotations

__version__ = "0.1.0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "preannotate-lab"}]
