"""Errors of the server layer; each names the server, job or input it is about."""

from __future__ import annotations

from ..errors import PreannotateError


class ServerError(PreannotateError):
    """A server cannot be deployed, found or run as asked (the message says what to do)."""


class CapacityError(ServerError):
    """Deploying would exceed the manager's limits; the message names servers to delete."""


class JobError(ServerError):
    """A pre-annotation job failed as a whole (per-task problems are recorded on the tasks)."""


class ServerWarning(PreannotateError, UserWarning):
    """A run goes ahead but will not give everything the project's config asks for (a
    warning, issued with ``warnings.warn``; rooted like every error of the package)."""
