"""Reading clients: search, the card, the cross-channel timeline, the client's conversations."""

from __future__ import annotations

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Client, Conversation, Identity, MergeSuggestion, TimelineEntry
from hub.queries import Page
from hub.store.port import ConversationQuery, Cursor


async def search(hub: Hub, actor: Actor, q: str, *, limit: int = 20) -> list[Client]:
    """Clients by name, email or phone prefix, among those the actor may see."""
    if not (access.is_staff(actor) or access.is_partner(actor) or access.is_system(actor)):
        return []
    view = await access.partner_view(hub, actor) if access.is_partner(actor) else None  # type: ignore[arg-type]
    found = await hub.store.clients.search(
        q[:200],
        limit=limit,
        region=hub.settings.default_region,
        conversation_scope=await access.client_list_scope(hub, actor),
        partner_scope=access.partner_search_scope(view) if view is not None else None,
    )
    return found


async def get(hub: Hub, actor: Actor, client_id: str) -> Client:
    return await access.client_for(hub, actor, client_id)


async def get_many(hub: Hub, actor: Actor, client_ids: list[str]) -> list[Client]:
    """The clients among `client_ids` that the actor may see (the others are simply absent)."""
    found = await hub.store.clients.get_many(client_ids)
    view = await access.partner_view(hub, actor) if access.is_partner(actor) else None  # type: ignore[arg-type]
    return [c for c in found if await access.can_view_client(hub, actor, c, view)]


async def conversations(hub: Hub, actor: Actor, client_id: str, *, limit: int = 100) -> list[Conversation]:
    client = await access.client_for(hub, actor, client_id)
    if access.is_partner(actor):
        view = await access.partner_view(hub, actor)  # type: ignore[arg-type]
        whole = [client.id] if access.partner_sees_whole_client(actor, client, view) else []
        granted = [c for c, owner in view.conversation_clients.items() if owner == client.id]
        scope = access.partner_conversation_scope(whole, granted)
    else:
        scope = access.conversation_scope(actor)
    return await hub.store.conversations.query(
        ConversationQuery(client_id=client.id, scope=scope, limit=limit)
    )


async def timeline(
    hub: Hub, actor: Actor, client_id: str, *, before: Cursor | None = None, limit: int = 50
) -> Page[TimelineEntry]:
    """The client's entries across channels, newest first: only those of conversations the actor may see,
    client-level notes, and for partners never an internal note. Built as a scoped query, so every page is full."""
    client = await access.client_for(hub, actor, client_id)
    scope = await access.entry_scope(hub, actor, client)
    entries = await hub.store.timeline.page(client.id, before=before, limit=limit, scope=scope)
    return Page(entries, _next(entries, limit))


def _next(entries: list[TimelineEntry], limit: int) -> Cursor | None:
    return Cursor(entries[-1].occurred_at, entries[-1].id) if len(entries) == limit else None


async def find(hub: Hub, client_id: str) -> Client | None:
    """System read (connectors, bots, realtime): the client or None."""
    return await hub.store.clients.get(client_id)


async def owner_of(hub: Hub, identity: Identity) -> str | None:
    """System read: the id of the client an identity belongs to, if any."""
    owners = await hub.store.identities.owners([identity])
    return owners.get(identity)


async def merge_suggestions(
    hub: Hub, actor: Actor, *, status: str | None, client_id: str | None = None
) -> list[MergeSuggestion]:
    """The merge suggestions the actor may see (`status` None: all; `client_id`: only those naming that client).
    Those who may not see every client they name get none (department visibility)."""
    access.require(access.can_merge_clients(actor))
    if not access.can_view_merge_suggestions(hub, actor):
        return []
    found = await hub.store.merges.list(status=status)
    return found if client_id is None else [s for s in found if client_id in s.client_ids]
