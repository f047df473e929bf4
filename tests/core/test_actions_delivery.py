"""Action tests for hub.actions.delivery and the DeliveryWorker: sending outgoing entries through a channel sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from core_helpers import T0, Clock, FakeSender, eventually, make_user, receive, tg

from hub.actions.delivery import deliver, retry_now
from hub.actions.messages import send_reply
from hub.delivery import DeliveryWorker
from hub.domain import DeliveryStatus
from hub.events import DeliveryChanged
from hub.outbound import DeliveryError


@pytest.fixture
def clock(hub) -> Clock:
    hub.clock = Clock(T0)
    return hub.clock


async def queued_reply(hub, text: str = "answer", channel: str = "telegram"):
    """A reply queued on the channel (an agent's when a sender is registered; else the automation's: a person's
    reply to an unconnected channel is refused before it is queued)."""
    agent = await make_user(hub)
    conv_id = (await receive(hub, tg(100), channel=channel)).entry.conversation_id
    entry = await send_reply(hub, agent if hub.channels.get(channel) else None, conv_id, text)
    hub.recorded.clear()
    return entry


def register(hub, *script, delay: float = 0.0, channel: str = "telegram") -> FakeSender:
    sender = FakeSender(channel, list(script), delay=delay)
    hub.channels.register(sender)
    return sender


async def test_successful_send(hub, clock):
    sender = register(hub, "tg-msg-1")
    entry = await queued_reply(hub)
    clock.advance(1)

    updated = await deliver(hub, entry.id)

    assert updated.delivery.status is DeliveryStatus.sent
    assert updated.delivery.attempts == 1
    assert updated.delivery.error is None
    assert updated.delivery.next_attempt_at is None
    assert updated.delivery.lease_until is None
    assert updated.delivery.updated_at == T0 + timedelta(seconds=1)
    assert updated.provider_id == "tg-msg-1"
    assert await hub.store.timeline.get(entry.id) == updated
    assert hub.recorded.events == [DeliveryChanged(updated)]
    [sent] = sender.sent
    assert sent.entry.id == entry.id
    assert sent.entry.text == "answer"
    assert sent.conversation.id == entry.conversation_id
    assert sent.client.id == entry.client_id

    # sent is final: nothing to claim, nothing sent again, nothing published
    hub.recorded.clear()
    assert await deliver(hub, entry.id) is None
    assert len(sender.sent) == 1
    assert hub.recorded.events == []


async def test_permanent_failure_is_not_retried(hub, clock):
    sender = register(hub, DeliveryError("the user blocked the bot", permanent=True))
    entry = await queued_reply(hub)

    updated = await deliver(hub, entry.id)

    assert updated.delivery.status is DeliveryStatus.failed
    assert updated.delivery.error == "the user blocked the bot"
    assert updated.delivery.attempts == 1
    assert updated.delivery.next_attempt_at is None
    assert updated.provider_id is None
    assert await hub.store.timeline.get(entry.id) == updated
    assert hub.recorded.events == [DeliveryChanged(updated)]

    clock.advance(3600)
    assert await hub.store.timeline.due_deliveries(now=clock()) == []
    assert await deliver(hub, entry.id) is None
    assert len(sender.sent) == 1


async def test_temporary_failure_is_queued_again_with_backoff(hub, clock):
    sender = register(hub, DeliveryError("timeout"), ConnectionResetError("peer reset"), "tg-3")
    entry = await queued_reply(hub)
    base = hub.settings.delivery_base_delay

    first = await deliver(hub, entry.id)

    assert first.delivery.status is DeliveryStatus.queued
    assert first.delivery.attempts == 1
    assert first.delivery.error == "timeout"
    assert first.delivery.next_attempt_at == T0 + timedelta(seconds=base)
    assert first.delivery.lease_until is None
    assert await hub.store.timeline.get(entry.id) == first
    assert hub.recorded.events == [DeliveryChanged(first)]
    # not due before its time, due after
    assert await hub.store.timeline.due_deliveries(now=clock()) == []
    clock.advance(base)
    assert [e.id for e in await hub.store.timeline.due_deliveries(now=clock())] == [entry.id]

    # a connector bug (any exception) is retried too, with the delay doubled and the reason kept
    second = await deliver(hub, entry.id)
    assert second.delivery.status is DeliveryStatus.queued
    assert second.delivery.attempts == 2
    assert second.delivery.error == "ConnectionResetError: peer reset"
    assert second.delivery.next_attempt_at == clock() + timedelta(seconds=2 * base)

    clock.advance(2 * base)
    third = await deliver(hub, entry.id)
    assert third.delivery.status is DeliveryStatus.sent
    assert third.delivery.attempts == 3
    assert third.delivery.error is None
    assert third.provider_id == "tg-3"
    assert len(sender.sent) == 3
    assert [e.entry.delivery.status for e in hub.recorded.of(DeliveryChanged)] == [
        DeliveryStatus.queued,
        DeliveryStatus.queued,
        DeliveryStatus.sent,
    ]


async def test_provider_retry_after_is_respected(hub, clock):
    register(hub, DeliveryError("flood control", retry_after=30))
    entry = await queued_reply(hub)

    updated = await deliver(hub, entry.id)

    assert updated.delivery.status is DeliveryStatus.queued
    assert updated.delivery.next_attempt_at == T0 + timedelta(seconds=30)


async def test_failed_after_max_attempts(hub, clock):
    max_attempts = hub.settings.delivery_max_attempts
    sender = register(hub, *[DeliveryError(f"try {i}") for i in range(1, max_attempts + 2)])
    entry = await queued_reply(hub)

    for attempt in range(1, max_attempts):
        updated = await deliver(hub, entry.id)
        assert (updated.delivery.status, updated.delivery.attempts) == (DeliveryStatus.queued, attempt)
    last = await deliver(hub, entry.id)

    assert last.delivery.status is DeliveryStatus.failed
    assert last.delivery.attempts == max_attempts
    assert last.delivery.error == f"try {max_attempts}"
    assert last.delivery.next_attempt_at is None
    assert await deliver(hub, entry.id) is None
    assert len(sender.sent) == max_attempts
    assert len(hub.recorded.of(DeliveryChanged)) == max_attempts


async def test_concurrent_claims_send_once(hub, clock):
    sender = register(hub, "only-once", delay=0.05)
    entry = await queued_reply(hub)

    results = await asyncio.gather(deliver(hub, entry.id), deliver(hub, entry.id))

    assert sorted(r is None for r in results) == [False, True]
    assert len(sender.sent) == 1
    stored = await hub.store.timeline.get(entry.id)
    assert (stored.delivery.status, stored.provider_id) == (DeliveryStatus.sent, "only-once")
    assert hub.recorded.events == [DeliveryChanged(stored)]


async def test_a_running_lease_blocks_other_workers_until_it_expires(hub, clock):
    entry = await queued_reply(hub)
    # another worker claimed the entry and died before recording an outcome
    assert await hub.store.timeline.claim_delivery(entry.id, now=T0, lease_until=T0 + timedelta(seconds=60))
    sender = register(hub, "late")

    assert await deliver(hub, entry.id) is None
    assert sender.sent == []
    clock.advance(61)
    assert (await deliver(hub, entry.id)).delivery.status is DeliveryStatus.sent


async def test_no_sender_for_the_channel_fails_visibly(hub, clock):
    register(hub, channel="email")
    entry = await queued_reply(hub)

    updated = await deliver(hub, entry.id)

    assert updated.delivery.status is DeliveryStatus.failed
    assert updated.delivery.error == "no connector sends on channel 'telegram'"
    assert updated.delivery.attempts == 1
    assert hub.recorded.events == [DeliveryChanged(updated)]


async def test_retry_now_requeues_a_failed_entry(hub, clock):
    sender = register(hub, DeliveryError("bad address", permanent=True), "second-time")
    entry = await queued_reply(hub)
    await deliver(hub, entry.id)
    hub.recorded.clear()

    requeued = await retry_now(hub, entry.id)

    assert requeued.delivery.status is DeliveryStatus.queued
    assert requeued.delivery.attempts == 0
    assert requeued.delivery.error == "bad address"
    assert hub.recorded.events == [DeliveryChanged(requeued)]
    assert (await deliver(hub, entry.id)).provider_id == "second-time"
    assert len(sender.sent) == 2
    # only failed entries are retried
    hub.recorded.clear()
    assert await retry_now(hub, entry.id) is None
    assert hub.recorded.events == []


async def test_worker_retries_until_sent(hub):
    sender = register(hub, DeliveryError("busy"), DeliveryError("busy again"), "finally")
    worker = DeliveryWorker(hub, poll_interval=0.01)
    await worker.start()
    try:
        entry = await queued_reply(hub)

        async def sent():
            stored = await hub.store.timeline.get(entry.id)
            return stored if stored.delivery.status is not DeliveryStatus.queued else None

        stored = await eventually(sent, within=5)
    finally:
        await worker.stop()

    assert stored.delivery.status is DeliveryStatus.sent
    assert stored.delivery.attempts == 3
    assert stored.provider_id == "finally"
    assert len(sender.sent) == 3
    assert [
        (e.entry.delivery.status, e.entry.delivery.attempts) for e in hub.recorded.of(DeliveryChanged)
    ] == [
        (DeliveryStatus.queued, 1),
        (DeliveryStatus.queued, 2),
        (DeliveryStatus.sent, 3),
    ]
