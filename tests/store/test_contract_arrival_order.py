"""Store contract: TimelineEntry.seq, the arrival order, and TimelineRepo.since."""

from __future__ import annotations

import asyncio

import aiosqlite
from store_factories import at, entry, ids

from hub.store.sqlite import open_sqlite_store


async def test_insert_assigns_a_strictly_increasing_seq(store):
    entries = [entry("c1", conversation_id="k1", occurred_at=at(i)) for i in range(5)]
    for e in entries:
        assert e.seq is None
        assert await store.timeline.insert(e) is True
    seqs = [e.seq for e in entries]
    assert all(isinstance(s, int) for s in seqs)
    assert seqs == sorted(set(seqs))
    # stored with the entry
    for e in entries:
        assert (await store.timeline.get(e.id)).seq == e.seq


async def test_seq_is_unique_across_conversations_and_clients(store):
    entries = [entry(f"c{i % 3}", conversation_id=f"k{i % 2}") for i in range(6)]
    for e in entries:
        await store.timeline.insert(e)
    assert len({e.seq for e in entries}) == 6


async def test_concurrent_inserts_get_distinct_seqs(store):
    entries = [entry("c1", conversation_id="k1", provider_id=f"p{i}") for i in range(30)]
    assert all(await asyncio.gather(*(store.timeline.insert(e) for e in entries)))
    assert len({e.seq for e in entries}) == 30
    got = await store.timeline.since("k1", 0, limit=100)
    assert [e.seq for e in got] == sorted(e.seq for e in entries)


async def test_a_refused_duplicate_gets_no_seq(store):
    first = entry("c1", conversation_id="k1", provider_id="same")
    again = entry("c1", conversation_id="k1", provider_id="same")
    assert await store.timeline.insert(first) is True
    assert await store.timeline.insert(again) is False
    assert again.seq is None
    assert (await store.timeline.get_by_dedupe_key(first.dedupe_key)).seq == first.seq


async def test_since_orders_by_arrival_not_by_occurred_at(store):
    early = entry("c1", conversation_id="k1", occurred_at=at(10), text="early")
    later = entry("c1", conversation_id="k1", occurred_at=at(20), text="later")
    await store.timeline.insert(early)
    await store.timeline.insert(later)
    mark = later.seq
    # a late delivery: arrives now, but happened before both
    late = entry("c1", conversation_id="k1", occurred_at=at(1), text="late delivery")
    await store.timeline.insert(late)

    assert ids(await store.timeline.since("k1", mark)) == [late.id]
    assert ids(await store.timeline.since("k1", 0)) == [early.id, later.id, late.id]
    assert ids(await store.timeline.since("k1", early.seq)) == [later.id, late.id]
    # pages by occurred_at still put it last (oldest)
    assert ids(await store.timeline.conversation_page("k1"))[-1] == late.id


async def test_since_is_per_conversation_and_limited(store):
    mine = [entry("c1", conversation_id="k1") for _ in range(5)]
    other = entry("c1", conversation_id="k2")
    note = entry("c1")  # no conversation
    for e in [mine[0], other, *mine[1:], note]:
        await store.timeline.insert(e)
    assert ids(await store.timeline.since("k1", 0)) == ids(mine)
    assert ids(await store.timeline.since("k1", 0, limit=2)) == ids(mine[:2])
    assert ids(await store.timeline.since("k1", mine[1].seq, limit=2)) == ids(mine[2:4])
    assert await store.timeline.since("k1", mine[-1].seq) == []
    assert await store.timeline.since("nope", 0) == []


async def test_since_is_one_round_trip(store):
    await store.timeline.insert(entry("c1", conversation_id="k1"))
    before = store.stats.round_trips
    await store.timeline.since("k1", 0)
    assert store.stats.round_trips - before == 1


async def test_seq_survives_other_updates(store):
    e = entry("c1", conversation_id="k1")
    await store.timeline.insert(e)
    got = await store.timeline.update_content(e.id, text="edited", html=None, meta={"x": 1})
    assert got.seq == e.seq
    await store.timeline.reassign_client("c1", "c2")
    assert (await store.timeline.get(e.id)).seq == e.seq


# --- SQLite: files from before seq, and numbers never reused -------------------------------------------------------

