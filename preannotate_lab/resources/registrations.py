"""Every built-in factory and built-in resource spec, registered in this one place.

Like spaCy's ``registrations`` module: the factory modules only define resource classes; this
module imports each one and registers it under its factory name. The hub imports this module,
so importing ``preannotate_lab.resources`` registers them all (loading no model). A plug-in
registers its own class with ``@register_factory("name")``.
"""

from __future__ import annotations

from .assertion import AssertionResource
from .base import Resource
from .classification import KeywordClassifier, SpacyTextcat, ZeroShotClassifier
from .gliner_ner import GLiNERNER
from .prompts import ZeroShotNER
from .prompts_llm import LLMNER
from .registry import ResourceSpec, register_factory
from .relations import RuleRelations
from .rules import RulesResource
from .spacy_ner import SpacyNER

BUILTIN_FACTORIES: dict[str, type[Resource]] = {
    "spacy_ner": SpacyNER,
    "rules": RulesResource,
    "zero_shot_ner": ZeroShotNER,
    "llm_ner": LLMNER,
    "gliner_ner": GLiNERNER,
    "assertion": AssertionResource,
    "spacy_textcat": SpacyTextcat,
    "keyword_classifier": KeywordClassifier,
    "zero_shot_classification": ZeroShotClassifier,
    "relations": RuleRelations,
}

for _name, _cls in BUILTIN_FACTORIES.items():
    register_factory(_name)(_cls)


def builtin_specs() -> list[ResourceSpec]:
    """Resources that exist without any user setup (installed pipelines are discovered separately)."""
    return [
        ResourceSpec(
            "assertion", "assertion", {},
            "assertion status of clinical chunks (absent, possible, hypothetical, historical, family)",
        ),
    ]
