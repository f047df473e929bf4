"""Writes of the email channel: the mailbox workers' leases, sync positions and health, and bounces (a delivery
report that marks the hub's outgoing mail failed and is kept in its conversation)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from hub.context import Hub
from hub.domain import (
    Author,
    AuthorType,
    Delivery,
    DeliveryStatus,
    Direction,
    EntryKind,
    TimelineEntry,
    dedupe_key,
)
from hub.domain_email import MailboxState
from hub.events import DeliveryChanged, EntryAdded

log = logging.getLogger(__name__)


async def claim_mailbox(hub: Hub, name: str, owner: str, *, lease: float) -> MailboxState | None:
    now = hub.clock()
    return await hub.store.mailboxes.claim(name, owner, now=now, lease_until=now + timedelta(seconds=lease))


async def release_mailbox(hub: Hub, name: str, owner: str) -> bool:
    return await hub.store.mailboxes.release(name, owner)


async def mail_stored(hub: Hub, name: str, owner: str, *, uidvalidity: int, uid: int) -> bool:
    """Every mail of the folder up to `uid` is in the timeline: the worker never fetches them again."""
    return await hub.store.mailboxes.advance(name, owner, uidvalidity=uidvalidity, uid=uid, at=hub.clock())


async def new_uidvalidity(hub: Hub, name: str, owner: str, *, uidvalidity: int) -> bool:
    return await hub.store.mailboxes.reset(name, owner, uidvalidity=uidvalidity, at=hub.clock())


async def report_mailbox(hub: Hub, name: str, owner: str, **health: Any) -> bool:
    return await hub.store.mailboxes.report(name, owner, health)


async def record_bounce(
    hub: Hub,
    original: TimelineEntry,
    *,
    provider_message_id: str,
    status: str,
    action: str,
    diagnostic: str,
    recipient: str,
    text: str,
) -> tuple[TimelineEntry, bool]:
    """A delivery report about one of the hub's outgoing mails: stored once (its own Message-ID is the dedupe key)
    as a system entry in the original's conversation — it reopens nothing, notifies nobody, wakes no bot — and,
    when it reports a failure, the original's delivery becomes failed with the reported status. Returns (the
    report's entry, created)."""
    store = hub.store
    key = dedupe_key(original.channel, provider_message_id)
    existing = await store.timeline.get_by_dedupe_key(key)
    if existing is not None:
        return existing, False
    now = hub.clock()
    failed = action.startswith("fail") or status.startswith("5")
    entry = TimelineEntry(
        client_id=original.client_id,
        conversation_id=original.conversation_id,
        kind=EntryKind.system,
        direction=Direction.inbound,
        channel=original.channel,
        author=Author(type=AuthorType.system, name="mail delivery"),
        text=text[:10_000],
        provider_id=provider_message_id,
        dedupe_key=key,
        meta={
            "automated": "delivery report",
            "bounce": {
                "status": status,
                "action": action,
                "diagnostic": diagnostic,
                "recipient": recipient,
                "original_entry_id": original.id,
            },
        },
        occurred_at=now,
        created_at=now,
    )
    if not await store.timeline.insert(entry):
        winner = await store.timeline.get_by_dedupe_key(key)
        return (winner or entry), False
    conversation = (
        await store.conversations.get(original.conversation_id) if original.conversation_id else None
    )
    await hub.bus.publish(EntryAdded(entry, conversation))
    if failed and original.delivery is not None and original.direction is Direction.outbound:
        reason = f"bounced: {status} {diagnostic}".strip()[:500]
        delivery = Delivery(
            status=DeliveryStatus.failed,
            attempts=original.delivery.attempts,
            error=reason,
            error_code="email.bounced",
            error_params={"detail": f"{status} {diagnostic}".strip()[:500]},
            updated_at=now,
        )
        updated = await store.timeline.set_delivery(original.id, delivery)
        if updated is not None:
            await hub.bus.publish(DeliveryChanged(updated))
    log.info("delivery report %s for entry %s: %s %s", provider_message_id, original.id, action, status)
    return entry, True
