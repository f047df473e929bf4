"""SQLite point reads on a thread of their own (Batcher.read, hub.store.sqlite.reader: a second, read-only
connection): a caller reads what it awaited before, without a trip to aiosqlite's thread; reads that arrive
together share one read transaction; when the reader cannot answer the read goes through aiosqlite's thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

from store_factories import client, conversation, telegram, user

from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite.batch import batcher_of


async def test_a_point_read_sees_the_awaited_write_without_a_trip_to_the_thread(tmp_path):
    store = await open_sqlite_store(tmp_path / "hub.db")
    try:
        batcher = batcher_of(store.users.db)
        assert batcher.reader is not None
        u = user("a@example.com", "Anna")
        await store.users.create(u)
        trips = batcher.batches
        assert (await store.users.get(u.id)).name == "Anna"
        assert batcher.batches == trips
        await store.users.update(u.id, {"name": "Anna K."})
        trips = batcher.batches
        assert (await store.users.get(u.id)).name == "Anna K."  # the other connection sees the commit
        assert batcher.batches == trips
        c = client("Иван", telegram(1))
        await store.clients.create(c)
        await store.identities.claim(telegram(1), c.id)
        conv, _ = await store.conversations.get_or_create(conversation(c.id, thread_key="t"))
        trips = batcher.batches
        found = await store.inbound.lookup("telegram:m1", [telegram(1)], "telegram", "t")
        assert found.conversation.id == conv.id
        assert batcher.batches == trips  # neither read went to aiosqlite's thread
    finally:
        await store.close()


async def test_without_a_usable_reader_reads_go_through_the_thread(tmp_path):
    store = await open_sqlite_store(tmp_path / "hub.db")
    try:
        batcher = batcher_of(store.users.db)
        u = user("a@example.com", "Anna")
        await store.users.create(u)
        broken = sqlite3.connect(tmp_path / "hub.db")
        broken.close()
        real, batcher.reader.conn = (
            batcher.reader.conn,
            broken,
        )  # a closed connection: ProgrammingError on use
        try:
            trips = batcher.batches
            assert (await store.users.get(u.id)).name == "Anna"
            assert await store.inbound.lookup("telegram:m1", [telegram(1)], "telegram", "t") is not None
            assert batcher.batches == trips + 2
        finally:
            batcher.reader.conn = real
    finally:
        await store.close()
    assert batcher.reader is None  # closed with the store
    assert "hub-sqlite-reader" not in [t.name for t in threading.enumerate()]


async def test_reads_that_arrive_together_share_one_read_transaction_and_each_gets_its_own_answer(tmp_path):
    store = await open_sqlite_store(tmp_path / "hub.db")
    try:
        batcher = batcher_of(store.users.db)
        users = [user(f"u{i}@example.com", f"User {i}") for i in range(40)]
        for u in users:
            await store.users.create(u)
        reads, trips = batcher.reader.batches, batcher.batches
        got = await asyncio.gather(*(store.users.get(u.id) for u in users))
        assert [g.name for g in got] == [u.name for u in users]
        assert batcher.batches == trips  # none went to aiosqlite's thread
        assert batcher.reader.batches - reads < len(users)  # the reads that queued up went together
        missing = await asyncio.gather(
            store.users.get("000000000000000000000000"), store.users.get(users[0].id)
        )
        assert missing[0] is None and missing[1].name == "User 0"
    finally:
        await store.close()


async def test_an_in_memory_store_has_no_reader_and_reads_all_the_same():
    store = await open_sqlite_store(":memory:")
    try:
        assert batcher_of(store.users.db).reader is None
        u = user("a@example.com", "Anna")
        await store.users.create(u)
        assert (await store.users.get(u.id)).name == "Anna"
    finally:
        await store.close()
