"""Errors of the training part."""

from __future__ import annotations

from ..errors import PreannotateError


class TrainingError(PreannotateError):
    """Training cannot start or failed (names the project, model or folder, and what to do)."""
