"""Errors of the training part."""

from __future__ import annotations


class TrainingError(Exception):
    """Training cannot start or failed (names the project, model or folder, and what to do)."""
