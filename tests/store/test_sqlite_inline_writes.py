"""Quick items on the event loop's thread (hub.store.sqlite.batch): the ingest's point reads and writes by key run
on the loop, together, while everything else stays on aiosqlite's thread; the order of submission holds across the
two, another process's write lock never stalls the loop, the processes' batches take turns (the writer lock, whose
waiter the kernel wakes), and a write that would restart the WAL (an fdatasync)
goes to the thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from store_factories import client, conversation

from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite.batch import Batcher, batcher_of
from hub.store.sqlite.writer_lock import WriterLock


@pytest.fixture
def no_checkpoint_pauses(monkeypatch):
    """The checkpointer's passes do not send the next batch to the thread (they would, now and then, in the middle
    of a test about something else)."""
    monkeypatch.setattr(Batcher, "pause", lambda self: None)


def _insert(value: int):
    def write(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO scratch(x) VALUES (?)", (value,))
        return threading.get_ident()

    return write


async def _open(tmp_path):
    store = await open_sqlite_store(tmp_path / "hub.db")
    batcher = batcher_of(store.timeline.db)
    await batcher.submit("CREATE TABLE scratch(x INTEGER UNIQUE)", (), False)
    return store, batcher


async def test_quick_writes_run_together_on_the_loop_and_the_rest_on_aiosqlites_thread(
    tmp_path, no_checkpoint_pauses
):
    store, batcher = await _open(tmp_path)
    try:
        inline = batcher.inline_batches

        threads = await asyncio.gather(
            *(batcher.submit_unit(_insert(i), writes=True, quick=True) for i in range(20))
        )
        elsewhere = await batcher.submit_unit(_insert(100), writes=True)

        assert set(threads) == {threading.get_ident()}  # the loop's own thread
        assert batcher.inline_batches - inline == 1  # one batch for the twenty
        assert elsewhere != threading.get_ident()
        with sqlite3.connect(tmp_path / "hub.db") as other:  # committed when the awaits returned
            assert other.execute("SELECT count(*) FROM scratch").fetchone()[0] == 21
    finally:
        await store.close()


async def test_a_quick_write_that_fails_fails_alone(tmp_path, no_checkpoint_pauses):
    store, batcher = await _open(tmp_path)
    try:
        await batcher.submit_unit(_insert(7), writes=True)

        results = await asyncio.gather(
            *(batcher.submit_unit(_insert(i), writes=True, quick=True) for i in (6, 7, 8)),
            return_exceptions=True,
        )

        assert isinstance(results[1], sqlite3.IntegrityError)
        assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
        rows = await batcher.submit("SELECT x FROM scratch ORDER BY x", (), True)
        assert [x for (x,) in rows] == [6, 7, 8]
    finally:
        await store.close()


async def test_what_is_submitted_after_quick_items_runs_after_them(tmp_path, no_checkpoint_pauses):
    store, batcher = await _open(tmp_path)
    try:
        first = batcher.submit("INSERT INTO scratch(x) VALUES (1)", (), False, quick=True)
        count = batcher.submit("SELECT count(*) FROM scratch", (), True)  # not quick: the thread's

        assert await first == 1
        assert (await count)[0][0] == 1  # it saw the quick insert submitted before it
    finally:
        await store.close()


async def test_another_processs_write_lock_does_not_stall_the_loop_and_the_write_waits_for_it(
    tmp_path, no_checkpoint_pauses
):
    store, batcher = await _open(tmp_path)
    other = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another worker holds the write lock
        other.execute("INSERT INTO scratch(x) VALUES (1)")

        write = asyncio.ensure_future(batcher.submit_unit(_insert(2), writes=True, quick=True))
        started = time.monotonic()
        await asyncio.sleep(0.3)
        slept = time.monotonic() - started

        # the loop kept turning (the busy timeout of 5 s would have held it, then failed the write) ...
        assert slept < 2.0
        assert not write.done()  # ... and the write waits for the lock on aiosqlite's thread
        other.execute("COMMIT")
        assert await write != threading.get_ident()
        rows = await batcher.submit("SELECT x FROM scratch ORDER BY x", (), True)
        assert [x for (x,) in rows] == [1, 2]
    finally:
        other.close()
        await store.close()


async def test_a_write_waits_for_another_processs_writing_turn_without_stalling_the_loop(
    tmp_path, no_checkpoint_pauses
):
    store, batcher = await _open(tmp_path)
    turn = WriterLock(str(tmp_path / "hub.db"))  # what another worker's batcher takes around its batch
    try:
        assert turn.acquire()
        with sqlite3.connect(tmp_path / "hub.db", isolation_level=None) as other:
            other.execute("INSERT INTO scratch(x) VALUES (1)")  # (SQLite's own lock is free again after this)

        write = asyncio.ensure_future(batcher.submit_unit(_insert(2), writes=True, quick=True))
        started = time.monotonic()
        await asyncio.sleep(0.3)

        assert time.monotonic() - started < 2.0  # the loop kept turning
        assert not write.done()  # the write waits for the other's turn (on aiosqlite's thread) ...
        turn.release()
        assert await write != threading.get_ident()  # ... and runs once it is over
        rows = await batcher.submit("SELECT x FROM scratch ORDER BY x", (), True)
        assert [x for (x,) in rows] == [1, 2]
    finally:
        turn.close()
        await store.close()


async def test_a_write_that_would_restart_the_wal_goes_to_the_thread(tmp_path):
    store, batcher = await _open(tmp_path)
    try:
        c = client("Ольга")
        await store.clients.create(c)
        await store.conversations.get_or_create(conversation(c.id))  # a quick write, into the WAL
        batcher.pause_inline = False

        # the checkpointer's pass copies the whole WAL: the next write restarts it (and syncs its header)
        for _ in range(100):
            if batcher.pause_inline:
                break
            await asyncio.sleep(0.05)
        assert batcher.pause_inline

        restarting = await batcher.submit_unit(_insert(1), writes=True, quick=True)

        assert restarting != threading.get_ident()
    finally:
        await store.close()


async def test_an_ingests_conversation_write_runs_on_the_loop(tmp_path, no_checkpoint_pauses):
    store, batcher = await _open(tmp_path)
    try:
        c = client("Пётр")
        await store.clients.create(c)
        inline = batcher.inline_batches

        got, created = await store.conversations.get_or_create(conversation(c.id))

        assert created and got.client_id == c.id
        assert batcher.inline_batches == inline + 1
    finally:
        await store.close()
