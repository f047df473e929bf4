"""Store contract: tasks (filters, the policy's task scope compiled into the query, cursor pages, the notice timer's
index and its claim with a lease) and the notification centre (dedupe, pages, unread counts, read marks). Every
test runs on both adapters."""

from __future__ import annotations

import asyncio

import pytest
from store_factories import at, conversation

from hub.domain_tasks import ChecklistItem, NoticeKind, Notification, Task, TaskStatus
from hub.store.port import Cursor, Scope, TaskQuery, TaskScope


def task(client_id: str = "c1", seconds: float = 0, **kw) -> Task:
    kw.setdefault("title", "Call back")
    return Task(client_id=client_id, created_at=at(seconds), updated_at=at(seconds), **kw)


async def ids(store, **query) -> list[str]:
    return [t.id for t in await store.tasks.query(TaskQuery(**query))]


async def test_a_task_round_trips_and_updates_in_place(store):
    t = task(
        due_at=at(3600),
        watchers=["u2"],
        checklist=[ChecklistItem(text="find the order")],
        meta={"phone": "+79161234567"},
        kind="callback",
    )
    await store.tasks.create(t)
    assert await store.tasks.get(t.id) == t
    changed = await store.tasks.update(
        t.id,
        {
            "status": TaskStatus.done,
            "assignee_id": "u1",
            "due_at": None,
            "checklist": [ChecklistItem(text="find the order", done=True)],
            "updated_at": at(10),
        },
    )
    assert changed.status is TaskStatus.done and changed.assignee_id == "u1" and changed.due_at is None
    assert changed.checklist[0].done and changed.updated_at == at(10)
    assert await store.tasks.get(t.id) == changed
    assert await ids(store, assignee_id="u1") == [t.id]
    assert await ids(store, statuses=(TaskStatus.open,)) == []
    assert await store.tasks.update("missing", {"title": "x"}) is None
    with pytest.raises(ValueError):
        await store.tasks.update(t.id, {"client_id": "c2"})


async def test_filters_and_pages(store):
    a = task(seconds=1, assignee_id="u1", due_at=at(100))
    b = task(seconds=2, department_id="d1", due_at=at(300))
    c = task("c2", seconds=3, assignee_id="u1", status=TaskStatus.in_progress)
    for t in (a, b, c):
        await store.tasks.create(t)
    assert await ids(store) == [c.id, b.id, a.id]
    assert await ids(store, assignee_id="u1") == [c.id, a.id]
    assert await ids(store, department_id="d1") == [b.id]
    assert await ids(store, client_id="c1") == [b.id, a.id]
    assert await ids(store, due_before=at(200)) == [a.id]  # c has no due time: never "due before"
    assert await ids(store, statuses=(TaskStatus.open, TaskStatus.in_progress)) == [c.id, b.id, a.id]
    assert await ids(store, statuses=(TaskStatus.in_progress,)) == [c.id]
    first = await store.tasks.query(TaskQuery(limit=2))
    rest = await store.tasks.query(TaskQuery(limit=2, before=Cursor(first[-1].created_at, first[-1].id)))
    assert [t.id for t in first + rest] == [c.id, b.id, a.id]


async def test_the_task_scope_is_compiled_into_the_query(store):
    sales, _ = await store.conversations.get_or_create(conversation("c1", department_id="sales"))
    unrouted, _ = await store.conversations.get_or_create(conversation("c1"))
    mine = task(seconds=1, assignee_id="me")
    dept = task(seconds=2, department_id="support")
    created = task(seconds=3, created_by="me")
    watched = task(seconds=4, watchers=["x", "me"])
    on_sales = task(seconds=5, conversation_id=sales.id)
    on_unrouted = task(seconds=6, conversation_id=unrouted.id)
    hidden = task(seconds=7, assignee_id="other", department_id="sales", created_by="other")
    for t in (mine, dept, created, watched, on_sales, on_unrouted, hidden):
        await store.tasks.create(t)
    scope = TaskScope(
        assignee_id="me",
        department_ids=("support",),
        member_id="me",
        conversation_scope=Scope(department_ids=("support",), user_id="me", unrouted=True),
    )
    visible = [on_unrouted.id, watched.id, created.id, dept.id, mine.id]
    assert await ids(store, scope=scope) == visible
    assert await ids(store, scope=scope, limit=2) == visible[:2]  # a full page, filtered in the query
    assert await ids(store, scope=TaskScope()) == []  # an empty scope allows nothing
    in_sales = TaskScope(conversation_scope=Scope(department_ids=("sales",)))
    assert await ids(store, scope=in_sales) == [on_sales.id]
    assert await ids(store, scope=TaskScope(assignee_id="me", department_ids=("support",))) == [
        dept.id,
        mine.id,
    ]


async def test_the_notice_timer_reads_the_earliest_due_notice(store):
    later = task(seconds=1, due_at=at(900), next_notice=NoticeKind.reminder, next_notice_at=at(600))
    sooner = task(seconds=2, due_at=at(300), next_notice=NoticeKind.overdue, next_notice_at=at(300))
    idle = task(seconds=3, due_at=at(100))  # no pending notice
    for t in (later, sooner, idle):
        await store.tasks.create(t)
    assert await store.tasks.next_notice_at(now=at(0)) == at(300)
    assert await store.tasks.due_notices(now=at(299)) == []
    assert [t.id for t in await store.tasks.due_notices(now=at(600))] == [sooner.id, later.id]
    # a running lease hides the task from the timer until it runs out
    assert await store.tasks.claim_notice(
        sooner.id, NoticeKind.overdue, at(300), now=at(301), lease_until=at(331)
    )
    assert await store.tasks.due_notices(now=at(320)) == []
    assert await store.tasks.next_notice_at(now=at(320)) == at(600)
    assert [t.id for t in await store.tasks.due_notices(now=at(331))] == [sooner.id]  # the lease ran out


