"""preannotate_lab: Jupyter-native pre-annotation with spaCy models, rules and prompts."""

from __future__ import annotations

__version__ = "0.1.0"
