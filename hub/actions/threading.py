"""Correcting threads: move an entry to another conversation of the same client, or split it (with the entries
that arrived after it) into a new conversation. Each writes first, then publishes `ConversationCreated` (a split),
`EntriesMoved` and a system entry on both timelines (codes moved_out / moved_in, split_out / split_in).

The channels follow the corrected thread by themselves: email threading looks stored Message-IDs up and takes the
conversation the entry is in *now*, so a customer's answer to a moved mail lands in its new conversation."""

from __future__ import annotations

from dataclasses import dataclass

from hub import access
from hub.access import Actor, require
from hub.actions.system_entries import add_system_entry
from hub.context import Hub
from hub.domain import Conversation, ConversationStatus, EntryKind, TimelineEntry, User
from hub.errors import Conflict, Invalid
from hub.events import ConversationCreated, EntriesMoved
from hub.text import preview


@dataclass(frozen=True, slots=True)
class Moved:
    source: Conversation
    target: Conversation
    entries: list[TimelineEntry]


def _label(conversation: Conversation) -> str:
    return conversation.subject.strip()[:80] or f"#{conversation.id[-6:]}"


async def _source_of(hub: Hub, actor: Actor, entry_id: str) -> tuple[TimelineEntry, Conversation]:
    entry, conversation = await access.entry_for(hub, actor, entry_id)
    if conversation is None:
        raise Invalid("this entry is on the client's timeline, not in a conversation")
    if entry.kind is EntryKind.system:
        raise Invalid("system entries stay in their conversation")
    return entry, conversation


async def move_entry(hub: Hub, actor: User, entry_id: str, conversation_id: str) -> Moved:
    """Move one entry into another conversation of its client (same channel)."""
    entry, source = await _source_of(hub, actor, entry_id)
    target, _client = await access.conversation_for(hub, actor, conversation_id)
    if target.id == source.id:
        raise Invalid("the entry is in that conversation already")
    if target.client_id != source.client_id:
        raise Invalid("an entry moves only between conversations of its own client")
    if target.channel != source.channel:
        raise Invalid(f"an entry moves only between {source.channel} conversations")
    require(
        access.can_move_entries(actor, source, target), "you cannot move entries between these conversations"
    )
    moved = await hub.store.timeline.move_entries(source.id, target.id, entry_id=entry.id)
    if not moved:
        raise Conflict("the entry was moved meanwhile")
    target = await _touched(hub, target, moved)
    await _announce(hub, actor, source, target, moved, created=False)
    return Moved(source, target, moved)


async def split_conversation(hub: Hub, actor: User, entry_id: str, *, following: bool = False) -> Moved:
    """A new conversation of the same client and channel (same department, assignee and subject), holding the entry
    and, with `following`, every entry that arrived after it in its conversation."""
    entry, source = await _source_of(hub, actor, entry_id)
    now = hub.clock()
    proposal = Conversation(
        client_id=source.client_id,
        channel=source.channel,
        thread_key="",
        status=ConversationStatus.open,
        department_id=source.department_id,
        assignee_id=source.assignee_id,
        subject=source.subject,
        priority=source.priority,
        created_at=now,
        updated_at=now,
    )
    proposal.thread_key = hub.channels.split_thread_key(source, proposal.id)
    require(access.can_move_entries(actor, source, proposal), "you cannot split this conversation")
    target, _created = await hub.store.conversations.get_or_create(proposal)
    moved = await hub.store.timeline.move_entries(
        source.id, target.id, entry_id=entry.id, following=following
    )
    if not moved:
        raise Conflict("the entry was moved meanwhile")
    target = await _touched(hub, target, moved)
    await _announce(hub, actor, source, target, moved, created=True)
    return Moved(source, target, moved)


async def _touched(hub: Hub, target: Conversation, moved: list[TimelineEntry]) -> Conversation:
    """The target's last message and preview follow the newest moved message (touch keeps the newer one)."""
    messages = [e for e in moved if e.kind in (EntryKind.message, EntryKind.call)]
    if not messages:
        return target
    last = max(messages, key=lambda e: e.occurred_at)
    touched = await hub.store.conversations.touch(
        target.id,
        at=last.occurred_at,
        preview=preview(last.text),
        inbound=False,
        reopen=False,
        now=hub.clock(),
    )
    return touched or target


async def _announce(
    hub: Hub,
    actor: User,
    source: Conversation,
    target: Conversation,
    moved: list[TimelineEntry],
    *,
    created: bool,
) -> None:
    if created:
        await hub.bus.publish(ConversationCreated(target))
    await hub.bus.publish(EntriesMoved(target, source, tuple(moved), actor_id=actor.id))
    params = {"actor": actor.name, "count": len(moved)}
    out_code, in_code = ("split_out", "split_in") if created else ("moved_out", "moved_in")
    await add_system_entry(hub, source, out_code, {**params, "conversation": _label(target)})
    await add_system_entry(hub, target, in_code, {**params, "conversation": _label(source)})
