"""Correcting threads: move an entry to another conversation of the same client, or split it (with the entries
that arrived after it) into a new conversation. Each writes first, then publishes `ConversationCreated` (a split),
`EntriesMoved` and a system entry on both timelines (codes moved_out / moved_in, split_out / split_in).

The channels follow the corrected thread by themselves: email threading looks stored Message-IDs up and takes the
conversation the entry is in *now*, so a customer's answer to a moved mail lands in its new conversation."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hub import access
from hub.access import Actor, require
from hub.actions.system_entries import add_system_entry
from hub.context import Hub
from hub.domain import Conversation, ConversationStatus, Direction, EntryKind, TimelineEntry, User
from hub.errors import Conflict, Invalid
from hub.events import ConversationCreated, EntriesMoved
from hub.store.port import Cursor
from hub.text import preview

log = logging.getLogger(__name__)
_PAGE = 50  # entries read per page looking for a conversation's last message
_PAGES = 20
_ATTEMPTS = 5


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
    source, target = await _recount_both(hub, source, target, moved)
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
    source, target = await _recount_both(hub, source, target, moved)
    await _announce(hub, actor, source, target, moved, created=True)
    return Moved(source, target, moved)


async def _recount_both(
    hub: Hub, source: Conversation, target: Conversation, moved: list[TimelineEntry]
) -> tuple[Conversation, Conversation]:
    customer = sum(1 for e in moved if _customer(e))
    source = await _recount(hub, source, inbound_added=-customer)
    if customer:
        # a reader who had read them all has read everything left; one who had not loses them from the unread
        # count (markers are counts, not positions: moving out old, read messages while newer ones wait unread
        # lowers that reader's count too far, never below 0)
        await hub.store.reads.clamp(source.id, source.inbound_count)
    target = await _recount(hub, target, inbound_added=customer)
    return source, target


def _shows(entry: TimelineEntry) -> bool:
    """Whether an entry counts for a conversation's last message and preview, as ingest and replies touch it:
    what came in or went out (not notes, not system notes of the hub)."""
    return entry.direction is not Direction.internal


def _customer(entry: TimelineEntry) -> bool:
    """Whether it counted as an inbound message (ingest: not automated mail)."""
    return entry.direction is Direction.inbound and not entry.meta.get("automated")


def _preview_of(entry: TimelineEntry) -> str:
    if entry.text:
        return preview(entry.text)
    if entry.attachments:
        return preview("📎 " + ", ".join(a.name or a.content_type for a in entry.attachments))
    return ""


async def _latest_shown(hub: Hub, conversation_id: str) -> TimelineEntry | None:
    before: Cursor | None = None
    for _page in range(_PAGES):
        page = await hub.store.timeline.conversation_page(conversation_id, before=before, limit=_PAGE)
        for entry in page:
            if _shows(entry):
                return entry
        if len(page) < _PAGE:
            return None
        before = Cursor(page[-1].occurred_at, page[-1].id)
    return None


async def _recount(hub: Hub, conversation: Conversation, *, inbound_added: int = 0) -> Conversation:
    """The conversation's last message and preview from the entries it holds now (after entries left or joined
    it), and its inbound count moved by the customer messages that joined (+) or left (-) it: one conditional
    update on the last_message_at read, again when a message arrived in between."""
    current: Conversation | None = conversation
    for _attempt in range(_ATTEMPTS):
        if current is None:
            return conversation
        latest = await _latest_shown(hub, current.id)
        updated = await hub.store.conversations.set_last_message(
            current.id,
            expected_at=current.last_message_at,
            at=latest.occurred_at if latest is not None else None,
            preview=_preview_of(latest) if latest is not None else "",
            inbound_added=inbound_added,
            now=hub.clock(),
        )
        if updated is not None:
            return updated
        current = await hub.store.conversations.get(current.id)
    log.warning("conversation %s kept changing: its preview was not recomputed", conversation.id)
    return current or conversation


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
