"""Inbound path: InboundMessage -> client -> conversation -> timeline entry -> events.

Idempotent (the timeline's unique dedupe key), race-safe without transactions (unique identities and
conversation keys decide who wins; losers adopt the winner's records), and self-repairing: the entry is stored
unsettled (with a settle lease held by its ingest), the conversation's touch is idempotent per entry, and only after
the touch and the events is it settled (together with the other entries of a burst, after the answer:
hub.settling). A crash in between leaves an unsettled entry that the next delivery of the
same message, or the recovery sweep (`settle_stale`), completes exactly once (`settle_entry`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

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
from hub.store.port import FirstEntry
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
    # the thread `resolve_client` was asked for, got or created with a new client (then: created or not)
    conversation: Conversation | None = None
    conversation_created: bool = False
    # the first entry appended with a new client (`first`): the entry, and (stored, the touched conversation)
    appended: tuple[TimelineEntry, tuple[bool, Conversation | None]] | None = None


async def ingest(hub: Hub, message: InboundMessage) -> IngestResult:
    store = hub.store
    key = dedupe_key(message.channel, message.provider_message_id)
    now = hub.clock()
    lease_until = now + SETTLE_LEASE
    # the entry, before its client and conversation are known (TimelineEntry.addressed fills them in)
    draft = TimelineEntry(
        client_id="",
        kind=message.kind,
        direction=Direction.inbound,
        channel=message.channel,
        author=Author(type=AuthorType.client, name=message.display_name),
        text=message.text,
        html=sanitize_html(message.html),
        attachments=list(message.attachments),
        provider_id=message.provider_message_id,
        dedupe_key=key,
        occurred_at=_plausible_time(message.occurred_at, now),
        created_at=now,
        meta=_entry_meta(message),
        # the touch and the events are still to come: until settled, a re-send or the sweep can complete them
        settled=False,
    )
    template = FirstEntry(draft, lease_until, at=draft.occurred_at, now=now, **_touch_args(draft))
    # the dedupe key, the sender's identities and their thread — and for a sender known completely the entry with
    # the conversation's touch — in one round trip where the store can
    found = await store.inbound.lookup(
        key, message.identities, message.channel, message.thread_key, append=template
    )
    existing = found.duplicate
    if existing is not None:
        if not existing.settled:
            # an earlier delivery stored it and stopped before the end (a crash, a failed touch): finish its work
            await settle_entry(hub, existing)
        return IngestResult(entry=existing, duplicate=True)

    client_created = False
    if found.appended is not None and found.conversation is not None:
        entry, (stored, touched) = found.appended
        conversation, conv_created = found.conversation, False
        named = await _fill_name(hub, entry.client_id, message.display_name)
        if named is not None:
            await hub.bus.publish(named)
    else:

        def thread(client_id: str) -> Conversation:
            return Conversation(
                client_id=client_id,
                channel=message.channel,
                thread_key=message.thread_key,
                subject=message.subject[:300],
                handler=hub.initial_handler(message.channel),
                department_id=message.department_id,
            )

        def first(client_id: str, conversation: Conversation) -> FirstEntry:
            # a new sender's: stored with its client, in the same round trip where the store can
            return replace(template, entry=draft.addressed(client_id, conversation.id))

        resolution = await resolve_client(
            hub, message.identities, message.display_name, owners=found.owners, thread=thread, first=first
        )
        client_created = resolution.created
        known = found.conversation
        if resolution.conversation is not None:  # a new client's, created with it
            conversation, conv_created = resolution.conversation, resolution.conversation_created
        elif known is not None and known.client_id == resolution.client_id:
            conversation, conv_created = known, False
        else:
            conversation, conv_created = await store.conversations.get_or_create(thread(resolution.client_id))
        # what resolve_client changed is stored for good (whoever wins the entry): announce it before the steps
        # that may fail
        for event in resolution.events:
            await hub.bus.publish(event)
        if resolution.appended is not None:
            entry, (stored, touched) = resolution.appended
        else:
            entry = draft.addressed(resolution.client_id, conversation.id)
            try:
                # the entry and the conversation's touch (idempotent per entry), in one round trip where the store
                # can
                stored, touched = await store.inbound.append(
                    entry, lease_until=lease_until, at=entry.occurred_at, now=now, **_touch_args(entry)
                )
            except BaseException:
                # it may be stored without its touch (a store without transactions): a re-send or the sweep
                # completes it
                await _release(hub, entry.id, lease_until)
                raise
    if not stored:
        # a concurrent delivery of the same message won the unique key. The conversation this call created is
        # stored all the same: announce it, nobody else will.
        winner = await store.timeline.get_by_dedupe_key(key)
        if winner is not None:
            if conv_created:
                await hub.bus.publish(ConversationCreated(conversation))
            return IngestResult(entry=winner, duplicate=True)
        raise RuntimeError(f"timeline refused {key} but has no entry for it")

    try:
        after = touched or conversation
        if conv_created:
            await hub.bus.publish(ConversationCreated(after, first_entry_follows=True))
        elif after.status != conversation.status:
            await hub.bus.publish(ConversationUpdated(after, {"status": (conversation.status, after.status)}))
        entry.settled = True  # what subscribers see is the entry as it is about to be stored
        await hub.bus.publish(EntryAdded(entry, after))
    except BaseException:
        entry.settled = False
        await _release(hub, entry.id, lease_until)
        raise
    hub.settles.add(store.timeline, entry.id)  # written with the burst's others, after the answer
    if hub.after_inbound is not None:  # the routing rules (installed by the composition root)
        after = await hub.after_inbound(hub, message, after, entry, conv_created) or after
    return IngestResult(entry=entry, duplicate=False, conversation=after, client_created=client_created)


def _entry_meta(message: InboundMessage) -> dict[str, Any]:
    meta = dict(message.raw)
    if message.button_id:
        meta["button_id"] = message.button_id
    if message.language:
        meta["language"] = message.language
    return meta


# --- completing an entry that an ingest left unsettled -------------------------------------------------------------

# How long a caller that completes an entry holds it; a crashed one is replaced after this.
SETTLE_LEASE = timedelta(seconds=30)
# The recovery sweep leaves younger unsettled entries alone: their ingest is probably still at work.
SWEEP_AFTER = timedelta(seconds=60)


async def _touch(hub: Hub, entry: TimelineEntry, now: datetime) -> Conversation | None:
    """The conversation's part of an inbound entry, applied at most once per entry (None: applied already)."""
    assert entry.conversation_id is not None
    return await hub.store.conversations.touch(
        entry.conversation_id, at=entry.occurred_at, now=now, entry_id=entry.id, **_touch_args(entry)
    )


