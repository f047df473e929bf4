"""The doors: the only way a reader gets one client, conversation, entry or file. Hidden == missing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub.access.actors import Actor, _not_found, is_partner, sees_everything
from hub.access.clients import can_view_client
from hub.access.conversations import can_view_conversation
from hub.access.entries import can_view_entry
from hub.access.partners import partner_view
from hub.domain import Client, Conversation, TimelineEntry, User

if TYPE_CHECKING:
    from hub.context import Hub


async def client_for(hub: Hub, actor: Actor, client_id: str) -> Client:
    client = await hub.store.clients.get(client_id)
    if client is None or not await can_view_client(hub, actor, client):
        raise _not_found("client")
    return client


async def conversation_for(
    hub: Hub, actor: Actor, conversation_id: str
) -> tuple[Conversation, Client | None]:
    """The conversation (and, for partners, its client); NotFound when missing or hidden."""
    conversation = await hub.store.conversations.get(conversation_id)
    if conversation is None:
        raise _not_found("conversation")
    client = None
    view = None
    if is_partner(actor):
        assert isinstance(actor, User)
        client = await hub.store.clients.get(conversation.client_id)
        view = await partner_view(hub, actor)
    if not can_view_conversation(actor, conversation, client, view):
        raise _not_found("conversation")
    return conversation, client


async def entry_for(hub: Hub, actor: Actor, entry_id: str) -> tuple[TimelineEntry, Conversation | None]:
    entry = await hub.store.timeline.get(entry_id)
    if entry is None:
        raise _not_found("entry")
    conversation = None
    if entry.conversation_id is not None:
        conversation = await hub.store.conversations.get(entry.conversation_id)
    if sees_everything(actor):
        return entry, conversation
    view = await partner_view(hub, actor) if isinstance(actor, User) and is_partner(actor) else None
    client = await hub.store.clients.get(entry.client_id)
    if client is None or not await can_view_client(hub, actor, client, view):
        raise _not_found("entry")
    if not can_view_entry(actor, entry, client, conversation, view):
        raise _not_found("entry")
    return entry, conversation


async def attachment_for(hub: Hub, actor: Actor, entry_id: str, key: str) -> Path:
    """A file is served only as an attachment of an entry the actor may see."""
    entry, _conversation = await entry_for(hub, actor, entry_id)
    files = hub.files
    if files is None or not any(files.key_of(a.url) == key for a in entry.attachments if a.url):
        raise _not_found("file")
    path = files.path(key)
    if path is None:
        raise _not_found("file")
    return path
