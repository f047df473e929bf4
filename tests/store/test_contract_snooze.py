"""Store contract: snoozed conversations (ConversationRepo.due_wakes / next_wake_at / claim_wake / wake, and touch
waking a snoozed or pending one), on both adapters; an SQLite file from before snoozing gains the columns."""

from __future__ import annotations

import aiosqlite
from store_factories import T0, at, conversation

from hub.domain import ConversationStatus
from hub.store.sqlite import open_sqlite_store

SNOOZED = ConversationStatus.snoozed


async def snoozed(store, thread: str, until_s: float):
    conv, _ = await store.conversations.get_or_create(conversation("c1", thread_key=thread))
    return await store.conversations.update(conv.id, {"status": SNOOZED, "snoozed_until": at(until_s)})


async def test_snoozed_until_round_trips_and_clears(store):
    conv = await snoozed(store, "t", 60)
    assert conv.status is SNOOZED and conv.snoozed_until == at(60)
    assert (await store.conversations.get(conv.id)).snoozed_until == at(60)
    cleared = await store.conversations.update(
        conv.id, {"status": ConversationStatus.open, "snoozed_until": None}
    )
    assert cleared.snoozed_until is None and cleared.status is ConversationStatus.open
    assert await store.conversations.next_wake_at(now=T0) is None


async def test_due_wakes_and_next_wake_at_in_time_order(store):
    late = await snoozed(store, "late", 120)
    early = await snoozed(store, "early", 60)
    other, _ = await store.conversations.get_or_create(conversation("c1", thread_key="open"))
    assert other.snoozed_until is None
    assert await store.conversations.next_wake_at(now=T0) == at(60)
    assert await store.conversations.due_wakes(now=at(59)) == []
    assert [c.id for c in await store.conversations.due_wakes(now=at(60))] == [early.id]
    assert [c.id for c in await store.conversations.due_wakes(now=at(500))] == [early.id, late.id]
    assert [c.id for c in await store.conversations.due_wakes(now=at(500), limit=1)] == [early.id]


async def test_claim_wake_is_taken_once_and_its_lease_runs_out(store):
    conv = await snoozed(store, "t", 60)
    repo = store.conversations
    assert await repo.claim_wake(conv.id, at(60), now=at(59), lease_until=at(89)) is None  # not due yet
    assert await repo.claim_wake(conv.id, at(61), now=at(70), lease_until=at(100)) is None  # another time
    claimed = await repo.claim_wake(conv.id, at(60), now=at(60), lease_until=at(90))
    assert claimed is not None and claimed.status is SNOOZED
    assert await repo.claim_wake(conv.id, at(60), now=at(61), lease_until=at(91)) is None  # leased
    assert await repo.due_wakes(now=at(61)) == []  # a leased wake is not due
    assert await repo.next_wake_at(now=at(61)) is None
    assert [c.id for c in await repo.due_wakes(now=at(90))] == [conv.id]  # the holder crashed: free again
    assert await repo.claim_wake(conv.id, at(60), now=at(90), lease_until=at(120)) is not None


async def test_wake_opens_once(store):
    conv = await snoozed(store, "t", 60)
    woken = await store.conversations.wake(conv.id, at(60), now=at(61))
    assert woken.status is ConversationStatus.open and woken.snoozed_until is None
    assert woken.updated_at == at(61)
    assert await store.conversations.wake(conv.id, at(60), now=at(62)) is None
    assert await store.conversations.due_wakes(now=at(500)) == []


async def test_wake_of_a_resnoozed_conversation_does_nothing(store):
    conv = await snoozed(store, "t", 60)
    await store.conversations.update(conv.id, {"snoozed_until": at(600)})
    assert await store.conversations.wake(conv.id, at(60), now=at(61)) is None
    assert (await store.conversations.get(conv.id)).snoozed_until == at(600)


async def test_a_customer_message_wakes_a_snoozed_conversation(store):
    conv = await snoozed(store, "t", 60)
    touched = await store.conversations.touch(
        conv.id, at=at(10), preview="hi", inbound=True, reopen=True, now=at(10)
    )
    assert touched.status is ConversationStatus.open and touched.snoozed_until is None
    assert await store.conversations.due_wakes(now=at(500)) == []
    assert await store.conversations.claim_wake(conv.id, at(60), now=at(60), lease_until=at(90)) is None


async def test_a_customer_message_reopens_pending_but_an_agent_reply_keeps_it(store):
    conv, _ = await store.conversations.get_or_create(conversation("c1", thread_key="p"))
    await store.conversations.update(conv.id, {"status": ConversationStatus.pending})
    kept = await store.conversations.touch(
        conv.id, at=at(5), preview="out", inbound=False, reopen=False, now=at(5)
    )
    assert kept.status is ConversationStatus.pending
    touched = await store.conversations.touch(
        conv.id, at=at(10), preview="hi", inbound=True, reopen=True, now=at(10)
    )
    assert touched.status is ConversationStatus.open


async def test_snoozed_without_reopen_stays_snoozed(store):
    conv = await snoozed(store, "t", 60)
    touched = await store.conversations.touch(conv.id, at=at(10), preview="out", inbound=False, reopen=False)
    assert touched.status is SNOOZED and touched.snoozed_until == at(60)


_OLD_CONVERSATIONS = """
CREATE TABLE conversations (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, channel TEXT NOT NULL, thread_key TEXT NOT NULL,
    status TEXT NOT NULL, assignee_id TEXT, department_id TEXT, handler TEXT NOT NULL,
    bot_state TEXT NOT NULL DEFAULT '{}', subject TEXT NOT NULL DEFAULT '', unread INTEGER NOT NULL DEFAULT 0,
    last_message_at TEXT, last_message_preview TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, sort_at TEXT GENERATED ALWAYS AS (coalesce(last_message_at, created_at)) VIRTUAL,
    UNIQUE (client_id, channel, thread_key)
);
INSERT INTO conversations(id, client_id, channel, thread_key, status, handler, created_at, updated_at)
VALUES ('k1', 'c1', 'telegram', 't', 'snoozed', 'human', '2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123Z');
"""


async def test_sqlite_file_from_before_snoozing_gains_the_columns(tmp_path):
    path = tmp_path / "old.db"
    db = await aiosqlite.connect(str(path), isolation_level=None)
    await db.executescript(_OLD_CONVERSATIONS)
    await db.close()
    store = await open_sqlite_store(path)
    try:
        old = await store.conversations.get("k1")
        assert (
            old.status is SNOOZED and old.snoozed_until is None
        )  # snoozed with no time: never woken by a timer
        assert await store.conversations.next_wake_at(now=T0) is None
        await store.conversations.update("k1", {"snoozed_until": at(60)})
        assert [c.id for c in await store.conversations.due_wakes(now=at(60))] == ["k1"]
    finally:
        await store.close()
