"""The hub of pre-annotation resources: spaCy NER, rules, assertion, classification, relations, prompts.

``pl.hub`` (a :class:`Hub`) is created on first use; importing this package loads no model.

Factories (``hub.build(factory, config)`` or a saved spec ``hub.add({"name", "factory", "config"})``):

=========================  ==============  ==================================================
factory                    kind            config
=========================  ==============  ==================================================
spacy_ner                  ner             model, labels (subset), all_components, fast
rules                      ner             ruleset (library name) or inline rules, timeout
zero_shot_ner              ner             labels {label: description}, examples, project, threshold
llm_ner                    ner             base_url, model, temperature, labels, api_key_env
gliner_ner                 ner             model (local folder), labels, threshold (needs gliner)
assertion                  assertion       apply_to (span labels), extra_triggers
spacy_textcat              classification  model, threshold, top_k
keyword_classifier         classification  keywords {label: [words]}, threshold, top_k
zero_shot_classification   classification  labels {label: description}, threshold, top_k
relations                  relation        allowed "A>B,C<>D", label, max_distance
=========================  ==============  ==================================================

Each factory declares its config keys (``factories()[name].config_fields``: type, default,
meaning); a key it does not declare, or a value of the wrong type, is refused with a
:class:`ResourceConfigError` that lists the allowed keys.

Every installed spaCy pipeline (and folder added with ``hub.add_model_path``) is listed by
its name; every rule set in the user's rules library (``hub.rules``) by its name.
"""

from __future__ import annotations

from typing import Any

from .base import (
    ConfigField,
    ItemError,
    ItemOutput,
    Resource,
    ResourceConfigError,
    ResourceError,
    ResourceInfo,
    ResultError,
)
from .registry import ResourceSpec, factories, register_factory
from .resource_hub import Hub  # not "hub.py": that module would shadow pl.hub below

__all__ = [
    "ConfigField", "Hub", "ItemError", "ItemOutput", "Resource", "ResourceConfigError",
    "ResourceError", "ResourceInfo", "ResourceSpec", "ResultError", "factories", "hub",
    "register_factory",
]

_hub: Hub | None = None


def __getattr__(name: str) -> Any:
    if name == "hub":
        global _hub
        if _hub is None:
            _hub = Hub()
        return _hub
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
