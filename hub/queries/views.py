"""Reading saved views: the ones the actor sees (hub.access.view_query, compiled by the store), one by id (hidden ==
missing), and each view's count of the conversations the actor may see that match it: the same scoped query as the
inbox list (hub.queries.conversations), so a count never includes what the actor cannot open."""

from __future__ import annotations

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain_views import SavedView
from hub.queries import conversations as conversation_queries


async def visible(hub: Hub, actor: Actor) -> list[SavedView]:
    query = access.view_query(actor)
    if query is None:
        return []
    return await hub.store.views.query(query)


async def get(hub: Hub, actor: Actor, view_id: str) -> SavedView:
    return await access.saved_view_for(hub, actor, view_id)


def can_edit(actor: Actor, view: SavedView) -> bool:
    """Whether the actor may change or delete it (the inbox shows Edit)."""
    return access.can_edit_saved_view(actor, view)


async def counts(hub: Hub, actor: Actor) -> dict[str, int]:
    """view id -> how many conversations the actor may see match it now (one count query per view)."""
    views = await visible(hub, actor)
    if not views:
        return {}
    scope = await conversation_queries.reader_scope(hub, actor)
    out: dict[str, int] = {}
    for view in views:
        filters = conversation_queries.InboxFilter.of(actor, view.filters)
        out[view.id] = await conversation_queries.count(hub, actor, filters, scope=scope)
    return out
