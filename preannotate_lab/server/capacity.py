"""The capacity decisions of a deploy, computed from the real numbers, and what a UI shows
before the user clicks Deploy (:class:`DeployCheck`).

``ServerManager.deploy`` refuses with these messages and ``ServerManager.check_deploy`` reports
them ahead of time, so the dialog and the refusal can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cache import ResourceCache
    from .pipeline import StageSpec
    from .server import Server

HOW_TO_RAISE = ("servers.memory_budget_mb = {mb} in this kernel, or "
                "ServerManager(memory_budget_mb={mb})")


@dataclass(frozen=True)
class DeployCheck:
    """Whether a server could be deployed now, with the numbers a UI shows next to Deploy."""

    can_deploy: bool
    reason: str | None
    servers_used: int
    max_servers: int
    memory_used_mb: float
    memory_budget_mb: float
    planned_mb: float  # the planned server's estimated memory (all its resources)
    needed_mb: float  # what would be loaded (resources not in the cache yet)
    resources: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def describe(self) -> dict[str, Any]:
        return {"can_deploy": self.can_deploy, "reason": self.reason,
                "servers_used": self.servers_used, "max_servers": self.max_servers,
                "memory_used_mb": round(self.memory_used_mb, 1),
                "memory_budget_mb": round(self.memory_budget_mb, 1),
                "planned_mb": round(self.planned_mb, 1), "needed_mb": round(self.needed_mb, 1),
                "resources": [dict(r) for r in self.resources]}


def memory_problem(name: str | None, planned: Sequence[StageSpec], cache: ResourceCache,
                   servers: Sequence[Server]) -> str | None:
    """Why the planned resources cannot be loaded under the budget (None: they can).

    Idle resources are evicted on demand, so only resources pinned by running jobs stand in
    the way; servers are named only when deleting them (which cancels their jobs) would make
    room, and a resource larger than the whole budget asks for a larger budget instead.
    """
    new = [s for s in planned if s.key not in cache]
    needed = sum(s.memory_mb for s in new)
    if not needed or cache.can_fit(needed):
        return None
    budget = cache.budget_mb
    who = f"server {name!r}" if name else "the new server"
    suggest = math.ceil((needed + 50) / 50) * 50
    if needed > budget:
        what = ", ".join(f"{s.name} (~{s.memory_mb:.0f} MB)" for s in new)
        alone = "alone exceeds" if len(new) == 1 else "alone exceed"
        return (f"{who} needs ~{needed:.0f} MB for {what}, which {alone} the memory "
                f"budget of {budget:.0f} MB; deleting servers cannot make room. Raise the budget: "
                + HOW_TO_RAISE.format(mb=suggest))
    pinned = {e["key"]: e["memory_mb"] for e in cache.describe() if e["pinned"]}
    held = sum(pinned.values())
    holders = {s.name: {st.key for st in s.spec.stages if st.key in pinned} for s in servers}
    holders = {n: keys for n, keys in holders.items() if keys}
    status = {s.name: s.status for s in servers}
    listing = ", ".join(f"{n} ({status[n]}, ~{sum(pinned[k] for k in keys):.0f} MB in use)"
                        for n, keys in holders.items())
    head = (f"{who} needs ~{needed:.0f} MB more but the memory budget is "
            f"{budget:.0f} MB and resources in use by jobs hold ~{held:.0f} MB")
    chosen = _servers_to_delete(holders, pinned, held + needed - budget)
    if not holders:
        return (f"{head} (jobs of deleted servers, ending after the chunk in hand); try again "
                f"in a moment, or raise the budget: {HOW_TO_RAISE.format(mb=math.ceil(held + needed))}")
    if chosen is None:
        return (f"{head}: {listing}. Wait for those jobs to finish, or raise the budget: "
                + HOW_TO_RAISE.format(mb=math.ceil(held + needed)))
    return (f"{head}: {listing}. Wait for their jobs to finish, or delete "
            f"{' and '.join(chosen)} on the servers panel or with servers.delete(name) "
            "(that cancels its job) to make room")


def _servers_to_delete(holders: dict[str, set[str]], pinned: dict[str, float],
                       missing: float) -> list[str] | None:
    """Fewest servers (largest first) whose deletion frees ``missing`` MB, else None."""
    chosen: list[str] = []
    every: set[str] = set().union(*holders.values())
    for name in sorted(holders, key=lambda n: -sum(pinned[k] for k in holders[n])):
        chosen.append(name)
        still: set[str] = set().union(*(keys for n, keys in holders.items() if n not in chosen))
        freed = sum(pinned[key] for key in every - still)
        if freed >= missing:
            return chosen
    return None
