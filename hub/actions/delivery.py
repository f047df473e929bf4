"""Delivery of outgoing entries through their channel's sender, with retries and visible failures."""

from __future__ import annotations

import logging
from datetime import timedelta

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Delivery, DeliveryStatus, TimelineEntry
from hub.events import DeliveryChanged
from hub.outbound import DeliveryError, OutboundMessage

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_DELAY = 15 * 60.0


def backoff(hub: Hub, attempts: int) -> float:
    return min(hub.settings.delivery_base_delay * (2 ** max(attempts - 1, 0)), MAX_DELAY)


async def deliver(hub: Hub, entry_id: str) -> TimelineEntry | None:
    """Try to send one queued entry. Returns the entry after the attempt, None when it was not ours to send
    (already sent, or another worker holds the lease)."""
    store = hub.store
    now = hub.clock()
    entry = await store.timeline.claim_delivery(entry_id, now=now, lease_until=now + LEASE)
    if entry is None or entry.delivery is None:
        return None
    attempts = entry.delivery.attempts + 1
    provider_id: str | None = None
    try:
        sender = hub.channels.get(entry.channel)
        if sender is None:
            raise DeliveryError(
                f"no connector sends on channel {entry.channel!r}",
                permanent=True,
                code="no_sender",
                params={"channel": entry.channel},
            )
        conversation = await store.conversations.get(entry.conversation_id or "")
        client = await store.clients.get(entry.client_id)
        if conversation is None or client is None:
            raise DeliveryError("the conversation or client is gone", permanent=True, code="gone", params={})
        provider_id = await sender.send(OutboundMessage(entry, conversation, client))
        delivery = Delivery(status=DeliveryStatus.sent, attempts=attempts, updated_at=hub.clock())
    except DeliveryError as exc:
        delivery = _failed(hub, attempts, exc, exc.permanent, exc.retry_after)
    except Exception as exc:  # a connector bug or a network error: retry, and keep the reason visible
        log.exception("sending entry %s on %s failed", entry.id, entry.channel)
        delivery = _failed(hub, attempts, DeliveryError(f"{type(exc).__name__}: {exc}"), False, None)
    updated = await store.timeline.set_delivery(entry.id, delivery, provider_id)
    if updated is not None:
        await hub.bus.publish(DeliveryChanged(updated))
    return updated


def _failed(
    hub: Hub, attempts: int, error: DeliveryError, permanent: bool, retry_after: float | None
) -> Delivery:
    now = hub.clock()
    why = {
        "error": error.reason[:500],
        "error_code": error.code,
        "error_params": {k: str(v)[:500] for k, v in error.params.items()},
    }
    if permanent or attempts >= hub.settings.delivery_max_attempts:
        return Delivery(status=DeliveryStatus.failed, attempts=attempts, updated_at=now, **why)
    delay = max(backoff(hub, attempts), retry_after or 0.0)
    return Delivery(
        status=DeliveryStatus.queued,
        attempts=attempts,
        next_attempt_at=now + timedelta(seconds=delay),
        updated_at=now,
        **why,
    )


async def retry_now(hub: Hub, entry_id: str) -> TimelineEntry | None:
    """Put a failed entry back in the queue (an agent pressed "retry")."""
    entry = await hub.store.timeline.get(entry_id)
    if entry is None or entry.delivery is None or entry.delivery.status is not DeliveryStatus.failed:
        return None
    delivery = Delivery(
        status=DeliveryStatus.queued,
        attempts=0,
        error=entry.delivery.error,
        error_code=entry.delivery.error_code,
        error_params=entry.delivery.error_params,
        updated_at=hub.clock(),
    )
    updated = await hub.store.timeline.set_delivery(entry_id, delivery)
    if updated is not None:
        await hub.bus.publish(DeliveryChanged(updated))
    return updated


async def retry_entry(hub: Hub, actor: Actor, entry_id: str) -> TimelineEntry | None:
    """An agent asks to send a failed outgoing message again: through the entry's door (hidden = missing), by
    someone who may work its conversation. None when it is not a failed outgoing message."""
    entry, conversation = await access.entry_for(hub, actor, entry_id)
    if conversation is None:
        raise access.NotFound("no such entry")
    access.require(access.can_work_conversation(actor, conversation), "you cannot work on this conversation")
    return await retry_now(hub, entry.id)
