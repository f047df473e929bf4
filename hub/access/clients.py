"""Client cards: who sees one (`HUB_CLIENT_VISIBILITY`), the scopes of the client search, who edits one."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from hub.access.actors import Actor, is_partner, is_staff, is_system, partner_key, sees_everything
from hub.access.conversations import conversation_scope
from hub.access.partners import PartnerView, partner_sees_client, partner_view
from hub.access.tasks import sees_client_through_tasks
from hub.domain import Client, User
from hub.store.port import ConversationQuery, Scope, TaskQuery, TaskScope

if TYPE_CHECKING:
    from hub.context import Hub


def _client_needs_conversations(hub: Hub, actor: Actor) -> bool:
    return hub.settings.client_visibility == "department" and is_staff(actor) and not sees_everything(actor)


def client_search_scope(hub: Hub, actor: Actor) -> Scope | None:
    """With department visibility, the conversations through which an agent sees clients (None: no limit)."""
    return conversation_scope(actor) if _client_needs_conversations(hub, actor) else None


async def client_list_scope(hub: Hub, actor: Actor) -> Scope | None:
    """What the client search compiles (None: no limit): `client_search_scope`, plus, with department visibility,
    the clients of the tasks assigned to the agent or to their departments (those show them the client, as
    `can_view_client` says), so the search lists every card the door opens."""
    scope = client_search_scope(hub, actor)
    if scope is None or not is_staff(actor) or getattr(hub.store, "tasks", None) is None:
        return scope
    assert isinstance(actor, User)
    mine = TaskScope(assignee_id=actor.id, department_ids=tuple(actor.department_ids))
    tasks = await hub.store.tasks.query(TaskQuery(scope=mine, limit=500))
    ids = tuple(dict.fromkeys(t.client_id for t in tasks))
    return replace(scope, client_ids=scope.client_ids + ids) if ids else scope


def can_view_client_card(hub: Hub, actor: Actor, client: Client) -> bool | None:
    """True/False when the record alone decides; None when the actor's conversations with the client decide."""
    if sees_everything(actor):
        return True
    if is_partner(actor):
        assert isinstance(actor, User)
        # a client grant decides alone; else the organisation's rules and conversation grants (`partner_view`)
        return True if partner_key(actor) in client.partner_ids else None
    if not is_staff(actor):
        return False
    return None if _client_needs_conversations(hub, actor) else True


async def can_view_client(hub: Hub, actor: Actor, client: Client, view: PartnerView | None = None) -> bool:
    decided = can_view_client_card(hub, actor, client)
    if decided is not None:
        return decided
    if is_partner(actor):
        assert isinstance(actor, User)
        return partner_sees_client(actor, client, view or await partner_view(hub, actor))
    scope = conversation_scope(actor)
    found = await hub.store.conversations.query(ConversationQuery(client_id=client.id, scope=scope, limit=1))
    return bool(found) or await sees_client_through_tasks(hub, actor, client)


def can_edit_client(actor: Actor, client: Client) -> bool:
    return is_system(actor) or is_staff(actor)
