"""Timeline entries: who sees one, the part of a timeline and of the full-text search an actor may read, and
what a customer-facing channel may show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.access.actors import Actor, is_partner, is_staff, sees_everything
from hub.access.clients import client_search_scope
from hub.access.conversations import can_view_conversation, conversation_scope
from hub.access.partners import PartnerView, partner_client_scope, partner_sees_whole_client, partner_view
from hub.domain import Client, Conversation, Direction, EntryKind, TimelineEntry, User
from hub.store.port import ConversationQuery, EntryScope, Scope, SearchScope

if TYPE_CHECKING:
    from hub.context import Hub


def is_internal_note(entry: TimelineEntry) -> bool:
    return entry.kind is EntryKind.note and not entry.meta.get("shared_with_partners")


def can_view_entry(
    actor: Actor,
    entry: TimelineEntry,
    client: Client,
    conversation: Conversation | None,
    view: PartnerView | None = None,
) -> bool:
    """An entry of a conversation is seen by who sees the conversation; a client-level entry by who sees the
    client (the caller has checked the client). Partners never see internal notes, and see client-level entries
    only of a client shared whole (not through a conversation grant alone)."""
    if entry.client_id != client.id:
        return False
    if is_partner(actor) and is_internal_note(entry):
        return False
    if entry.conversation_id is None:
        return not is_partner(actor) or partner_sees_whole_client(actor, client, view)
    return conversation is not None and can_view_conversation(actor, conversation, client, view)


async def entry_scope(hub: Hub, actor: Actor, client: Client) -> EntryScope | None:
    """The part of a (visible) client's timeline the actor may read, as the store compiles it."""
    if sees_everything(actor):
        return None
    if is_partner(actor):
        assert isinstance(actor, User)
        view = await partner_view(hub, actor)
        if partner_sees_whole_client(actor, client, view):
            return EntryScope(shared_only=True)
        granted = tuple(c for c, owner in view.conversation_clients.items() if owner == client.id)
        return EntryScope(conversation_ids=granted, unthreaded=False, shared_only=True)
    if not is_staff(actor):
        return EntryScope(conversation_ids=(), unthreaded=False)
    conversations = await hub.store.conversations.query(
        ConversationQuery(client_id=client.id, scope=conversation_scope(actor), limit=500)
    )
    return EntryScope(conversation_ids=tuple(c.id for c in conversations), unthreaded=True)


async def search_scope(hub: Hub, actor: Actor) -> SearchScope | None:
    """The entries of all timelines an actor may find by full-text search, as the store compiles it (None: all):
    the same rules as `entry_for`. Staff: entries of the conversations they see, client-level notes of the clients
    they see (with department visibility: through a conversation they see); partners: every entry but internal
    notes of a client shared whole, and those of the conversations granted."""
    if sees_everything(actor):
        return None
    if is_partner(actor):
        assert isinstance(actor, User)
        view = await partner_view(hub, actor)
        return SearchScope(
            conversations=Scope(conversation_ids=tuple(view.conversation_clients)),
            unthreaded=False,
            clients=partner_client_scope(view),
            shared_only=True,
        )
    if not is_staff(actor):
        return SearchScope(conversations=Scope(), unthreaded=False)
    scope = conversation_scope(actor)
    return SearchScope(conversations=scope, unthreaded_via=client_search_scope(hub, actor))


def visible_to_customer(entry: TimelineEntry) -> bool:
    """Whether a customer-facing channel may ever show this entry (never notes or internal system entries)."""
    return entry.kind is not EntryKind.note and entry.direction is not Direction.internal
