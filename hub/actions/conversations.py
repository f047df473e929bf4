"""Conversation actions: route (department), assign, change status, hand over between bot and human, mark read."""

from __future__ import annotations

from typing import Any

from hub import access
from hub.access import Actor, can_work_conversation, is_staff, require
from hub.actions.system_entries import record_changes
from hub.context import Hub
from hub.domain import Conversation, ConversationStatus, Handler, Priority, User
from hub.errors import Invalid, NotFound
from hub.events import ConversationRead, ConversationUpdated

_UNSET: Any = object()


async def get_conversation(hub: Hub, conversation_id: str, actor: Actor | None = None) -> Conversation:
    """The conversation through the access door: NotFound when missing or hidden from `actor` (None: system)."""
    conversation, _client = await access.conversation_for(hub, access.as_actor(actor), conversation_id)
    return conversation


async def update_conversation(
    hub: Hub,
    actor: Actor | None,
    conversation_id: str,
    *,
    status: ConversationStatus | None = None,
    assignee_id: str | None = _UNSET,
    department_id: str | None = _UNSET,
    handler: Handler | None = None,
    priority: Priority | None = None,
) -> Conversation:
    """Change what is given; `actor` None means the system (bots, automations). Publishes what changed; a
    person's assign, re-route, resolve and reopen also leave a system entry on the timeline."""
    actor = access.as_actor(actor)
    conversation = await get_conversation(hub, conversation_id, actor)
    require(can_work_conversation(actor, conversation), "you cannot work on this conversation")
    changes: dict[str, Any] = {}
    if status is not None and status != conversation.status:
        changes["status"] = status
    if assignee_id is not _UNSET and assignee_id != conversation.assignee_id:
        if assignee_id is not None:
            assignee = await hub.store.users.get(assignee_id)
            if assignee is None or not is_staff(assignee):
                raise Invalid("assignee_id is not an active staff member")
        changes["assignee_id"] = assignee_id
    if department_id is not _UNSET and department_id != conversation.department_id:
        if department_id is not None and await hub.store.departments.get(department_id) is None:
            raise Invalid("department_id is not a department")
        changes["department_id"] = department_id
    if handler is not None and handler != conversation.handler:
        if handler is Handler.bot and hub.initial_handler(conversation.channel) is not Handler.bot:
            raise Invalid(f"no bot flow answers on the {conversation.channel} channel: a person has to")
        changes["handler"] = handler
    if priority is not None and priority != conversation.priority:
        changes["priority"] = Priority(priority)
    if not changes:
        return conversation
    updated = await hub.store.conversations.update(conversation_id, {**changes, "updated_at": hub.clock()})
    if updated is None:
        raise NotFound("no such conversation")
    diff = {key: (getattr(conversation, key), getattr(updated, key)) for key in changes}
    await hub.bus.publish(ConversationUpdated(updated, diff, access.actor_id(actor)))
    if isinstance(actor, User):
        await record_changes(hub, actor.name, conversation, updated, set(changes))
    return updated


async def mark_read(hub: Hub, actor: Actor, conversation_id: str) -> Conversation:
    """Read for `actor` only: their marker moves to the conversation's inbound count (others' unread stays).
    Publishes ConversationRead, so the reader's other tabs follow."""
    conversation = await get_conversation(hub, conversation_id, actor)
    require(can_work_conversation(actor, conversation), "you cannot work on this conversation")
    if isinstance(actor, User):
        await hub.store.reads.mark(actor.id, conversation.id, conversation.inbound_count, at=hub.clock())
        await hub.bus.publish(ConversationRead(conversation.model_copy(update={"unread": 0}), actor.id))
    return conversation.model_copy(update={"unread": 0})


async def set_bot_state(hub: Hub, conversation_id: str, state: dict[str, Any]) -> Conversation | None:
    """The bot engine's memory for a conversation (no event: nobody but the bots reads it)."""
    return await hub.store.conversations.update(conversation_id, {"bot_state": state})
