"""A resolved conversation's SLA stops (driven clock, both adapters): no due times, no warning or breach notice, also
when the notice was already scheduled; reopening restarts resolution and lets an unmet first response run on where
it stopped (the time spent resolved does not count)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sla_helpers import T0, Clock, customer_writes, kinds_for, make_hub

from hub.actions import staff
from hub.actions.conversations import update_conversation
from hub.domain import ConversationStatus, Role
from hub.queries import sla as sla_queries


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def world(store, settings, clock):
    hub = make_hub(store, settings, clock)
    support = await staff.create_department(hub, "Support")
    anna = await staff.create_user(
        hub, email="anna@example.com", name="Anna", role=Role.agent, password="secret-pass",
        department_ids=[support.id],
    )  # fmt: skip
    return hub, support, anna


def iso(at) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def shown(hub, anna, conversation_id):
    return await sla_queries.of_conversation(hub, anna, await hub.store.conversations.get(conversation_id))


async def test_resolved_before_the_first_response_nothing_falls_due(world, clock):
    hub, support, anna = world
    conversation = (await customer_writes(hub, user=501, department_id=support.id)).conversation
    assert (await shown(hub, anna, conversation.id))["first_response_due_at"] == iso(
        T0 + timedelta(minutes=30)
    )
    clock.advance(5)
    await update_conversation(hub, anna, conversation.id, status=ConversationStatus.resolved)
    sla = await shown(hub, anna, conversation.id)
    assert (sla["first_response_due_at"], sla["resolution_due_at"], sla["breached"]) == (None, None, [])
    assert (await hub.store.sla.get(conversation.id)).next_notice is None
    clock.advance(300)  # past both targets
    assert await hub.timers.run_due() == 0
    assert await hub.store.sla.count_breaches(department_ids=None, since=None, until=None) == []
    assert await kinds_for(hub.store, anna.id) == []
    assert (await shown(hub, anna, conversation.id))["breached"] == []


async def test_a_notice_already_scheduled_does_not_fire_for_a_resolved_conversation(world, clock):
    hub, support, anna = world
    conversation = (await customer_writes(hub, user=502, department_id=support.id)).conversation
    clock.advance(31)  # the warning and the breach are both due now: a timer has them in hand
    scheduled = await hub.timers.due(clock())
    assert [c.id for c in scheduled] == [conversation.id]
    await update_conversation(hub, anna, conversation.id, status=ConversationStatus.resolved)
    for clock_in_hand in scheduled:
        assert not await hub.timers.fire(clock_in_hand)
    # a clock stored resolved but still holding a pending notice (written before resolving stopped the due
    # times) is claimed and completed without a notice
    await hub.store.sla.update(
        conversation.id,
        {
            "first_response_due_at": T0 + timedelta(minutes=30),
            "next_notice": f"first_response:breach@{(T0 + timedelta(minutes=30)).isoformat()}",
            "next_notice_at": T0 + timedelta(minutes=30),
        },
    )
    assert await hub.timers.run_due() == 0
    assert (await hub.store.sla.get(conversation.id)).next_notice is None
    assert await hub.store.sla.count_breaches(department_ids=None, since=None, until=None) == []
    assert await kinds_for(hub.store, anna.id) == []
    sla = await shown(hub, anna, conversation.id)
    assert (sla["first_response_due_at"], sla["breached"]) == (None, [])


async def test_reopened_resolution_restarts_and_the_first_response_runs_on(world, clock):
    hub, support, anna = world
    clock.advance(-60)  # Monday 09:00 UTC, the business hours open: round numbers
    start = clock()
    conversation = (await customer_writes(hub, user=503, department_id=support.id)).conversation
    clock.advance(10)  # 20 of the 30 minutes to a first response left
    await update_conversation(hub, anna, conversation.id, status=ConversationStatus.resolved)
    clock.advance(60)
    reopened_at = clock()
    await update_conversation(hub, anna, conversation.id, status=ConversationStatus.open)
    assert await shown(hub, anna, conversation.id) == {
        "policy": "Support",
        "first_response_due_at": iso(
            reopened_at + timedelta(minutes=20)
        ),  # the 60 resolved minutes don't count
        "resolution_due_at": iso(reopened_at + timedelta(minutes=240)),
        "breached": [],
        "warning_minutes": 10,
    }
    assert start + timedelta(minutes=90) == reopened_at + timedelta(minutes=20)
    clock.advance(21)
    assert await hub.timers.run_due() == 1  # the breach (its warning gave way)
    assert await kinds_for(hub.store, anna.id) == ["sla_breach"]
