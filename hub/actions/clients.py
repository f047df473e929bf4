"""Client actions: edit a client card, share with partners, merge two clients an agent confirmed are one."""

from __future__ import annotations

from typing import Any

from hub import access
from hub.access import Actor, can_edit_client, can_merge_clients, can_share_client, require
from hub.actions import partners
from hub.context import Hub
from hub.domain import Client, ClientKind, FieldValue
from hub.errors import Invalid, NotFound
from hub.events import ClientsMerged, ClientUpdated


async def get_client(hub: Hub, actor: Actor | None, client_id: str) -> Client:
    """The client through the access door: NotFound when missing or hidden (`actor` None: the system)."""
    return await access.client_for(hub, access.as_actor(actor), client_id)


async def update_client(
    hub: Hub,
    actor: Actor | None,
    client_id: str,
    *,
    name: str | None = None,
    kind: ClientKind | None = None,
    fields: dict[str, FieldValue] | None = None,
    tags: list[str] | None = None,
    partner_ids: list[str] | None = None,
) -> Client:
    """`fields` is merged into the client's fields (a None value removes that field); `tags` replaces the tags.
    `actor` None is the system (bots capturing a lead, automations)."""
    actor = access.as_actor(actor)
    client = await get_client(hub, actor, client_id)
    require(can_edit_client(actor, client), "you cannot edit this client")
    changes: dict[str, Any] = {}
    if name is not None and name.strip() != client.name:
        changes["name"] = name.strip()[:200]
    if kind is not None and kind != client.kind:
        changes["kind"] = kind
    if fields is not None:
        merged = {**client.fields, **fields}
        merged = {k: v for k, v in merged.items() if v is not None}
        if merged != client.fields:
            changes["fields"] = merged
    if tags is not None:
        clean = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
        if clean != client.tags:
            changes["tags"] = clean
    if partner_ids is not None:
        require(can_share_client(actor), "only admins and supervisors share clients with partners")
        keys = await partners.partner_keys(hub, partner_ids)  # organisation ids (or partner user ids)
        if keys != sorted(client.partner_ids):
            changes["partner_ids"] = keys
    if not changes:
        return client
    updated = await hub.store.clients.update(client_id, {**changes, "updated_at": hub.clock()})
    if updated is None:
        raise NotFound("no such client")
    await hub.bus.publish(ClientUpdated(updated, tuple(changes)))
    if "partner_ids" in changes:  # the shortcut for client grants: the grant records follow
        await partners.record_client_grants(hub, actor, client.id, client.partner_ids, updated.partner_ids)
    return updated


async def merge_clients(hub: Hub, actor: Actor, keep_id: str, remove_id: str) -> Client:
    """Make `remove_id` part of `keep_id`: identities, conversations and timeline move; fields and tags join."""
    require(can_merge_clients(actor), "you cannot merge clients")
    if keep_id == remove_id:
        raise Invalid("a client cannot be merged into itself")
    store = hub.store
    keep = await get_client(hub, actor, keep_id)
    remove = await get_client(hub, actor, remove_id)
    await store.identities.reassign(remove.id, keep.id)
    await store.conversations.reassign_client(remove.id, keep.id)
    await store.timeline.reassign_client(remove.id, keep.id)
    for identity in remove.identities:
        if identity not in keep.identities:
            await store.clients.add_identity(keep.id, identity)
    changes: dict[str, Any] = {
        "fields": {**remove.fields, **keep.fields},
        "tags": list(dict.fromkeys([*keep.tags, *remove.tags])),
        "partner_ids": sorted(set(keep.partner_ids) | set(remove.partner_ids)),
        "updated_at": hub.clock(),
    }
    if not keep.name and remove.name:
        changes["name"] = remove.name
    kept = await store.clients.update(keep.id, changes)
    if kept is None:
        raise NotFound("the client to keep is gone")
    await store.clients.delete(remove.id)
    suggestion = await store.merges.for_pair(keep.id, remove.id)
    if suggestion is not None and suggestion.status == "open":
        await store.merges.set_status(suggestion.id, "merged")
    await hub.bus.publish(ClientsMerged(kept, remove.id))
    return kept


async def dismiss_merge(hub: Hub, actor: Actor, suggestion_id: str) -> None:
    require(can_merge_clients(actor), "you cannot manage merge suggestions")
    if not access.can_view_merge_suggestions(hub, actor):
        raise NotFound("no such merge suggestion")
    if await hub.store.merges.set_status(suggestion_id, "dismissed") is None:
        raise NotFound("no such merge suggestion")