def _touch_args(entry: TimelineEntry) -> dict[str, Any]:
    # automated mail (an auto-reply, list mail: meta["automated"]) is stored, but neither reopens nor counts unread
    customer = entry.direction is Direction.inbound and not entry.meta.get("automated")
    return {
        "preview": preview(entry.text or _attachment_preview(entry)),
        "inbound": customer,
        "reopen": customer,
    }


async def _release(hub: Hub, entry_id: str, lease_until: datetime) -> None:
    """End our settle lease now (a failed attempt): a re-send or the sweep may take over at once."""
    try:
        await hub.store.timeline.claim_settle(entry_id, now=lease_until, lease_until=hub.clock())
    except Exception:
        log.exception("could not release the settle lease of %s; it runs out by itself", entry_id)


async def settle_entry(hub: Hub, entry: TimelineEntry) -> bool:
    """Complete an entry that an ingest stored but did not settle, exactly once however many callers try: the one
    that takes the settle lease applies the conversation's touch (idempotent per entry: a touch that happened
    before the crash is not applied twice; skipped where the store writes it with the entry,
    `InboundRepo.touch_is_atomic`), publishes what was never published — ConversationCreated when this
    entry is the conversation's first message, else ConversationUpdated when it reopened it, then EntryAdded — and
    settles it. Returns False when someone else holds the lease (or it is settled already).

    What cannot be known after a crash: whether events of the crashed call that come after a successful touch were
    published (the process died between the touch and the settle). Then only EntryAdded is published, possibly a
    second time — at least once, never lost."""
    store = hub.store
    now = hub.clock()
    lease_until = now + SETTLE_LEASE
    claimed = await store.timeline.claim_settle(entry.id, now=now, lease_until=lease_until)
    if claimed is None:
        return False
    try:
        conversation = None
        if claimed.conversation_id is not None and store.inbound.touch_is_atomic:
            # stored with its touch, in one transaction: nothing of the conversation is missing (touching it again
            # would count it twice once the touch no longer remembers it, and could reopen the conversation)
            conversation = await store.conversations.get(claimed.conversation_id)
        elif claimed.conversation_id is not None:
            before = await store.conversations.get(claimed.conversation_id)
            touched = await _touch(hub, claimed, now)
            conversation = touched or await store.conversations.get(claimed.conversation_id) or before
            if touched is not None and before is not None:
                if before.last_message_at is None:
                    await hub.bus.publish(ConversationCreated(touched, first_entry_follows=True))
                elif before.status != touched.status:
                    await hub.bus.publish(
                        ConversationUpdated(touched, {"status": (before.status, touched.status)})
                    )
        claimed.settled = True
        await hub.bus.publish(EntryAdded(claimed, conversation))
    except BaseException:
        await _release(hub, claimed.id, lease_until)
        raise
    await store.timeline.settle(claimed.id)
    log.info("completed entry %s (%s), left unsettled by an earlier ingest", claimed.id, claimed.dedupe_key)
    return True


