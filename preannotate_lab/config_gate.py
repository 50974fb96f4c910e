"""The one gate a labeling config passes wherever it enters: the config builder, ``set_config``,
the CLI's ``config`` and ``init --xml``, and ``servers.deploy``.

:func:`labeling.validate <preannotate_lab.labeling.validate.validate>` decides what a config may
hold; this module gives it the live facts it cannot know from below: the hub's knowledge of each
``model=`` resource (kind, labels it predicts, language, runtime) and the kernel's limit of
resources per server (``pl.servers.max_models_per_server``, kept in :mod:`.settings`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .labeling import ConfigError, ConfigProblem, LabelingConfig
from .settings import SERVERS


def check_config(config: LabelingConfig, *, hub: Any = None, max_models_per_server: int | None = None,
                 used_labels: Mapping[str, Iterable[int]] | None = None) -> list[ConfigProblem]:
    """Every problem of ``config`` (errors and warnings), judged with the live hub and limits.

    ``hub``: the hub whose resources ``model=`` names (default ``pl.hub``);
    ``max_models_per_server``: a server manager's own limit (default: the kernel's live one).
    """
    if hub is None:
        from .resources import hub as default_hub

        hub = default_hub
    limit = SERVERS.max_models_per_server if max_models_per_server is None else max_models_per_server
    return config.validate(limit, hub.model_info, used_labels)


def errors_of(problems: Iterable[ConfigProblem]) -> list[ConfigProblem]:
    return [p for p in problems if p.severity == "error"]


def require_valid_config(config: LabelingConfig, *, what: str, hub: Any = None,
                         max_models_per_server: int | None = None) -> LabelingConfig:
    """``config`` if the gate finds no error, else ConfigError: ``what`` and every error."""
    errors = errors_of(check_config(config, hub=hub, max_models_per_server=max_models_per_server))
    if errors:
        noun = "problem" if len(errors) == 1 else "problems"
        raise ConfigError(f"{what}; it has {len(errors)} {noun}:\n- "
                          + "\n- ".join(p.message for p in errors))
    return config
