"""SLA clocks through the real actions and events (fixed clock, both adapters): started by the customer's message,
met by the first agent reply (not a bot's, not a note), stopped by resolving, restarted by reopening, following a
change of department or priority; the `sla` JSON of the conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sla_helpers import T0, Clock, customer_writes, make_hub

from hub.actions import staff
from hub.actions.conversations import update_conversation
from hub.actions.messages import add_note, send_reply
from hub.domain import Author, AuthorType, ConversationStatus, Priority, Role
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


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def sla(hub, anna, conversation_id):
    conversation = await hub.store.conversations.get(conversation_id)
    return await sla_queries.of_conversation(hub, anna, conversation)


async def test_the_clock_life_cycle(world, clock):
    hub, support, anna = world
    conversation = (await customer_writes(hub)).conversation
    assert await sla(hub, anna, conversation.id) is None  # unrouted, normal priority: no policy applies
    clock.advance(2)
    await update_conversation(hub, None, conversation.id, department_id=support.id)
    assert await sla(hub, anna, conversation.id) == {
        "policy": "Support",
        "first_response_due_at": iso(T0 + timedelta(minutes=30)),  # counted from the customer's message
        "resolution_due_at": iso(T0 + timedelta(minutes=240)),
        "breached": [],
        "warning_minutes": 10,
    }
    # a bot's answer and an internal note are no first response
    await send_reply(
        hub, None, conversation.id, "Hi, I am the bot", author=Author(type=AuthorType.bot, name="Bot")
    )
    await add_note(hub, anna, text="looking into it", conversation_id=conversation.id)
    assert (await sla(hub, anna, conversation.id))["first_response_due_at"] == iso(T0 + timedelta(minutes=30))
    clock.advance(5)
    await send_reply(hub, anna, conversation.id, "Hello, how can I help?")
    clock.advance(5)
    await send_reply(hub, anna, conversation.id, "Still there?")
    stored = await hub.store.sla.get(conversation.id)
    assert stored.first_response_at == T0 + timedelta(minutes=7)  # the first reply, not the second
    assert (await sla(hub, anna, conversation.id))["first_response_due_at"] is None
    # urgent: another policy, round the clock, from the same start
    await update_conversation(hub, anna, conversation.id, priority=Priority.urgent)
    now = await sla(hub, anna, conversation.id)
    assert (now["policy"], now["resolution_due_at"]) == ("Urgent", iso(T0 + timedelta(minutes=60)))
    await update_conversation(hub, anna, conversation.id, status=ConversationStatus.resolved)
    assert (await sla(hub, anna, conversation.id))["resolution_due_at"] is None
    # the customer writes again: the conversation reopens and resolution counts from now
    clock.advance(100)
    reopened_at = clock()
    await customer_writes(hub, text="one more thing")
    assert (await hub.store.conversations.get(conversation.id)).status is ConversationStatus.open
    assert await sla(hub, anna, conversation.id) == {
        "policy": "Urgent",
        "first_response_due_at": None,
        "resolution_due_at": iso(reopened_at + timedelta(minutes=60)),
        "breached": [],
        "warning_minutes": 5,
    }
    # an agent reopening restarts it too
    await update_conversation(hub, anna, conversation.id, status=ConversationStatus.resolved)
    clock.advance(10)
    await update_conversation(hub, anna, conversation.id, status=ConversationStatus.open)
    assert (await sla(hub, anna, conversation.id))["resolution_due_at"] == iso(
        clock() + timedelta(minutes=60)
    )


async def test_due_times_count_business_hours_and_follow_the_department(world, clock):
    hub, support, anna = world
    clock.now = datetime(2025, 3, 7, 17, 50, tzinfo=UTC)  # a Friday, ten minutes before closing
    conversation = (await customer_writes(hub, user=200, department_id=support.id)).conversation
    shown = await sla(hub, anna, conversation.id)
    assert shown["first_response_due_at"] == iso(datetime(2025, 3, 10, 9, 20, tzinfo=UTC))  # Monday
    # leaving the department: no policy applies any more, and no notice is pending
    await update_conversation(hub, None, conversation.id, department_id=None)
    assert await sla(hub, anna, conversation.id) is None
    assert (await hub.store.sla.get(conversation.id)).next_notice is None
    await update_conversation(hub, None, conversation.id, department_id=support.id)
    assert (await sla(hub, anna, conversation.id))["first_response_due_at"] == iso(
        datetime(2025, 3, 10, 9, 20, tzinfo=UTC)
    )


async def test_a_passed_due_time_shows_as_breached_and_a_partner_sees_no_clock(world, clock, store):
    hub, support, anna = world
    conversation = (await customer_writes(hub, user=300, department_id=support.id)).conversation
    clock.advance(31)
    assert (await sla(hub, anna, conversation.id))["breached"] == ["first_response"]
    partner = await staff.create_user(
        hub, email="p@example.com", name="P", role=Role.partner, password="secret-pass"
    )
    assert await sla(hub, partner, conversation.id) is None


async def test_no_policies_no_clocks(world, store):
    hub, support, anna = world
    hub.sla = None
    conversation = (await customer_writes(hub, user=400, department_id=support.id)).conversation
    assert await store.sla.get(conversation.id) is None
    assert await sla(hub, anna, conversation.id) is None