_OLD_TIMELINE = """
CREATE TABLE timeline (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, conversation_id TEXT, dedupe_key TEXT NOT NULL UNIQUE,
    occurred_at TEXT NOT NULL, delivery_status TEXT, next_attempt_at TEXT, lease_until TEXT, doc TEXT NOT NULL
);
"""


async def _old_file(path, entries) -> None:
    db = await aiosqlite.connect(str(path), isolation_level=None)
    await db.executescript(_OLD_TIMELINE)
    for e in entries:
        await db.execute(
            "INSERT INTO timeline(id, client_id, conversation_id, dedupe_key, occurred_at, doc) VALUES (?,?,?,?,?,?)",
            (
                e.id,
                e.client_id,
                e.conversation_id,
                e.dedupe_key,
                e.occurred_at.isoformat(),
                e.model_dump_json(),
            ),
        )
    await db.close()


async def test_sqlite_file_from_before_seq_is_migrated_in_insertion_order(tmp_path):
    path = tmp_path / "old.db"
    # inserted in this order, with occurred_at in the opposite order
    old = [entry("c1", conversation_id="k1", occurred_at=at(10 - i), provider_id=f"o{i}") for i in range(3)]
    await _old_file(path, old)

    store = await open_sqlite_store(path)
    try:
        migrated = await store.timeline.since("k1", 0)
        assert ids(migrated) == ids(old)
        seqs = [e.seq for e in migrated]
        assert seqs == sorted(set(seqs)) and None not in seqs
        new = entry("c1", conversation_id="k1", provider_id="n1")
        await store.timeline.insert(new)
        assert new.seq > seqs[-1]
        assert ids(await store.timeline.since("k1", seqs[-1])) == [new.id]
    finally:
        await store.close()

    # opening again migrates nothing twice and keeps counting
    store = await open_sqlite_store(path)
    try:
        assert [e.seq for e in await store.timeline.since("k1", 0)] == [*seqs, new.seq]
        newer = entry("c1", conversation_id="k1", provider_id="n2")
        await store.timeline.insert(newer)
        assert newer.seq > new.seq
    finally:
        await store.close()


async def test_sqlite_seq_never_goes_backwards_after_deletes(tmp_path):
    path = tmp_path / "hub.db"
    store = await open_sqlite_store(path)
    try:
        a = entry("c1", conversation_id="k1")
        b = entry("c1", conversation_id="k1")
        await store.timeline.insert(a)
        await store.timeline.insert(b)
        await store.timeline.db.execute("DELETE FROM timeline WHERE id = ?", (b.id,))
        c = entry("c1", conversation_id="k1")
        await store.timeline.insert(c)
        assert c.seq > b.seq
    finally:
        await store.close()
    store = await open_sqlite_store(path)  # reopening does not rewind the counter either
    try:
        d = entry("c1", conversation_id="k1")
        await store.timeline.insert(d)
        assert d.seq > c.seq
    finally:
        await store.close()


async def test_sqlite_two_stores_on_one_file_share_the_sequence(tmp_path):
    path = tmp_path / "hub.db"
    one = await open_sqlite_store(path)
    two = await open_sqlite_store(path)
    try:
        seqs = []
        for i in range(6):
            e = entry("c1", conversation_id="k1", provider_id=f"p{i}")
            await (one if i % 2 else two).timeline.insert(e)
            seqs.append(e.seq)
        assert seqs == sorted(set(seqs))
    finally:
        await one.close()
        await two.close()


async def test_sqlite_file_from_before_scopes_filters_old_entries(tmp_path):
    from hub.domain import Author, AuthorType, Direction, EntryKind
    from hub.store.port import EntryScope

    path = tmp_path / "old.db"
    staff = Author(type=AuthorType.user, id="u1", name="Agent")
    message = entry("c1", conversation_id="k1", occurred_at=at(1))
    internal = entry("c1", kind=EntryKind.note, direction=Direction.internal, author=staff, occurred_at=at(2))
    shared = entry(
        "c1",
        kind=EntryKind.note,
        direction=Direction.internal,
        author=staff,
        meta={"shared_with_partners": True},
        occurred_at=at(3),
    )
    await _old_file(path, [message, internal, shared])
    store = await open_sqlite_store(path)
    try:
        got = await store.timeline.page("c1", scope=EntryScope(shared_only=True))
        assert ids(got) == [shared.id, message.id]
    finally:
        await store.close()
