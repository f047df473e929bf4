"""Outgoing messages and internal notes."""

from __future__ import annotations

from typing import Any

from hub import access
from hub.access import Actor, is_staff, require
from hub.actions.conversations import get_conversation
from hub.context import Hub
from hub.domain import (
    Attachment,
    Author,
    AuthorType,
    Client,
    Conversation,
    Delivery,
    Direction,
    EntryKind,
    Role,
    TimelineEntry,
    User,
)
from hub.errors import ChannelNotConnected, Invalid, NotFound
from hub.events import EntryAdded, EntryEdited, UserMentioned
from hub.text import handle_of_email, handle_of_name, mention_handles, preview

MAX_TEXT = 10_000


def _check_text(text: str, attachments: list[Attachment] | None = None) -> str:
    text = text.strip()
    if not text and not attachments:
        raise Invalid("text is empty")
    if len(text) > MAX_TEXT:
        raise Invalid(f"text is longer than {MAX_TEXT} characters")
    return text


async def send_reply(
    hub: Hub,
    actor: Actor | None,
    conversation_id: str,
    text: str,
    *,
    attachments: list[Attachment] | None = None,
    author: Author | None = None,
    meta: dict | None = None,
) -> TimelineEntry:
    """Store an outgoing message (delivery queued) and publish it; the delivery worker sends it through the
    conversation's channel. `actor` None with a bot/system `author` is a bot or automation speaking."""
    conversation = await get_conversation(hub, conversation_id, actor)
    if actor is not None:
        require(await access.can_reply(hub, actor, conversation), "you cannot reply in this conversation")
    if isinstance(actor, User):
        author = Author(type=AuthorType.user, id=actor.id, name=actor.name)
    elif author is None:
        author = Author(type=AuthorType.system, name="system")
    if not hub.channels.can_send_text(conversation.channel):
        raise Invalid(
            f"a {conversation.channel} conversation has no text replies: call the client back, or write a note"
        )
    text = _check_text(text, attachments)
    if actor is not None and (problem := hub.channels.reply_problem(conversation)) is not None:
        # a person's reply that could only fail: refused before it is queued (the composer said so already)
        raise ChannelNotConnected(problem.text, problem.json())
    now = hub.clock()
    entry = TimelineEntry(
        client_id=conversation.client_id,
        conversation_id=conversation.id,
        kind=EntryKind.message,
        direction=Direction.outbound,
        channel=conversation.channel,
        author=author,
        text=text,
        attachments=list(attachments or []),
        delivery=Delivery(updated_at=now),
        meta=dict(meta or {}),
        occurred_at=now,
        created_at=now,
    )
    await hub.store.timeline.insert(entry)
    touched = await hub.store.conversations.touch(
        conversation.id, at=now, preview=preview(text), inbound=False, reopen=False, now=now
    )
    after = touched or conversation
    if isinstance(actor, User):
        # an agent who answers has read the conversation (for themselves: the others' unread stays)
        await hub.store.reads.mark(actor.id, conversation.id, after.inbound_count, at=now)
    await hub.bus.publish(EntryAdded(entry, after))
    return entry


async def add_note(
    hub: Hub,
    actor: User,
    *,
    text: str,
    conversation_id: str | None = None,
    client_id: str | None = None,
    shared_with_partners: bool = False,
) -> TimelineEntry:
    """An internal note on a conversation (or on a client's timeline): never sent to the customer.
    `@handle` mentions (a user's email local part or name, a department's name) notify those users."""
    conversation: Conversation | None = None
    if conversation_id is not None:
        conversation = await get_conversation(hub, conversation_id, actor)
        require(access.can_write_note(actor, conversation), "you cannot write notes in this conversation")
        client_id = conversation.client_id
    elif client_id is not None:
        await access.client_for(hub, actor, client_id)  # a partner's note is always shared (below)
    else:
        raise Invalid("a note needs a conversation or a client")
    if actor.role is Role.partner:
        shared_with_partners = True
    text = _check_text(text)
    now = hub.clock()
    entry = TimelineEntry(
        client_id=client_id,
        conversation_id=conversation.id if conversation else None,
        kind=EntryKind.note,
        direction=Direction.internal,
        channel=conversation.channel if conversation else "internal",
        author=Author(type=AuthorType.user, id=actor.id, name=actor.name),
        text=text,
        meta={"shared_with_partners": True} if shared_with_partners else {},
        occurred_at=now,
        created_at=now,
    )
    mentioned = await _mentioned_viewers(hub, text, entry, conversation, exclude=actor.id)
    entry.mentions = [u.id for u in mentioned]
    await hub.store.timeline.insert(entry)
    await _publish_note(hub, entry, conversation, mentioned)
    return entry


