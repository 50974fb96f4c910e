"""The rule studio: live statistics of a regex or dictionary rule over a project, then save
and deploy it (``pl.RuleStudio``; the notebook widget is ``pl.RuleStudioWidget``).

* :mod:`.literals` - the literal text a rule needs, as a query of the store's trigram index;
* :mod:`.corpus` - the project's texts, read once per session and kept while they do not change;
* :mod:`.scan` - running rules under the rules engine's timeout; :mod:`.against` - comparing
  matches with other rules, predictions and completions; :mod:`.stats` - :class:`RuleStats`;
* :mod:`.rule_studio` - :class:`RuleStudio`, the verbs (stats, save, deploy).
"""

from __future__ import annotations

from .errors import RuleStudioError, RuleTimeoutError
from .rule_studio import RuleStudio, as_rules
from .stats import RuleStats

__all__ = ["RuleStats", "RuleStudio", "RuleStudioError", "RuleTimeoutError", "as_rules"]
