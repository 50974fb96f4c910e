"""Errors of the rule studio."""

from __future__ import annotations

from ..errors import PreannotateError


class RuleStudioError(PreannotateError):
    """A rule studio request cannot be answered (bad rule, unknown rule set, ...)."""


class RuleTimeoutError(RuleStudioError):
    """A pattern ran past its per-task timeout: it backtracks catastrophically on some text."""
