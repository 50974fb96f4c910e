"""Resources that exist without any user setup (installed pipelines are discovered separately)."""

from __future__ import annotations

from .registry import ResourceSpec


def builtin_specs() -> list[ResourceSpec]:
    return [
        ResourceSpec(
            "assertion", "assertion", {},
            "assertion status of clinical chunks (absent, possible, hypothetical, historical, family)",
        ),
    ]
