"""The content key: how a task without a source id is recognised when it is imported again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .codec import SOURCE_ID_KEY


def content_key(kind: str, data: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the task's kind and data, ``data["_source_id"]`` left out.

    The data is hashed as canonical JSON (keys sorted, no spaces, non-ASCII kept), so the
    same task read from a file twice gives the same key whatever the order of its fields.
    The source id is left out so that the key names the content only; imports use the
    source id when a task has one and this key otherwise.
    """
    content = {k: v for k, v in data.items() if k != SOURCE_ID_KEY}
    text = json.dumps([kind, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
