"""SQLite: the WAL is copied into the database file by a thread of its own (hub.store.sqlite.checkpoint), not by
the writer inside its commits; closing the store stops that thread and leaves no WAL behind."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading

import pytest
from store_factories import at, entry

from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite.checkpoint import WRITER_AUTOCHECKPOINT


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hub-sqlite-checkpoint"]


def _entries_in_file_alone(db, copy) -> int:
    """The timeline rows of a copy of the database file without its WAL (what a naive file copy keeps)."""
    shutil.copyfile(db, copy)
    conn = sqlite3.connect(copy)
    try:
        return conn.execute("SELECT count(*) FROM timeline").fetchone()[0]
    except sqlite3.DatabaseError:  # a copy taken in the middle of a pass
        return -1
    finally:
        conn.close()


async def test_committed_entries_reach_the_database_file_while_the_writer_leaves_checkpoints_alone(tmp_path):
    db = tmp_path / "hub.db"
    store = await open_sqlite_store(db)
    try:
        (threshold,) = (await store.timeline.db.execute_fetchall("PRAGMA wal_autocheckpoint"))[0]
        assert threshold == WRITER_AUTOCHECKPOINT  # the writer's own: far beyond these few pages
        await asyncio.gather(
            *(
                store.timeline.insert(entry("c1", conversation_id="k1", text=f"m{i}", occurred_at=at(i)))
                for i in range(300)
            )
        )
        copied = -1
        for _ in range(200):  # a pass every 0.1 s
            copied = await asyncio.to_thread(_entries_in_file_alone, db, tmp_path / "copy.db")
            if copied == 300:
                break
            await asyncio.sleep(0.05)
        assert copied == 300
    finally:
        await store.close()


async def test_closing_the_store_stops_its_checkpoint_thread_and_removes_the_wal(tmp_path):
    before = len(_checkpoint_threads())
    store = await open_sqlite_store(tmp_path / "hub.db")
    assert len(_checkpoint_threads()) == before + 1
    await store.timeline.insert(entry("c1", conversation_id="k1", text="hello", occurred_at=at(1)))
    assert (tmp_path / "hub.db-wal").exists()
    await store.close()
    assert len(_checkpoint_threads()) == before
    assert not (tmp_path / "hub.db-wal").exists()
    reopened = await open_sqlite_store(tmp_path / "hub.db")
    try:
        assert [e.text for e in await reopened.timeline.page("c1")] == ["hello"]
    finally:
        await reopened.close()


@pytest.mark.parametrize("path", [":memory:"])
async def test_an_in_memory_store_has_no_checkpoint_thread(path):
    before = len(_checkpoint_threads())
    store = await open_sqlite_store(path)
    try:
        assert len(_checkpoint_threads()) == before
    finally:
        await store.close()
