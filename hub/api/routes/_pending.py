"""Reads that belong in `hub.queries` and are not there yet (hub/queries is not this module's owner's to change).
Each is the exact body the query should get; once it exists there, the route calls it and this module goes.
tests/api/test_layers.py allows the store here, function by function, and nowhere else in hub/api."""

from __future__ import annotations

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import MergeSuggestion


async def merge_suggestions(hub: Hub, actor: Actor, *, status: str | None) -> list[MergeSuggestion]:
    """-> hub.queries.clients.merge_suggestions: the suggestions the actor may see (`status` None: all of them).
    Those who may not see every client they name get none (department visibility)."""
    access.require(access.can_merge_clients(actor))
    if not access.can_view_merge_suggestions(hub, actor):
        return []
    return await hub.store.merges.list(status=status)
