"""SLA warnings and breach notices: sent at their time by whichever hub process claims them, exactly once, with
two timers on one store and across a restart (settable clock, both adapters); to the assignee (else the
department's members) and the department's supervisors, never to an agent of another department."""

from __future__ import annotations

import asyncio

import pytest
from sla_helpers import T0, Clock, customer_writes, kinds_for, make_hub
from support import eventually

from hub.actions import staff
from hub.actions.conversations import update_conversation
from hub.actions.messages import send_reply
from hub.domain import Role
from hub.events import NotificationCreated
from hub.sla_timers import SlaTimers


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
async def stores(store, tmp_path):
    """The store and a second handle on the same data (what a second hub process opens)."""
    opened = []

    async def another():
        if store.name == "sqlite":
            from hub.store.sqlite import open_sqlite_store

            second = await open_sqlite_store(tmp_path / "hub.db")
            opened.append(second)
            return second
        return store  # mongomock lives in this process: one database object is what two clients share

    yield another
    for s in opened:
        await s.close()


@pytest.fixture
async def world(store, settings, clock):
    hub = make_hub(store, settings, clock)
    support = await staff.create_department(hub, "Support")
    sales = await staff.create_department(hub, "Sales")

    async def user(name, role, departments):
        return await staff.create_user(
            hub, email=f"{name}@example.com", name=name, role=role, password="secret-pass",
            department_ids=[d.id for d in departments],
        )  # fmt: skip

    people = {
        "anna": await user("anna", Role.agent, [support]),
        "bob": await user("bob", Role.agent, [support]),
        "sam": await user("sam", Role.agent, [sales]),  # another department
        "sue": await user("sue", Role.supervisor, [support]),
        "sid": await user("sid", Role.supervisor, [sales]),  # supervises another department
    }
    return hub, support, people


async def test_two_timers_send_the_warning_and_the_breach_once(world, settings, stores, clock):
    a, support, people = world
    b = make_hub(await stores(), settings, clock)
    conversation = (await customer_writes(a, department_id=support.id)).conversation
    await update_conversation(a, None, conversation.id, assignee_id=people["anna"].id)
    timers = [a.timers, b.timers]
    assert [await t.run_due() for t in timers] == [0, 0]
    clock.advance(20)  # the warning: 10 minutes before the first response is due
    for round_ in range(3):
        assert sum(await asyncio.gather(*(t.run_due() for t in timers))) == (1 if round_ == 0 else 0)
    clock.advance(10)  # due: the breach
    for round_ in range(3):
        assert sum(await asyncio.gather(*(t.run_due() for t in timers))) == (1 if round_ == 0 else 0)
    for name in ("anna", "sue"):  # the assignee and the department's supervisor
        assert await kinds_for(a.store, people[name].id) == ["sla_warning", "sla_breach"]
    for name in ("bob", "sam", "sid"):  # not the assignee's colleagues, nor another department
        assert await kinds_for(a.store, people[name].id) == []
    published = sorted(e.notification.kind for h in (a, b) for e in h.recorded.of(NotificationCreated))
    assert published == ["sla_breach", "sla_breach", "sla_warning", "sla_warning"]  # one per user and notice
    breach = (await a.store.notifications.page(people["anna"].id, limit=1))[0]
    assert breach.conversation_id == conversation.id
    assert breach.params["target"] == "first_response" and breach.params["policy"] == "Support"
    counts = await a.store.sla.count_breaches(department_ids=None, since=None, until=None)
    assert [(c.department_id, c.target.value, c.count) for c in counts] == [(support.id, "first_response", 1)]
    assert (await a.store.sla.get(conversation.id)).breached == ["first_response"]
    # the resolution target's warning and breach come later, also once
    clock.advance(240)
    assert sum(await asyncio.gather(*(t.run_due() for t in timers))) == 1  # the late warning gave way
    assert await kinds_for(a.store, people["anna"].id) == ["sla_warning", "sla_breach", "sla_breach"]
    assert await a.store.sla.next_notice_at(now=clock()) is None


async def test_unassigned_the_department_is_told_and_a_reply_in_time_stops_the_breach(world, clock):
    hub, support, people = world
    conversation = (await customer_writes(hub, user=201, department_id=support.id)).conversation
    clock.advance(21)
    assert await hub.timers.run_due() == 1
    for name in ("anna", "bob", "sue"):
        assert await kinds_for(hub.store, people[name].id) == ["sla_warning"]
    assert await kinds_for(hub.store, people["sam"].id) == []
    await send_reply(hub, people["bob"], conversation.id, "On it")
    clock.advance(15)  # past the first-response due time: met, so no breach
    assert await hub.timers.run_due() == 0
    assert await kinds_for(hub.store, people["bob"].id) == ["sla_warning"]
    assert await hub.store.sla.count_breaches(department_ids=None, since=None, until=None) == []


async def test_the_running_timer_fires_on_time_and_a_restart_sends_a_missed_breach_once(
    world, settings, stores, clock
):
    hub, support, people = world
    await hub.timers.start()
    try:
        conversation = (await customer_writes(hub, user=202, department_id=support.id)).conversation
        clock.advance(20)
        hub.timers.wake()  # a moved clock: the sleeping timer looks again

        async def warned():
            return await kinds_for(hub.store, people["anna"].id) == ["sla_warning"]

        await eventually(warned, what="the warning from the running timer")
    finally:
        await hub.timers.stop()  # the process stops before the breach is due
    clock.advance(300)  # down while both due times pass
    restarted = make_hub(await stores(), settings, clock)
    await restarted.timers.start()
    try:

        async def settled():
            found = await restarted.store.sla.get(conversation.id)
            return found if found.next_notice is None else None

        after = await eventually(settled, what="the notices after the restart")
    finally:
        await restarted.timers.stop()
    # each missed breach once; the late resolution warning gave way to its breach
    assert await kinds_for(restarted.store, people["anna"].id) == ["sla_warning", "sla_breach", "sla_breach"]
    assert sorted(after.breached) == ["first_response", "resolution"]
    assert await SlaTimers(make_hub(await stores(), settings, clock)).run_due() == 0  # a third start: nothing


async def test_a_crashed_holder_is_replaced_and_the_breach_counted_once(world, settings, stores, clock):
    hub, support, people = world
    await customer_writes(hub, user=203, department_id=support.id)
    clock.advance(20)
    assert await hub.timers.run_due() == 1  # the warning
    clock.advance(10)  # the breach: stored and sent, then the process dies before recording it
    original = hub.store.sla.complete_notice

    async def crash(*_args, **_kwargs):
        raise RuntimeError("the process died here")

    hub.store.sla.complete_notice = crash  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            await hub.timers.run_due()
    finally:
        hub.store.sla.complete_notice = original  # type: ignore[method-assign]
    other = make_hub(await stores(), settings, clock)
    assert await other.timers.run_due() == 0  # its lease still runs
    clock.advance(1)  # the lease (30 s) ran out
    await other.timers.run_due()
    assert (await kinds_for(hub.store, people["anna"].id)).count("sla_breach") == 1
    counts = await hub.store.sla.count_breaches(department_ids=None, since=None, until=None)
    assert [c.count for c in counts] == [1]
