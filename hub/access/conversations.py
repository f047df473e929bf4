"""Conversations: the scope the store compiles for lists, and who may see and work one."""

from __future__ import annotations

from collections.abc import Iterable

from hub.access.actors import Actor, is_partner, is_staff, is_system, sees_everything
from hub.access.partners import PartnerView, partner_sees_whole_client
from hub.domain import Client, Conversation, User
from hub.store.port import Scope


def conversation_scope(actor: Actor) -> Scope | None:
    """The conversations an actor may list, as the store compiles it: None means all of them."""
    if sees_everything(actor):
        return None
    if is_staff(actor):
        assert isinstance(actor, User)
        return Scope(department_ids=tuple(actor.department_ids), user_id=actor.id, unrouted=True)
    return Scope()  # partners (and inactive users) list no conversation through this scope


def partner_conversation_scope(client_ids: Iterable[str], conversation_ids: Iterable[str] = ()) -> Scope:
    """A partner's conversations: those of the clients shared with them whole, and the conversations granted."""
    return Scope(client_ids=tuple(client_ids), conversation_ids=tuple(conversation_ids))


def can_view_conversation(
    actor: Actor, conversation: Conversation, client: Client | None = None, view: PartnerView | None = None
) -> bool:
    """`client` is needed for partners only (they see the conversations of the clients shared with them), and
    `view` (their organisation's grants) for rule and conversation grants; without it only client grants count."""
    if sees_everything(actor):
        return True
    if is_staff(actor):
        assert isinstance(actor, User)
        return (
            conversation.department_id is None
            or conversation.department_id in actor.department_ids
            or conversation.assignee_id == actor.id
        )
    if is_partner(actor):
        assert isinstance(actor, User)
        if client is None or client.id != conversation.client_id:
            return False
        if view is not None and view.conversation_clients.get(conversation.id) == client.id:
            return True
        return partner_sees_whole_client(actor, client, view)
    return False


def can_work_conversation(actor: Actor, conversation: Conversation) -> bool:
    """Reply, write notes, assign, route, change status."""
    return is_system(actor) or (is_staff(actor) and can_view_conversation(actor, conversation))
