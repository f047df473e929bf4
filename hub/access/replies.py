"""Replies and notes: who may answer the customer (partners: where a grant lets them), write notes, move
entries or start a conversation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hub.access.actors import Actor, is_partner, is_staff
from hub.access.conversations import can_view_conversation, can_work_conversation
from hub.access.partners import PartnerView, _rule_matches, partner_view
from hub.domain import Client, Conversation, User

if TYPE_CHECKING:
    from hub.context import Hub


def grant_lets_reply(actor: Actor, view: PartnerView, conversation: Conversation, client: Client) -> bool:
    """A grant with `can_reply` that covers this conversation (its client granted, matched by a rule, or the
    conversation itself)."""
    if not can_view_conversation(actor, conversation, client, view):
        return False
    for grant in view.grants:
        if not grant.can_reply:
            continue
        if grant.conversation_id == conversation.id:
            return True
        if grant.client_id == client.id and view.partner_id in client.partner_ids:
            return True
        if _rule_matches(grant, client, view.partner_id):
            return True
    return False


async def can_reply(hub: Hub, actor: Actor, conversation: Conversation) -> bool:
    """Reply to the customer: staff who may work the conversation; partners where a grant allows it."""
    return (await replies_allowed(hub, actor, [conversation]))[conversation.id]


async def replies_allowed(hub: Hub, actor: Actor, conversations: Sequence[Conversation]) -> dict[str, bool]:
    """`can_reply` of each conversation, by id (a partner's view and each client read once for the list)."""
    if not is_partner(actor):
        return {c.id: can_work_conversation(actor, c) for c in conversations}
    assert isinstance(actor, User)
    if not conversations:
        return {}
    view = await partner_view(hub, actor)
    clients: dict[str, Client | None] = {}
    for c in conversations:
        if c.client_id not in clients:
            clients[c.client_id] = await hub.store.clients.get(c.client_id)
    allowed = {}
    for c in conversations:
        client = clients[c.client_id]
        allowed[c.id] = client is not None and grant_lets_reply(actor, view, c, client)
    return allowed


def can_move_entries(actor: Actor, source: Conversation, target: Conversation) -> bool:
    """Move entries between two conversations of one client (or split one): staff who may work both."""
    return (
        is_staff(actor)
        and source.client_id == target.client_id
        and can_work_conversation(actor, source)
        and can_work_conversation(actor, target)
    )


def can_start_conversation(actor: Actor) -> bool:
    """Write to a client first (a new email from the client card): staff, through the client's door."""
    return is_staff(actor)


def can_write_note(actor: Actor, conversation: Conversation) -> bool:
    """Notes in a conversation: staff who may work it, and partners who passed its door (theirs are always
    shared)."""
    return can_work_conversation(actor, conversation) or is_partner(actor)
