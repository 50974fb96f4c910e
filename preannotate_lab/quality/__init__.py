"""Pre-annotation quality: per-label scores, label confusion and annotation effort saved.

``quality_report(project, version=None, server=None, label_map=None)`` scores one selection of
predictions against the ground-truth completions; ``project.report(...)`` and
``preannotate report PROJECT`` do the same.
"""

from __future__ import annotations

from .metrics import CLICK_ASSUMPTIONS, CLICK_COSTS, OUTCOMES
from .report import QualityError, QualityReport, quality_report

__all__ = ["CLICK_ASSUMPTIONS", "CLICK_COSTS", "OUTCOMES", "QualityError", "QualityReport",
           "quality_report"]