NOTE_HISTORY = 50
"""Earlier versions of a note kept in meta['edits'] (oldest dropped first)."""


async def edit_note(hub: Hub, actor: User, entry_id: str, *, text: str) -> TimelineEntry:
    """Its author changes a note's text; the earlier text is kept in meta['edits'] ({text, replaced_at, by}), like a
    customer's edited message. Users the new text @mentions (and who may read the note) are notified; those the
    old text named were already (notifications are deduplicated per note and user)."""
    entry, conversation = await access.entry_for(hub, actor, entry_id)
    require(
        entry.kind is EntryKind.note and entry.author.type is AuthorType.user and entry.author.id == actor.id,
        "only its author can edit a note",
    )
    text = _check_text(text)
    if text == entry.text:
        return entry
    edits = list(entry.meta.get("edits", []))
    edits.append({"text": entry.text, "replaced_at": hub.clock().isoformat(), "by": actor.id})
    updated = await hub.store.timeline.update_content(
        entry.id, text=text, html=None, meta={**entry.meta, "edits": edits[-NOTE_HISTORY:]}
    )
    if updated is None:
        raise NotFound("entry not found")
    mentioned = await _mentioned_viewers(hub, text, updated, conversation, exclude=actor.id)
    await hub.bus.publish(EntryEdited(updated))
    for user in mentioned:
        if user.id not in entry.mentions:
            await hub.bus.publish(UserMentioned(user, updated, conversation))
    return updated


async def _publish_note(
    hub: Hub, entry: TimelineEntry, conversation: Conversation | None, mentioned: list[User]
) -> None:
    await hub.bus.publish(EntryAdded(entry, conversation))
    for user in mentioned:
        await hub.bus.publish(UserMentioned(user, entry, conversation))


async def _mentioned_viewers(
    hub: Hub, text: str, entry: TimelineEntry, conversation: Conversation | None, *, exclude: str
) -> list[User]:
    """The users a note's @handles name who may read the note: nobody hears (or is shown the text) of a note in
    a conversation they may not open, and partners never of an internal note."""
    mentioned = await _resolve_mentions(hub, text, exclude=exclude)
    if not mentioned:
        return []
    client = await hub.store.clients.get(entry.client_id)
    return await access.entry_viewers(hub, mentioned, entry, client, conversation)


async def add_system_note(
    hub: Hub,
    conversation_id: str,
    text: str,
    *,
    author: Author | None = None,
    meta: dict[str, Any] | None = None,
) -> TimelineEntry:
    """An internal note written by the system or a bot (no staff actor): a handoff summary, a callback request.
    Never sent to the customer, never shared with partners. `@handle` mentions notify staff as in add_note.
    `meta` {"system": True, "code", "params"}: the inbox renders it in the reader's language (`text`: one rendering,
    for search and notifications)."""
    conversation = await get_conversation(hub, conversation_id)
    text = _check_text(text)
    now = hub.clock()
    entry = TimelineEntry(
        client_id=conversation.client_id,
        conversation_id=conversation.id,
        kind=EntryKind.note,
        direction=Direction.internal,
        channel=conversation.channel,
        author=author or Author(type=AuthorType.system, name="system"),
        text=text,
        meta=dict(meta or {}),
        occurred_at=now,
        created_at=now,
    )
    mentioned = [
        u for u in await _mentioned_viewers(hub, text, entry, conversation, exclude="") if is_staff(u)
    ]
    entry.mentions = [u.id for u in mentioned]
    await hub.store.timeline.insert(entry)
    await _publish_note(hub, entry, conversation, mentioned)
    return entry


async def _resolve_mentions(hub: Hub, text: str, *, exclude: str) -> list[User]:
    handles = mention_handles(text)
    if not handles:
        return []
    users = [u for u in await hub.store.users.list() if u.active]
    by_handle: dict[str, list[User]] = {}
    for user in users:
        by_handle.setdefault(handle_of_email(user.email), []).append(user)
        by_handle.setdefault(handle_of_name(user.name), []).append(user)
    departments = {handle_of_name(d.name): d.id for d in await hub.store.departments.list()}
    found: dict[str, User] = {}
    for handle in handles:
        for user in by_handle.get(handle, []):
            found.setdefault(user.id, user)
        dept_id = departments.get(handle)
        if dept_id is not None:
            for user in users:
                if dept_id in user.department_ids:
                    found.setdefault(user.id, user)
    found.pop(exclude, None)
    return list(found.values())


async def client_of(hub: Hub, conversation: Conversation) -> Client:
    client = await hub.store.clients.get(conversation.client_id)
    if client is None:
        raise NotFound("the conversation's client is gone")
    return client
