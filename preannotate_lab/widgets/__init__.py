"""The notebook widgets of the lab (anywidget; hand-written ES modules under ``static/``).

Each widget keeps a few synced traits and answers everything else as request/response
custom messages (see :mod:`._rpc`). Interactive elements carry stable ``data-testid``
attributes, listed at the top of each ``static/<widget>.js``.
"""

from __future__ import annotations

from ._config_builder import ConfigBuilder
from ._lab import Lab
from ._labeling_view import LabelingView
from ._labelstudio_panel import LabelStudioPanel
from ._preannotate_dialog import PreannotateDialog
from ._servers_panel import ServersPanel
from ._task_grid import TaskGrid

__all__ = ["ConfigBuilder", "Lab", "LabelStudioPanel", "LabelingView", "PreannotateDialog",
           "ServersPanel", "TaskGrid"]
