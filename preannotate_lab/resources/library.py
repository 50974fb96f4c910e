"""Where user-level state lives: rule sets, saved resource specs, model folders, caches."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "PREANNOTATE_LAB_HOME"


def user_home() -> Path:
    """``$PREANNOTATE_LAB_HOME`` or ``~/.local/share/preannotate_lab`` (read on every call)."""
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else Path.home() / ".local" / "share" / "preannotate_lab"
