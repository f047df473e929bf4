"""Store contract: what makes ingest repair itself — touch idempotent per entry, unsettled entries, settle leases."""

from __future__ import annotations

import asyncio

from store_factories import at, conversation, entry, ids

from hub.store.port import TOUCH_MEMORY


async def make(store):
    conv, _ = await store.conversations.get_or_create(conversation("c1"))
    return conv


async def touch(store, conv_id, entry_id, *, seconds=1, inbound=True):
    return await store.conversations.touch(
        conv_id,
        at=at(seconds),
        preview=f"p{seconds}",
        inbound=inbound,
        reopen=True,
        now=at(seconds),
        entry_id=entry_id,
    )


# --- touch(entry_id=...) ------------------------------------------------------------------------------------------


async def test_touch_applies_an_entry_once(store):
    conv = await make(store)
    first = await touch(store, conv.id, "e1")
    assert first is not None and first.unread == 1
    assert await touch(store, conv.id, "e1", seconds=5) is None
    got = await store.conversations.get(conv.id)
    assert got == first  # nothing changed: unread, preview, last_message_at, updated_at
    second = await touch(store, conv.id, "e2", seconds=2)
    assert second.unread == 2


async def test_touch_without_entry_id_always_applies(store):
    conv = await make(store)
    await store.conversations.touch(conv.id, at=at(1), preview="a", inbound=True, reopen=False)
    got = await store.conversations.touch(conv.id, at=at(1), preview="a", inbound=True, reopen=False)
    assert got.unread == 2


async def test_touch_concurrently_with_the_same_entry_applies_once(store):
    conv = await make(store)
    results = await asyncio.gather(*(touch(store, conv.id, "same") for _ in range(10)))
    assert sum(r is not None for r in results) == 1
    assert (await store.conversations.get(conv.id)).unread == 1


async def test_touch_remembers_the_last_entries(store):
    conv = await make(store)
    for i in range(TOUCH_MEMORY + 5):
        assert await touch(store, conv.id, f"e{i}") is not None
    # the newest TOUCH_MEMORY are remembered
    for i in range(5, TOUCH_MEMORY + 5, 7):
        assert await touch(store, conv.id, f"e{i}") is None
    assert (await store.conversations.get(conv.id)).unread == TOUCH_MEMORY + 5
    # the oldest fell out: the memory is bounded
    assert await touch(store, conv.id, "e0") is not None


async def test_touch_with_entry_id_on_missing_conversation_is_none(store):
    assert await touch(store, "000000000000000000000000", "e1") is None


# --- unsettled entries and the settle lease -----------------------------------------------------------------------


def unsettled(created: float, **kw):
    return entry("c1", conversation_id="k1", settled=False, created_at=at(created), **kw)


async def test_an_entry_is_settled_unless_said_otherwise(store):
    e = entry("c1")
    await store.timeline.insert(e)
    assert (await store.timeline.get(e.id)).settled is True
    assert await store.timeline.claim_settle(e.id, now=at(0), lease_until=at(30)) is None
    assert await store.timeline.settle(e.id) is False
    assert await store.timeline.unsettled(older_than=at(10_000)) == []


async def test_unsettled_lists_the_old_ones_oldest_first(store):
    old, older, young = unsettled(10), unsettled(5), unsettled(100)
    for e in (old, older, young, entry("c1", created_at=at(1))):
        await store.timeline.insert(e)
    assert (await store.timeline.get(old.id)).settled is False
    assert ids(await store.timeline.unsettled(older_than=at(50))) == [older.id, old.id]
    assert ids(await store.timeline.unsettled(older_than=at(50), limit=1)) == [older.id]
    assert await store.timeline.settle(older.id) is True
    assert ids(await store.timeline.unsettled(older_than=at(500))) == [old.id, young.id]
    assert (await store.timeline.get(older.id)).settled is True


async def test_settle_many_settles_the_unsettled_ones_in_one_write(store):
    first, second, done = unsettled(1), unsettled(2), entry("c1")
    for e in (first, second, done):
        await store.timeline.insert(e)
    assert await store.timeline.settle_many([first.id, second.id, done.id, first.id, "no-such-entry"]) == 2
    assert [(await store.timeline.get(e.id)).settled for e in (first, second, done)] == [True, True, True]
    assert await store.timeline.unsettled(older_than=at(10_000)) == []
    assert await store.timeline.settle_many([first.id]) == 0
    assert await store.timeline.settle_many([]) == 0


async def test_settle_many_takes_more_ids_than_one_statement_holds(store):
    many = [unsettled(i) for i in range(1_200)]
    for e in many:
        await store.timeline.insert(e)
    assert await store.timeline.settle_many([e.id for e in many]) == 1_200
    assert await store.timeline.unsettled(older_than=at(10_000), limit=10) == []


async def test_claim_settle_is_exclusive_while_the_lease_runs(store):
    e = unsettled(0)
    await store.timeline.insert(e)
    claimed = await store.timeline.claim_settle(e.id, now=at(1), lease_until=at(31))
    assert claimed is not None and claimed.id == e.id and claimed.settled is False
    assert await store.timeline.claim_settle(e.id, now=at(2), lease_until=at(32)) is None
    # the lease ran out: someone else may take over
    assert await store.timeline.claim_settle(e.id, now=at(31), lease_until=at(61)) is not None
    assert await store.timeline.settle(e.id) is True
    assert await store.timeline.claim_settle(e.id, now=at(100), lease_until=at(130)) is None
    assert await store.timeline.settle(e.id) is False


async def test_insert_with_a_lease_holds_off_other_claims(store):
    e = unsettled(0)
    await store.timeline.insert(e, lease_until=at(30))
    assert await store.timeline.claim_settle(e.id, now=at(10), lease_until=at(40)) is None
    # its holder ends the lease early (now = its lease_until, lease_until = now): free at once
    assert await store.timeline.claim_settle(e.id, now=at(30), lease_until=at(10)) is not None
    assert await store.timeline.claim_settle(e.id, now=at(10), lease_until=at(40)) is not None


async def test_concurrent_claims_have_one_winner(store):
    e = unsettled(0)
    await store.timeline.insert(e)
    results = await asyncio.gather(
        *(store.timeline.claim_settle(e.id, now=at(1), lease_until=at(31)) for _ in range(10))
    )
    assert sum(r is not None for r in results) == 1


async def test_settle_keeps_the_rest_of_the_entry(store):
    e = unsettled(0, provider_id="x1")
    await store.timeline.insert(e)
    await store.timeline.settle(e.id)
    got = await store.timeline.get_by_dedupe_key(e.dedupe_key)
    assert got == e.model_copy(update={"settled": True})


async def test_settle_round_trips(store):
    e = unsettled(0)
    await store.timeline.insert(e)
    for call in (
        lambda: store.timeline.claim_settle(e.id, now=at(1), lease_until=at(2)),
        lambda: store.timeline.unsettled(older_than=at(1)),
        lambda: store.timeline.settle(e.id),
    ):
        before = store.stats.round_trips
        await call()
        assert store.stats.round_trips - before == 1
