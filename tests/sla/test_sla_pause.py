"""SLA clocks pause while a conversation is snoozed or pending (the customer's turn): no due times, no warnings, no
breach notices; open again (the customer answers, the snooze ends, a person opens it) each running target is
extended by the open time the pause lasted (business hours: nights and weekends do not count). Both adapters, a
driven clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_helpers import T0, Clock, customer_writes, kinds_for, make_hub

from hub.actions import staff
from hub.actions.conversations import update_conversation
from hub.domain import ConversationStatus, Role
from hub.queries import sla as sla_queries
from hub.snooze_timers import SnoozeTimers

PENDING, SNOOZED, OPEN = ConversationStatus.pending, ConversationStatus.snoozed, ConversationStatus.open


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)  # Monday 10:00 UTC; business hours 09:00-18:00 on weekdays


@pytest.fixture
async def world(store, settings, clock):
    hub = make_hub(store, settings, clock)
    support = await staff.create_department(hub, "Support")
    anna = await staff.create_user(
        hub, email="anna@example.com", name="Anna", role=Role.agent, password="secret-pass",
        department_ids=[support.id],
    )  # fmt: skip
    conversation = (await customer_writes(hub)).conversation
    await update_conversation(hub, None, conversation.id, department_id=support.id, assignee_id=anna.id)
    return hub, anna, conversation  # Support: first response 30 min, resolution 240, warning 10 before


async def sla(hub, anna, conversation_id):
    conversation = await hub.store.conversations.get(conversation_id)
    return await sla_queries.of_conversation(hub, anna, conversation)


def iso(at) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def test_pending_pauses_until_the_customer_answers(world, clock):
    hub, anna, conversation = world
    clock.advance(10)
    await update_conversation(hub, anna, conversation.id, status=PENDING)
    paused = await sla(hub, anna, conversation.id)
    assert paused["first_response_due_at"] is None and paused["resolution_due_at"] is None
    assert paused["paused_at"] == iso(T0 + timedelta(minutes=10))
    clock.advance(120)  # long past the first response's 30 minutes
    assert await hub.timers.run_due() == 0
    assert not {"sla_warning", "sla_breach"} & set(await kinds_for(hub.store, anna.id))
    await customer_writes(hub, text="here is the photo")
    assert (await hub.store.conversations.get(conversation.id)).status is OPEN
    resumed = await sla(hub, anna, conversation.id)
    assert "paused_at" not in resumed
    # 10 minutes ran before the pause, the 2 paused hours do not count
    assert resumed["first_response_due_at"] == iso(T0 + timedelta(minutes=30 + 120))
    assert resumed["resolution_due_at"] == iso(T0 + timedelta(minutes=240 + 120))
    assert resumed["breached"] == []


async def test_a_snooze_over_the_night_counts_only_the_open_time_it_held(world, clock):
    hub, anna, conversation = world
    clock.advance(20)  # Monday 10:20: 20 minutes of the first response's 30 used
    tomorrow = T0 + timedelta(days=1)  # Tuesday 10:00
    await update_conversation(hub, anna, conversation.id, status=SNOOZED, snoozed_until=tomorrow)
    clock.now = tomorrow - timedelta(minutes=1)
    assert await hub.timers.run_due() == 0  # no warning, no breach while snoozed
    assert not {"sla_warning", "sla_breach"} & set(await kinds_for(hub.store, anna.id))
    clock.now = tomorrow
    assert await SnoozeTimers(hub).run_due() == 1
    woken = await sla(hub, anna, conversation.id)
    # paused Monday 10:20-18:00 and Tuesday 09:00-10:00: 520 minutes of open time added to each target, so
    # the 10 minutes left of the first response run from Tuesday 10:00 (the night does not count)
    assert woken["first_response_due_at"] == iso(tomorrow + timedelta(minutes=10))
    assert woken["resolution_due_at"] == iso(tomorrow + timedelta(minutes=220))
    assert await hub.timers.run_due() == 1  # its warning (10 minutes before) is due right away
    assert [k for k in await kinds_for(hub.store, anna.id) if k.startswith("sla")] == ["sla_warning"]


async def test_notices_resume_at_the_moved_times(world, clock):
    hub, anna, conversation = world
    await update_conversation(hub, anna, conversation.id, status=PENDING)
    clock.advance(60)
    await update_conversation(hub, anna, conversation.id, status=OPEN)  # a person opens it again
    assert (await sla(hub, anna, conversation.id))["first_response_due_at"] == iso(T0 + timedelta(minutes=90))
    clock.now = T0 + timedelta(minutes=79)
    assert await hub.timers.run_due() == 0
    clock.now = T0 + timedelta(minutes=80)  # 10 minutes before the moved due time
    assert await hub.timers.run_due() == 1
    assert [k for k in await kinds_for(hub.store, anna.id) if k.startswith("sla")] == ["sla_warning"]