async def test_a_notice_is_claimed_once_and_completed_once(store):
    t = task(due_at=at(900), next_notice=NoticeKind.reminder, next_notice_at=at(600))
    await store.tasks.create(t)
    # not before its time, and only the pending notice
    assert (
        await store.tasks.claim_notice(t.id, NoticeKind.reminder, at(600), now=at(599), lease_until=at(630))
        is None
    )
    assert (
        await store.tasks.claim_notice(t.id, NoticeKind.overdue, at(600), now=at(700), lease_until=at(730))
        is None
    )
    claims = await asyncio.gather(
        *(
            store.tasks.claim_notice(t.id, NoticeKind.reminder, at(600), now=at(601), lease_until=at(631))
            for _ in range(8)
        )
    )
    assert sum(c is not None for c in claims) == 1
    # after the lease runs out (the holder crashed) someone else may claim it again
    assert (
        await store.tasks.claim_notice(t.id, NoticeKind.reminder, at(600), now=at(620), lease_until=at(650))
        is None
    )
    assert await store.tasks.claim_notice(
        t.id, NoticeKind.reminder, at(600), now=at(631), lease_until=at(661)
    )
    done = await store.tasks.complete_notice(
        t.id, NoticeKind.reminder, at(600), sent="reminder@x", next_kind=NoticeKind.overdue, next_at=at(900)
    )
    assert done.notices_sent == ["reminder@x"] and done.next_notice is NoticeKind.overdue
    assert done.next_notice_at == at(900) and done.notice_lease_until is None
    again = await store.tasks.complete_notice(
        t.id, NoticeKind.reminder, at(600), sent="reminder@x", next_kind=NoticeKind.overdue, next_at=at(900)
    )
    assert again is None  # no longer the pending notice: nothing recorded twice
    assert (await store.tasks.get(t.id)).notices_sent == ["reminder@x"]
    finished = await store.tasks.complete_notice(
        t.id, NoticeKind.overdue, at(900), sent="overdue@x", next_kind=None, next_at=None
    )
    assert finished.next_notice is None and finished.notices_sent == ["reminder@x", "overdue@x"]
    assert await store.tasks.next_notice_at(now=at(0)) is None


async def test_a_rescheduled_task_keeps_its_new_schedule(store):
    t = task(due_at=at(900), next_notice=NoticeKind.overdue, next_notice_at=at(900))
    await store.tasks.create(t)
    assert await store.tasks.claim_notice(t.id, NoticeKind.overdue, at(900), now=at(901), lease_until=at(931))
    await store.tasks.update(
        t.id, {"due_at": at(2000), "next_notice": NoticeKind.overdue, "next_notice_at": at(2000)}
    )
    stale = await store.tasks.complete_notice(
        t.id, NoticeKind.overdue, at(900), sent="overdue@old", next_kind=None, next_at=None
    )
    assert stale is None
    assert (await store.tasks.get(t.id)).next_notice_at == at(2000)


async def test_tasks_follow_a_client_merge(store):
    t = task("old")
    await store.tasks.create(t)
    await store.tasks.reassign_client("old", "kept")
    assert (await store.tasks.get(t.id)).client_id == "kept"
    assert await ids(store, client_id="kept") == [t.id]


# --- notifications ------------------------------------------------------------------------------------------------


def note(user_id: str, seconds: float, **kw) -> Notification:
    kw.setdefault("kind", "task_due")
    return Notification(user_id=user_id, created_at=at(seconds), **kw)


async def test_a_notice_is_stored_once_per_dedupe_key(store):
    first = note("u1", 1, dedupe_key="task:t1:reminder|u1", params={"title": "Call"})
    assert await store.notifications.insert(first) is True
    assert await store.notifications.insert(note("u1", 2, dedupe_key="task:t1:reminder|u1")) is False
    assert await store.notifications.get(first.id) == first
    assert [n.id for n in await store.notifications.page("u1")] == [first.id]


async def test_pages_unread_counts_and_read_marks(store):
    mine = [note("u1", s) for s in (1, 2, 3)]
    theirs = note("u2", 4)
    for n in (*mine, theirs):
        assert await store.notifications.insert(n)
    page = await store.notifications.page("u1", limit=2)
    assert [n.id for n in page] == [mine[2].id, mine[1].id]
    rest = await store.notifications.page("u1", limit=2, before=Cursor(page[-1].created_at, page[-1].id))
    assert [n.id for n in rest] == [mine[0].id]
    assert await store.notifications.unread_count("u1") == 3
    # someone else's id changes nothing; an id twice counts once
    assert await store.notifications.mark_read("u1", [mine[0].id, mine[0].id, theirs.id], at=at(10)) == 1
    assert await store.notifications.unread_count("u1") == 2
    assert await store.notifications.unread_count("u2") == 1
    assert (await store.notifications.get(mine[0].id)).read_at == at(10)
    assert [n.id for n in await store.notifications.page("u1", unread_only=True)] == [mine[2].id, mine[1].id]
    assert await store.notifications.mark_read("u1", [], at=at(11)) == 0
    assert await store.notifications.mark_read("u1", None, at=at(12)) == 2
    assert await store.notifications.unread_count("u1") == 0
    assert await store.notifications.mark_read("u1", None, at=at(13)) == 0
    assert (await store.notifications.get(mine[0].id)).read_at == at(10)  # read once, when first read
