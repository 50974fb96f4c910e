"""The notebook widgets of the lab (anywidget; TypeScript views under ``js/src/``, bundled
by esbuild into ``static/``).

Each widget keeps a few synced traits and answers everything else as request/response
custom messages (see :mod:`._rpc`; their types: :mod:`._messages`). Interactive elements
carry stable ``data-testid`` attributes, listed at the top of each ``js/src/<widget>.ts``.
"""

from __future__ import annotations

from ._config_builder import ConfigBuilder
from ._lab import Lab
from ._labeling_view import LabelingView
from ._labelstudio_panel import LabelStudioPanel
from ._preannotate_dialog import PreannotateDialog
from ._rule_studio import RuleStudioWidget
from ._servers_panel import ServersPanel
from ._task_grid import TaskGrid


def widget_classes() -> dict[str, type]:
    """The lab's widgets by class name: the ones ``js/src/common/messages.ts`` types."""
    return {cls.__name__: cls for cls in (TaskGrid, ConfigBuilder, PreannotateDialog, ServersPanel,
                                          LabelStudioPanel, LabelingView, RuleStudioWidget)}


__all__ = ["ConfigBuilder", "Lab", "LabelStudioPanel", "LabelingView", "PreannotateDialog",
           "RuleStudioWidget", "ServersPanel", "TaskGrid"]