async def settle_stale(hub: Hub, *, older_than: timedelta = SWEEP_AFTER, limit: int = 100) -> int:
    """The recovery sweep: complete the entries left unsettled for longer than `older_than` (one indexed query,
    then settle_entry for each; several processes may sweep at once, the settle lease decides). Returns how many
    this call completed. Run at start-up and periodically (hub.delivery.DeliveryWorker does)."""
    done = 0
    for entry in await hub.store.timeline.unsettled(older_than=hub.clock() - older_than, limit=limit):
        try:
            if await settle_entry(hub, entry):
                done += 1
        except Exception:
            log.exception("could not complete unsettled entry %s", entry.id)
    return done


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


async def resolve_client(
    hub: Hub,
    identities: tuple[Identity, ...],
    display_name: str = "",
    *,
    owners: dict[Identity, str] | None = None,
    thread: Callable[[str], Conversation] | None = None,
    first: Callable[[str, Conversation], FirstEntry] | None = None,
) -> Resolution:
    """The client these identities belong to, creating it when none is known.

    Identities are in order of specificity: the first known one decides the client. Unknown identities are
    attached to it; identities owned by another client become a merge suggestion, never a silent merge.
    `owners`: what `identities.owners(identities)` answered just before (the ingest's look-up), else it is asked.
    `thread(client_id)`: the conversation proposal to get or create together with a new client (in the same round
    trip where the store can: `InboundRepo.create_client`); a known client's is left to the caller.
    `first(client_id, proposal)`: the new client's first entry, appended with them in that round trip (with
    `thread`); `Resolution.appended` says what became of it (None: not appended, the caller appends it).
    """
    store = hub.store
    for _attempt in range(3):
        if owners is None:
            owners = await store.identities.owners(identities)
        if owners:
            return await _attach_to_known(hub, identities, owners, display_name)
        client = Client(name=display_name.strip()[:200], identities=list(identities))
        proposal = thread(client.id) if thread is not None else None
        entry = first(client.id, proposal) if first is not None and proposal is not None else None
        # (appends `entry` only where that is one transaction with the client: nothing to release should it fail)
        new = await store.inbound.create_client(client, identities[0], proposal, entry)
        if new.owner != client.id:
            # another inbound from the same new sender won the race: ours is dropped, theirs adopted
            owners = None
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
        appended = (entry.entry, new.appended) if entry is not None and new.appended is not None else None
        return Resolution(
            client.id, True, tuple(events), new.conversation, new.conversation_created, appended
        )
    raise RuntimeError("could not resolve the sender after 3 attempts")


async def _attach_to_known(
    hub: Hub, identities: tuple[Identity, ...], owners: dict[Identity, str], display_name: str
) -> Resolution:
    store = hub.store
    client_id = next(owners[i] for i in identities if i in owners)
    events: list[Event] = []
    named = await _fill_name(hub, client_id, display_name)
    if named is not None:
        events.append(named)
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


async def _fill_name(hub: Hub, client_id: str, display_name: str) -> ClientUpdated | None:
    """A client first known by a number without a name (a call) takes the name they give later."""
    name = display_name.strip()[:200]
    if not name or client_id in hub.named_clients:
        return None
    named = await hub.store.clients.fill_name(client_id, name, at=hub.clock())
    hub.named_clients.add(client_id)
    return ClientUpdated(named, ("name",)) if named is not None else None


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
