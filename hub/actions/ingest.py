"""Inbound path: InboundMessage -> client -> conversation -> timeline entry -> events.

Idempotent (the timeline's unique dedupe key), race-safe without transactions (unique identities and
conversation keys decide who wins; losers adopt the winner's records).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.context import Hub
from hub.domain import (
    Author,
    AuthorType,
    Client,
    Conversation,
    Direction,
    Identity,
    MergeSuggestion,
    TimelineEntry,
    dedupe_key,
    truncate_ms,
)
from hub.events import (
    ClientCreated,
    ClientUpdated,
    ConversationCreated,
    ConversationUpdated,
    EntryAdded,
    EntryEdited,
    Event,
    MergeSuggested,
)
from hub.inbound import InboundMessage
from hub.text import preview, sanitize_html

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestResult:
    entry: TimelineEntry
    duplicate: bool
    conversation: Conversation | None = None
    client_created: bool = False


@dataclass(frozen=True, slots=True)
class Resolution:
    client_id: str
    created: bool
    events: tuple[Event, ...]


async def ingest(hub: Hub, message: InboundMessage) -> IngestResult:
    store = hub.store
    key = dedupe_key(message.channel, message.provider_message_id)
    existing = await store.timeline.get_by_dedupe_key(key)
    if existing is not None:
        return IngestResult(entry=existing, duplicate=True)

    resolution = await resolve_client(hub, message.identities, message.display_name)
    conversation, conv_created = await store.conversations.get_or_create(
        Conversation(
            client_id=resolution.client_id,
            channel=message.channel,
            thread_key=message.thread_key,
            subject=message.subject[:300],
            handler=hub.initial_handler(message.channel),
        )
    )
    entry = TimelineEntry(
        client_id=resolution.client_id,
        conversation_id=conversation.id,
        kind=message.kind,
        direction=Direction.inbound,
        channel=message.channel,
        author=Author(type=AuthorType.client, id=resolution.client_id, name=message.display_name),
        text=message.text,
        html=sanitize_html(message.html),
        attachments=list(message.attachments),
        provider_id=message.provider_message_id,
        dedupe_key=key,
        occurred_at=_plausible_time(message.occurred_at, hub.clock()),
        created_at=hub.clock(),
        meta={**message.raw, "button_id": message.button_id} if message.button_id else dict(message.raw),
    )
    if not await store.timeline.insert(entry):
        # a concurrent delivery of the same message won the unique key. The client, identities, merge
        # suggestion or conversation this call created are stored all the same: announce them, nobody else will.
        winner = await store.timeline.get_by_dedupe_key(key)
        if winner is not None:
            for event in resolution.events:
                await hub.bus.publish(event)
            if conv_created:
                await hub.bus.publish(ConversationCreated(conversation))
            return IngestResult(entry=winner, duplicate=True)
        raise RuntimeError(f"timeline refused {key} but has no entry for it")

    touched = await store.conversations.touch(
        conversation.id,
        at=entry.occurred_at,
        preview=preview(entry.text or _attachment_preview(entry)),
        inbound=True,
        reopen=True,
        now=hub.clock(),
    )
    after = touched or conversation

    for event in resolution.events:
        await hub.bus.publish(event)
    if conv_created:
        await hub.bus.publish(ConversationCreated(after))
    elif after.status != conversation.status:
        await hub.bus.publish(ConversationUpdated(after, {"status": (conversation.status, after.status)}))
    await hub.bus.publish(EntryAdded(entry, after))
    return IngestResult(entry=entry, duplicate=False, conversation=after, client_created=resolution.created)


_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_CLOCK_SKEW = timedelta(minutes=5)


def _plausible_time(occurred_at: datetime, now: datetime) -> datetime:
    """The provider's time of a message, unless it is from the future (beyond clock skew) or before 1970: then
    the time it arrived. One bad clock must not pin a conversation to the top of every inbox."""
    try:
        value = truncate_ms(occurred_at)
    except OverflowError:
        return now
    return value if _EARLIEST <= value <= now + _CLOCK_SKEW else now


def _attachment_preview(entry: TimelineEntry) -> str:
    if entry.attachments:
        return "📎 " + ", ".join(a.name or a.content_type for a in entry.attachments)
    return ""


async def resolve_client(hub: Hub, identities: tuple[Identity, ...], display_name: str = "") -> Resolution:
    """The client these identities belong to, creating it when none is known.

    Identities are in order of specificity: the first known one decides the client. Unknown identities are
    attached to it; identities owned by another client become a merge suggestion, never a silent merge.
    """
    store = hub.store
    for _attempt in range(3):
        owners = await store.identities.owners(identities)
        if owners:
            return await _attach_to_known(hub, identities, owners, display_name)
        client = Client(name=display_name.strip()[:200], identities=list(identities))
        await store.clients.create(client)
        primary = identities[0]
        owner = await store.identities.claim(primary, client.id)
        if owner != client.id:
            # another inbound from the same new sender won the race: drop ours, adopt theirs
            await store.clients.delete(client.id)
            continue
        if client.name:
            hub.named_clients.add(client.id)
        events: list[Event] = [ClientCreated(client)]
        for identity in identities[1:]:
            other = await store.identities.claim(identity, client.id)
            if other != client.id:
                suggestion = await _suggest_merge(hub, client.id, other, identity)
                if suggestion:
                    events.append(suggestion)
        return Resolution(client.id, True, tuple(events))
    raise RuntimeError("could not resolve the sender after 3 attempts")


async def _attach_to_known(
    hub: Hub, identities: tuple[Identity, ...], owners: dict[Identity, str], display_name: str
) -> Resolution:
    store = hub.store
    client_id = next(owners[i] for i in identities if i in owners)
    events: list[Event] = []
    name = display_name.strip()[:200]
    if name and client_id not in hub.named_clients:
        # a client first known by a number without a name (a call) takes the name they give later
        named = await store.clients.fill_name(client_id, name, at=hub.clock())
        if named is not None:
            events.append(ClientUpdated(named, ("name",)))
        hub.named_clients.add(client_id)
    for identity in identities:
        owner = owners.get(identity)
        if owner is None:
            owner = await store.identities.claim(identity, client_id)
            if owner == client_id:
                updated = await store.clients.add_identity(client_id, identity)
                if updated is not None:
                    events.append(ClientUpdated(updated, ("identities",)))
                continue
        if owner != client_id:
            suggestion = await _suggest_merge(hub, client_id, owner, identity)
            if suggestion:
                events.append(suggestion)
    return Resolution(client_id, False, tuple(events))


async def _suggest_merge(
    hub: Hub, client_id: str, other_id: str, identity: Identity
) -> MergeSuggested | None:
    suggestion = MergeSuggestion(
        client_ids=tuple(sorted((client_id, other_id))),  # type: ignore[arg-type]
        identity=identity,
        reason=f"one message came from {identity.key}, which belongs to the other client",
    )
    if await hub.store.merges.suggest(suggestion):
        log.info("merge suggested for clients %s and %s (%s)", client_id, other_id, identity.key)
        return MergeSuggested(suggestion)
    return None


async def edit_inbound(
    hub: Hub,
    channel: str,
    provider_message_id: str,
    *,
    text: str,
    html: str | None = None,
    edited_at: datetime | None = None,
) -> TimelineEntry | None:
    """The customer edited a message they sent: update the entry's text, keep the previous ones in meta['edits'].
    Returns None when the original message is not in the timeline."""
    entry = await hub.store.timeline.get_by_dedupe_key(dedupe_key(channel, provider_message_id))
    if entry is None:
        return None
    clean_html = sanitize_html(html)
    if entry.text == text and entry.html == clean_html:
        return entry
    edits = list(entry.meta.get("edits", []))
    edits.append({"text": entry.text, "replaced_at": (edited_at or hub.clock()).isoformat()})
    updated = await hub.store.timeline.update_content(
        entry.id, text=text, html=clean_html, meta={**entry.meta, "edits": edits[-20:]}
    )
    if updated is not None:
        await hub.bus.publish(EntryEdited(updated))
    return updated


async def link_identity(hub: Hub, client_id: str, identity: Identity) -> str:
    """Attach an identity to a known client (e.g. a Telegram user who came through a signed deep link).
    Returns the client that owns the identity afterwards: `client_id`, or the previous owner (then a merge is
    suggested, never done silently)."""
    client = await hub.store.clients.get(client_id)
    if client is None:
        raise ValueError("no such client")
    owner = await hub.store.identities.claim(identity, client_id)
    if owner == client_id:
        if identity not in client.identities:
            updated = await hub.store.clients.add_identity(client_id, identity)
            if updated is not None:
                await hub.bus.publish(ClientUpdated(updated, ("identities",)))
        return client_id
    suggestion = await _suggest_merge(hub, client_id, owner, identity)
    if suggestion is not None:
        await hub.bus.publish(suggestion)
    return owner
