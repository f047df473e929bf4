"""Task reminders and overdue notices: sent at their time by whichever hub process claims them, exactly once, also
with two workers on one store and across a restart; with a settable clock (both workers read the same one).

Two workers are two Hub objects with their own bus and timer on one store (SQLite: two connections to one file;
MongoDB: one mongomock database)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from core_helpers import T0, Clock, recording_hub
from support import eventually

from hub.actions import staff
from hub.actions.tasks import create_task, update_task
from hub.context import Hub
from hub.domain import Client, Role
from hub.domain_tasks import NoticeKind, notice_key
from hub.events import NotificationCreated
from hub.task_timers import TaskTimers

MINUTE = 60


def make_hub(store, settings, clock: Clock) -> Hub:
    return recording_hub(store, settings, clock, NotificationCreated)


@pytest.fixture
async def setup(store, settings, clock):
    hub = make_hub(store, settings, clock)
    support = await staff.create_department(hub, "Support")
    anna = await staff.create_user(
        hub, email="anna@example.com", name="Anna", role=Role.agent, password="secret-pass", department_ids=[]
    )
    bob = await staff.create_user(
        hub,
        email="bob@example.com",
        name="Bob",
        role=Role.agent,
        password="secret-pass",
        department_ids=[support.id],
    )
    cleo = await staff.create_user(
        hub,
        email="cleo@example.com",
        name="Cleo",
        role=Role.agent,
        password="secret-pass",
        department_ids=[support.id],
    )
    client = Client(name="Olga")
    await store.clients.create(client)
    return {"hub": hub, "support": support, "anna": anna, "bob": bob, "cleo": cleo, "client": client}


async def kinds_for(store, user_id: str) -> list[str]:
    return [n.kind for n in reversed(await store.notifications.page(user_id, limit=100))]


async def test_two_workers_send_each_notice_once(setup, settings, stores, clock):
    a = setup["hub"]
    b = make_hub(await stores(), settings, clock)
    task = await create_task(
        a, None, title="Call back", client_id=setup["client"].id, assignee_id=setup["anna"].id,
        due_at=T0 + timedelta(minutes=20),
    )  # fmt: skip
    assert (task.next_notice, task.next_notice_at) == (NoticeKind.reminder, T0 + timedelta(minutes=5))
    workers = [TaskTimers(a), TaskTimers(b)]
    assert [await w.run_due() for w in workers] == [0, 0]  # nothing is due yet
    clock.advance(5 * MINUTE)  # the reminder's time (15 minutes before due)
    for _round in range(3):
        assert sum(await asyncio.gather(*(w.run_due() for w in workers))) == (1 if _round == 0 else 0)
    assert await kinds_for(a.store, setup["anna"].id) == ["task_assigned", "task_due"]
    clock.advance(15 * MINUTE)  # due: the overdue notice
    for _round in range(3):
        assert sum(await asyncio.gather(*(w.run_due() for w in workers))) == (1 if _round == 0 else 0)
    assert await kinds_for(a.store, setup["anna"].id) == ["task_assigned", "task_due", "task_overdue"]
    published = [e.notification.kind for h in (a, b) for e in h.recorded.of(NotificationCreated)]
    assert sorted(published) == [
        "task_assigned",
        "task_due",
        "task_overdue",
    ]  # one event each, from whichever worker sent it
    after = await a.store.tasks.get(task.id)
    assert after.notices_sent == [notice_key("reminder", after.due_at), notice_key("overdue", after.due_at)]
    assert after.next_notice is None and await a.store.tasks.next_notice_at(now=clock()) is None


async def test_the_running_timers_fire_once_at_the_nearest_due_time(setup, settings, stores, clock):
    """The loops: each sleeps until the nearest notice and is woken early by task changes (a moved clock here)."""
    a = setup["hub"]
    b = make_hub(await stores(), settings, clock)
    workers = [TaskTimers(a), TaskTimers(b)]
    for w in workers:
        await w.start()
    try:
        # a department task: the notices go to its members
        task = await create_task(
            a, setup["anna"], title="Ring the courier", client_id=setup["client"].id,
            department_id=setup["support"].id, due_at=T0 + timedelta(minutes=20),
        )  # fmt: skip
        clock.advance(5 * MINUTE)  # the reminder's time
        for w in workers:
            w.wake()

        async def everyone_got(kind: str) -> bool:
            return all([kind in await kinds_for(a.store, u.id) for u in (setup["bob"], setup["cleo"])])

        async def reminded():
            return await everyone_got("task_due")

        await eventually(reminded, what="the reminder for both members")
        clock.advance(15 * MINUTE)  # the due time
        for w in workers:
            w.wake()

        async def overdue_sent():
            return (
                await everyone_got("task_overdue") and (await a.store.tasks.get(task.id)).next_notice is None
            )

        await eventually(overdue_sent, what="the overdue notice for both members")
        for user in (setup["bob"], setup["cleo"]):
            assert await kinds_for(a.store, user.id) == ["task_assigned", "task_due", "task_overdue"]
        assert await kinds_for(a.store, setup["anna"].id) == []  # not a member; the creator is not notified
        assert sum(w.sent for w in workers) == 2  # one reminder, one overdue notice, each by one worker
    finally:
        for w in workers:
            await w.stop()


async def test_a_worker_stopped_before_due_sends_the_notice_once_when_restarted(
    setup, settings, stores, clock
):
    a = setup["hub"]
    first = TaskTimers(a)
    await first.start()
    task = await create_task(
        a, None, title="Send the contract", client_id=setup["client"].id, assignee_id=setup["anna"].id,
        due_at=T0 + timedelta(hours=2),
    )  # fmt: skip
    await asyncio.sleep(0.05)  # its timer looked at the store and sleeps until the reminder
    await (
        first.stop()
    )  # the hub process stops long before the reminder (its connection is closed at teardown)
    clock.advance(3 * 60 * MINUTE)  # it is down while the reminder's and the due time pass
    restarted = make_hub(await stores(), settings, clock)
    second = TaskTimers(restarted)
    await second.start()
    try:

        async def settled():
            found = await restarted.store.tasks.get(task.id)
            return found if found.next_notice is None else None

        after = await eventually(settled, what="the notices after the restart")
    finally:
        await second.stop()
    # the late reminder gives way to the overdue notice: one notice, not two stale ones
    assert await kinds_for(restarted.store, setup["anna"].id) == ["task_assigned", "task_overdue"]
    assert after.notices_sent == [
        f"{notice_key('reminder', after.due_at)}:skipped",
        notice_key("overdue", after.due_at),
    ]
    # and a third start sends nothing again
    assert await TaskTimers(make_hub(await stores(), settings, clock)).run_due() == 0


async def test_a_new_due_time_re_arms_and_done_disarms(setup, clock):
    hub = setup["hub"]
    worker = TaskTimers(hub)
    task = await create_task(
        hub, None, title="Call back", client_id=setup["client"].id, assignee_id=setup["anna"].id,
        due_at=T0 + timedelta(minutes=5),
    )  # fmt: skip
    clock.advance(5 * MINUTE)
    assert await worker.run_due() == 1  # the reminder, late, gives way to the overdue notice
    moved = await update_task(hub, setup["anna"], task.id, due_at=clock() + timedelta(minutes=30))
    assert moved.next_notice is NoticeKind.reminder  # a new due time is a new pair of notices
    clock.advance(15 * MINUTE)
    assert await worker.run_due() == 1
    done = await update_task(hub, setup["anna"], task.id, status="done")
    assert done.next_notice is None and done.next_notice_at is None
    clock.advance(60 * MINUTE)
    assert await worker.run_due() == 0
    assert await kinds_for(hub.store, setup["anna"].id) == [
        "task_assigned",
        "task_overdue",
        "task_due",
    ]


async def test_a_crashed_holder_is_replaced_and_still_each_user_gets_the_notice_once(
    setup, settings, stores, clock
):
    """A worker that claimed a notice and stored it, then died before recording it as sent: after its lease runs
    out another worker sends it again, and the per-notice dedupe keeps one notification per user."""
    a = setup["hub"]
    task = await create_task(
        a, None, title="Call back", client_id=setup["client"].id, department_id=setup["support"].id,
        due_at=T0 + timedelta(minutes=1),
    )  # fmt: skip
    clock.advance(MINUTE)
    crashing = TaskTimers(a)

    async def crash(*_args, **_kwargs):
        raise RuntimeError("the process died here")

    a.store.tasks.complete_notice, original = crash, a.store.tasks.complete_notice  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            await crashing.run_due()
    finally:
        a.store.tasks.complete_notice = original  # type: ignore[method-assign]
    other = TaskTimers(make_hub(await stores(), settings, clock))
    assert await other.run_due() == 0  # the lease is still running
    clock.advance(31)  # the lease (30 s) ran out
    await other.run_due()
    for user in (setup["bob"], setup["cleo"]):
        assert (await kinds_for(a.store, user.id)).count("task_overdue") == 1
    assert (await a.store.tasks.get(task.id)).next_notice is None
