"""SQLite: the full-text index follows the timeline behind it (hub.store.sqlite.search.FtsFollower), and a search
still finds every entry stored before it: edits, deletions and back-fills on either side of the follow-up, and a
file whose old insert trigger indexed its entries (nothing indexed twice)."""

from __future__ import annotations

import asyncio

import pytest
from store_factories import at, entry

from hub.search_terms import parse_query
from hub.store.sqlite import open_sqlite_store
from hub.store.sqlite.search import FOLLOW_EVERY


@pytest.fixture
async def sqlite(tmp_path):
    store = await open_sqlite_store(tmp_path / "hub.db")
    try:
        yield store
    finally:
        await store.close()


async def find(store, q: str, limit: int = 50) -> list[str]:
    query = parse_query(q)
    return [e.text for e in await store.search.entries(query.whole, query.prefix, limit=limit)]


async def fts_rows(store) -> list[int]:
    return [
        r[0] for r in await store.search.db.execute_fetchall("SELECT rowid FROM entry_fts ORDER BY rowid")
    ]


async def test_an_entry_is_found_the_moment_it_is_stored_though_its_index_row_is_not_written_yet(sqlite):
    first = entry("c1", conversation_id="k1", text="заказ не пришёл", occurred_at=at(1))
    await sqlite.timeline.insert(first)
    assert await fts_rows(sqlite) == []  # behind: the insert wrote no index row

    assert await find(sqlite, "заказ") == ["заказ не пришёл"]
    assert await fts_rows(sqlite) == [first.seq]  # the search brought it up to date first


async def test_a_sustained_stream_is_followed_in_batches_and_each_entry_indexed_once(sqlite):
    count = FOLLOW_EVERY * 2 + 17
    for start in range(0, count, 10):  # a stream: ten at a time, each ten stored before the next arrive
        await asyncio.gather(
            *(
                sqlite.timeline.insert(
                    entry("c1", conversation_id="k1", text=f"parcel {i} word{i}", occurred_at=at(i))
                )
                for i in range(start, min(start + 10, count))
            )
        )
    behind = await fts_rows(sqlite)
    assert FOLLOW_EVERY <= len(behind) < count  # followed up while the stream went on, not per entry
    assert await find(sqlite, f"word{count - 1}") == [f"parcel {count - 1} word{count - 1}"]
    rows = await fts_rows(sqlite)
    assert len(rows) == len(set(rows)) == count
    assert await find(sqlite, "word0") == ["parcel 0 word0"]


async def test_edits_and_deletions_on_either_side_of_the_follow_up(sqlite):
    followed = entry("c1", conversation_id="k1", text="старый адрес", occurred_at=at(1))
    await sqlite.timeline.insert(followed)
    assert await find(sqlite, "адрес") == ["старый адрес"]  # now followed
    pending = entry("c1", conversation_id="k1", text="первый вариант", occurred_at=at(2))
    doomed = entry("c1", conversation_id="k1", text="удалить вариант", occurred_at=at(3))
    await sqlite.timeline.insert(pending)
    await sqlite.timeline.insert(doomed)

    await sqlite.timeline.update_content(followed.id, text="новый адрес", html=None, meta={})
    await sqlite.timeline.update_content(pending.id, text="исправленный текст", html=None, meta={})
    await sqlite.search.db.execute("DELETE FROM timeline WHERE id = ?", (doomed.id,))

    assert await find(sqlite, "старый") == []
    assert await find(sqlite, "адрес") == ["новый адрес"]
    assert await find(sqlite, "вариант") == []
    assert await find(sqlite, "исправлен") == ["исправленный текст"]
    assert await fts_rows(sqlite) == sorted([followed.seq, pending.seq])


async def test_a_file_indexed_by_the_old_insert_trigger_is_not_indexed_twice(tmp_path):
    path = tmp_path / "hub.db"
    store = await open_sqlite_store(path)
    db = store.search.db
    # the previous release: an insert trigger wrote each entry's index row, no follow-up position
    await db.execute("DROP TABLE entry_fts_state")
    await db.execute(
        "CREATE TRIGGER timeline_fts_ai AFTER INSERT ON timeline WHEN NEW.search_terms <> '' BEGIN "
        "INSERT INTO entry_fts(rowid, terms) VALUES (NEW.seq, NEW.search_terms); END"
    )
    old = [entry("c1", conversation_id="k1", text=f"invoice {i}", occurred_at=at(i)) for i in range(3)]
    for e in old:
        await db.execute(*await _old_insert(e))
    await store.close()

    store = await open_sqlite_store(path)  # the upgrade
    try:
        await store.timeline.insert(entry("c1", conversation_id="k1", text="invoice new", occurred_at=at(9)))
        assert sorted(await find(store, "invoice")) == ["invoice 0", "invoice 1", "invoice 2", "invoice new"]
        rows = await fts_rows(store)
        assert len(rows) == len(set(rows)) == 4
    finally:
        await store.close()


async def _old_insert(e):
    from hub.store.sqlite.timeline import insert_statement

    return await insert_statement(e, None)
