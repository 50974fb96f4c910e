"""How nbval runs the tutorials (``pytest notebooks --nbval-lax``).

08 needs a Label Studio, which lives in its own virtualenv (scripts/label_studio.sh; `make
test` installs it). Where it could not be installed, 08's cells are reported as skipped with
the reason, rather than failing on a missing service or passing without running.
"""

from __future__ import annotations

import pytest

from preannotate_lab.sync.local import installed_venv

NEEDS_LABEL_STUDIO = "08_labelstudio_and_quality.ipynb"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if installed_venv() is not None:
        return
    skip = pytest.mark.skip(reason="Label Studio is not installed: run bash scripts/label_studio.sh")
    for item in items:
        if item.path.name == NEEDS_LABEL_STUDIO:
            item.add_marker(skip)
