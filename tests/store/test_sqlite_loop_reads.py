"""SQLite point reads on the event loop's thread (Batcher.read_now, a second read-only connection): a caller reads
what it awaited before, without a trip to aiosqlite's thread; when the reader cannot answer the read goes through
the thread as before."""

from __future__ import annotations

import sqlite3

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
        real, batcher.reader = batcher.reader, broken  # a closed connection: ProgrammingError on use
        try:
            trips = batcher.batches
            assert (await store.users.get(u.id)).name == "Anna"
            assert await store.inbound.lookup("telegram:m1", [telegram(1)], "telegram", "t") is not None
            assert batcher.batches == trips + 2
        finally:
            batcher.reader = real
    finally:
        await store.close()
    assert batcher.reader is None  # closed with the store


async def test_an_in_memory_store_has_no_reader_and_reads_all_the_same():
    store = await open_sqlite_store(":memory:")
    try:
        assert batcher_of(store.users.db).reader is None
        u = user("a@example.com", "Anna")
        await store.users.create(u)
        assert (await store.users.get(u.id)).name == "Anna"
    finally:
        await store.close()
