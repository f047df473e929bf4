"""SQLite group commit (hub.store.sqlite.batch): concurrent callers' statements share one trip to aiosqlite's thread
and one transaction, yet each caller sees what it would alone: its own result, its own failure, and a write that
another process can read as soon as its await returns."""

from __future__ import annotations

import asyncio
import sqlite3

from store_factories import client, conversation, entry, phone

from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite.batch import batcher_of


async def test_concurrent_inserts_share_one_transaction_and_a_duplicate_fails_alone(tmp_path):
    path = tmp_path / "hub.db"
    store = await open_sqlite_store(path)
    try:
        c = client("Анна", phone("+79160000001"))
        await store.clients.create(c)
        conv, _ = await store.conversations.get_or_create(conversation(c.id))
        entries = [entry(c.id, conversation_id=conv.id, provider_id=f"p{i}") for i in range(20)]
        twin = entry(
            c.id, conversation_id=conv.id, provider_id="p7"
        )  # the same provider message as entries[7]
        batcher = batcher_of(store.timeline.db)
        trips = batcher.batches

        stored = await asyncio.gather(*(store.timeline.insert(e) for e in [*entries, twin]))

        assert stored == [True] * 20 + [False]  # the duplicate is refused, the 20 others are kept
        assert 1 <= batcher.batches - trips < 21  # they did not go one by one
        # another connection (another process) reads every one of them: committed before the awaits returned
        with sqlite3.connect(path) as other:
            keys = {k for (k,) in other.execute("SELECT dedupe_key FROM timeline")}
        assert keys == {e.dedupe_key for e in entries}
        seqs = sorted(e.seq for e in entries)
        assert seqs == list(range(seqs[0], seqs[0] + 20))  # one arrival number each, none handed out twice
    finally:
        await store.close()


async def test_a_caller_reads_its_own_write_and_results_stay_with_their_callers(tmp_path):
    store = await open_sqlite_store(tmp_path / "hub.db")
    try:
        clients = [client(f"Client {i}", phone(f"+7916000{i:04d}")) for i in range(10)]

        async def create_then_read(c):
            await store.clients.create(c)
            return await store.clients.get(c.id)

        read = await asyncio.gather(*(create_then_read(c) for c in clients))

        assert [r.name for r in read] == [c.name for c in clients]
    finally:
        await store.close()


async def test_a_statement_submitted_after_close_fails_instead_of_hanging(tmp_path):
    store = await open_sqlite_store(tmp_path / "hub.db")
    await store.close()
    try:
        await asyncio.wait_for(store.clients.get("000000000000000000000000"), 5)
    except ValueError:
        pass  # aiosqlite: "Connection closed" / "no active connection"
    else:
        raise AssertionError("a closed store answered")


async def test_a_statement_python_cannot_bind_fails_alone_and_the_batch_still_commits(tmp_path):
    path = tmp_path / "hub.db"
    store = await open_sqlite_store(path)
    try:
        a, b = client("A", phone("+79160000011")), client("B", phone("+79160000012"))
        too_big = store.clients.run("UPDATE clients SET doc = doc WHERE rowid = ?", (2**70,))

        results = await asyncio.gather(
            store.clients.create(a), too_big, store.clients.create(b), return_exceptions=True
        )

        assert isinstance(results[1], OverflowError)
        assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
        with sqlite3.connect(path, timeout=1) as other:  # committed, and the write lock was let go
            names = {n for (n,) in other.execute("SELECT json_extract(doc, '$.name') FROM clients")}
            other.execute("UPDATE clients SET doc = doc")
        assert names == {"A", "B"}
    finally:
        await store.close()


async def test_a_failing_unit_among_others_undoes_only_its_own_statements(tmp_path):
    path = tmp_path / "hub.db"
    store = await open_sqlite_store(path)
    try:
        batcher = batcher_of(store.timeline.db)
        await store.timeline.db.execute("CREATE TABLE pairs (k TEXT PRIMARY KEY, half INTEGER)")

        def pair(key: str, fail: bool):
            def unit(conn):
                conn.execute("INSERT INTO pairs VALUES (?, 1)", (key,))
                if fail:
                    raise ValueError(f"{key} gave up halfway")
                conn.execute("INSERT INTO pairs VALUES (?, 2)", (key + "'",))
                return key

            return unit

        # the first unit goes alone (the thread is idle); the others queue up behind it and go as one batch
        results = await asyncio.gather(
            *(batcher.submit_unit(pair(f"k{i}", fail=i == 5), writes=True) for i in range(10)),
            return_exceptions=True,
        )
        assert [r if isinstance(r, str) else "failed" for r in results] == [
            "failed" if i == 5 else f"k{i}" for i in range(10)
        ]
        assert isinstance(results[5], ValueError)
        with sqlite3.connect(path) as other:
            kept = {k for (k,) in other.execute("SELECT k FROM pairs")}
        assert kept == {k for i in range(10) if i != 5 for k in (f"k{i}", f"k{i}'")}  # k5 left nothing
    finally:
        await store.close()
