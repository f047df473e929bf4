"""Snoozed conversations wake at their time (hub.snooze_timers): exactly once with two timers on one store, after a
restart, after a holder crashed half-way; a customer's message wakes one earlier and the timer then does nothing.
The clock is driven (core_helpers.Clock), never slept on.

Two workers are two Hub objects with their own bus and timer on one store (SQLite: two connections to one file;
MongoDB: one mongomock database)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from core_helpers import T0, Clock, make_department, make_user, receive, recording_hub, tg

from hub.actions.conversations import update_conversation
from hub.context import Hub
from hub.domain import ConversationStatus, EntryKind, Role
from hub.errors import Invalid
from hub.events import ConversationUpdated, NotificationCreated
from hub.snooze_timers import SnoozeTimers

HOUR = 3600


def make_hub(store, settings, clock: Clock) -> Hub:
    return recording_hub(store, settings, clock, NotificationCreated, ConversationUpdated)


@pytest.fixture
async def setup(store, settings, clock):
    hub = make_hub(store, settings, clock)
    support = await make_department(hub, "Support")
    anna = await make_user(hub, Role.agent, departments=[support], name="Anna")
    result = await receive(hub, tg(100), text="where is my order?")
    conversation = await update_conversation(
        hub, None, result.entry.conversation_id, department_id=support.id, assignee_id=anna.id
    )
    snoozed = await update_conversation(
        hub, anna, conversation.id, status=ConversationStatus.snoozed, snoozed_until=T0 + timedelta(hours=1)
    )
    assert snoozed.status is ConversationStatus.snoozed and snoozed.snoozed_until == T0 + timedelta(hours=1)
    return {"hub": hub, "anna": anna, "conversation": snoozed}


async def system_codes(store, conversation) -> list[str]:
    page = await store.timeline.conversation_page(conversation.id, limit=100)
    return [e.meta["code"] for e in reversed(page) if e.kind is EntryKind.system]


async def kinds_for(store, user_id: str) -> list[str]:
    return [n.kind for n in reversed(await store.notifications.page(user_id, limit=100))]


def wakes(*hubs: Hub) -> list[ConversationUpdated]:
    return [
        e
        for h in hubs
        for e in h.recorded.of(ConversationUpdated)
        if e.changes.get("status") == (ConversationStatus.snoozed, ConversationStatus.open)
    ]


async def test_two_workers_wake_it_once_at_its_time(setup, settings, stores, clock):
    a, conv, anna = setup["hub"], setup["conversation"], setup["anna"]
    b = make_hub(await stores(), settings, clock)
    workers = [SnoozeTimers(a), SnoozeTimers(b)]
    assert await a.store.conversations.next_wake_at(now=clock()) == T0 + timedelta(hours=1)
    clock.advance(HOUR - 1)
    assert [await w.run_due() for w in workers] == [0, 0]  # a second early: still snoozed
    clock.advance(1)
    for round_ in range(3):
        assert sum(await asyncio.gather(*(w.run_due() for w in workers))) == (1 if round_ == 0 else 0)
    woken = await a.store.conversations.get(conv.id)
    assert (woken.status, woken.snoozed_until) == (ConversationStatus.open, None)
    assert await system_codes(a.store, conv) == ["snoozed", "snooze_ended"]
    assert await kinds_for(a.store, anna.id) == ["snooze_ended"]
    assert len(wakes(a, b)) == 1  # one live event, from whichever worker woke it
    assert await a.store.conversations.next_wake_at(now=clock()) is None


async def test_a_restart_wakes_what_fell_due_while_down(setup, settings, stores, clock):
    conv, anna = setup["conversation"], setup["anna"]
    clock.advance(3 * HOUR)  # the hub was down at the wake time
    restarted = make_hub(await stores(), settings, clock)
    assert await SnoozeTimers(restarted).run_due() == 1
    assert (await restarted.store.conversations.get(conv.id)).status is ConversationStatus.open
    assert (
        await SnoozeTimers(make_hub(await stores(), settings, clock)).run_due() == 0
    )  # a third start: nothing
    assert await kinds_for(restarted.store, anna.id) == ["snooze_ended"]


async def test_a_holder_that_crashed_half_way_is_replaced_without_doubles(setup, settings, stores, clock):
    a, conv, anna = setup["hub"], setup["conversation"], setup["anna"]
    crashing = SnoozeTimers(a, lease_seconds=30)
    real_wake = a.store.conversations.wake

    async def crash(*args, **kwargs):
        raise ConnectionError("the process died here")

    a.store.conversations.wake = crash  # entry and notification stored, the conversation not yet opened
    clock.advance(HOUR)
    with pytest.raises(ConnectionError):
        await crashing.run_due()
    a.store.conversations.wake = real_wake
    other = SnoozeTimers(make_hub(await stores(), settings, clock))
    assert await other.run_due() == 0  # the lease still holds
    clock.advance(30)
    assert await other.run_due() == 1
    assert (await a.store.conversations.get(conv.id)).status is ConversationStatus.open
    assert (await system_codes(a.store, conv)).count("snooze_ended") == 1
    assert await kinds_for(a.store, anna.id) == ["snooze_ended"]


async def test_a_customer_message_wakes_it_first_and_the_timer_does_nothing(setup, clock):
    hub, conv, anna = setup["hub"], setup["conversation"], setup["anna"]
    clock.advance(600)
    await receive(hub, tg(100), text="any news?")
    assert (await hub.store.conversations.get(conv.id)).status is ConversationStatus.open
    clock.advance(2 * HOUR)
    assert await SnoozeTimers(hub).run_due() == 0
    assert "snooze_ended" not in await system_codes(hub.store, conv)
    assert await kinds_for(hub.store, anna.id) == []


async def test_resnoozing_moves_the_wake_and_another_status_cancels_it(setup, clock):
    hub, conv, anna = setup["hub"], setup["conversation"], setup["anna"]
    later = T0 + timedelta(hours=5)
    moved = await update_conversation(hub, anna, conv.id, snoozed_until=later)
    assert moved.status is ConversationStatus.snoozed and moved.snoozed_until == later
    clock.advance(HOUR)
    assert await SnoozeTimers(hub).run_due() == 0  # the old time is gone
    pending = await update_conversation(hub, anna, conv.id, status=ConversationStatus.pending)
    assert pending.snoozed_until is None
    clock.advance(5 * HOUR)
    assert await SnoozeTimers(hub).run_due() == 0
    assert (await system_codes(hub.store, conv))[-3:] == ["snoozed", "snoozed", "pending"]


async def test_the_running_timer_wakes_it_when_the_clock_gets_there(setup):
    hub, conv = setup["hub"], setup["conversation"]
    timer = SnoozeTimers(hub)
    await timer.start()
    try:
        hub.clock.advance(HOUR)
        timer.wake()  # what a test's clock move needs: the loop looks again now
        for _ in range(500):
            if (await hub.store.conversations.get(conv.id)).status is ConversationStatus.open:
                break
            await asyncio.sleep(0.01)
        assert (await hub.store.conversations.get(conv.id)).status is ConversationStatus.open
    finally:
        await timer.stop()


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (None, "needs snoozed_until"),
        (T0 - timedelta(minutes=1), "in the future"),
        (T0, "in the future"),
        (T0 + timedelta(days=400), "within a year"),
    ],
)
async def test_bad_snooze_times_are_refused(setup, until, message):
    hub, conv, anna = setup["hub"], setup["conversation"], setup["anna"]
    with pytest.raises(Invalid, match=message):
        await update_conversation(hub, anna, conv.id, status=ConversationStatus.snoozed, snoozed_until=until)
