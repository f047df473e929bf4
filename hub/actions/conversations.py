"""Conversation actions: route (department), assign, change status, hand over between bot and human, mark read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hub import access
from hub.access import Actor, can_work_conversation, is_staff, require
from hub.actions.system_entries import record_changes
from hub.context import Hub
from hub.domain import Conversation, ConversationStatus, Handler, Priority, User, truncate_ms
from hub.errors import Invalid, NotFound
from hub.events import ConversationRead, ConversationUpdated

_UNSET: Any = object()
# how far ahead a conversation may be snoozed
SNOOZE_MAX = timedelta(days=366)


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
    snoozed_until: datetime | None = _UNSET,
) -> Conversation:
    """Change what is given; `actor` None means the system (bots, automations). Publishes what changed; a
    person's assign, re-route, resolve, reopen, snooze and pending also leave a system entry on the timeline.
    Snoozing needs `snoozed_until` (in the future, within SNOOZE_MAX); any other status clears it."""
    actor = access.as_actor(actor)
    conversation = await get_conversation(hub, conversation_id, actor)
    require(can_work_conversation(actor, conversation), "you cannot work on this conversation")
    changes: dict[str, Any] = {}
    if status is not None and status != conversation.status:
        changes["status"] = status
    changes.update(_snooze_changes(hub, conversation, status, snoozed_until))
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


def _snooze_changes(
    hub: Hub, conversation: Conversation, status: ConversationStatus | None, until: datetime | None
) -> dict[str, Any]:
    snoozing = status is ConversationStatus.snoozed or (
        status is None and until is not _UNSET and conversation.status is ConversationStatus.snoozed
    )
    if not snoozing:
        if until is not _UNSET and until is not None:
            raise Invalid("snoozed_until goes with status snoozed")
        return (
            {"snoozed_until": None} if status is not None and conversation.snoozed_until is not None else {}
        )
    if until is _UNSET or until is None:
        raise Invalid("status snoozed needs snoozed_until: when the conversation wakes")
    if until.tzinfo is None:
        raise Invalid("snoozed_until needs a time zone (e.g. 2030-01-31T09:00:00Z)")
    now = hub.clock()
    if until <= now:
        raise Invalid("snoozed_until must be in the future")
    if until > now + SNOOZE_MAX:
        raise Invalid("snoozed_until must be within a year from now")
    until = truncate_ms(until)
    return {"snoozed_until": until} if until != conversation.snoozed_until else {}


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
