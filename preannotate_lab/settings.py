"""Settings the kernel's parts read live (a leaf: it imports nothing of the package).

``pl.servers.max_models_per_server`` is stored here, so that the config gate (below the server
layer) checks a config against the limit the servers will apply, not against a constant.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_MODELS = 5


@dataclass
class ServerSettings:
    """Limits of one server manager; the kernel's manager (``pl.servers``) uses :data:`SERVERS`."""

    max_models_per_server: int = DEFAULT_MAX_MODELS


# the kernel's live settings: pl.servers writes them, every config gate reads them
SERVERS = ServerSettings()


def check_limit(name: str, value: object) -> int:
    """``value`` as a limit (a whole number >= 1), else ValueError naming the setting."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return value


DEFAULT_LOW_CONFIDENCE = 0.5


@dataclass
class ReviewSettings:
    """When a task needs a person's look first (the task grid's ``review`` filter and flags).

    ``low_confidence``: a task whose least confident result is below this is flagged
    ``low_confidence``. 0.5: below it, a spaCy entity's beam probability says the model
    finds another reading of the text more likely than this one; a zero-shot span below it is
    a weak match (its cosine similarity); rules (1.0) are never below it.
    """

    low_confidence: float = DEFAULT_LOW_CONFIDENCE


# read live by the grid: ``settings.REVIEW.low_confidence = 0.7`` applies to the next page
REVIEW = ReviewSettings()
