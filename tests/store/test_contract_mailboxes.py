"""Store contract: email mailboxes' sync state — one lease holder per mailbox, a sync position that never goes back,
a UIDVALIDITY change that starts over, health written by the holder only."""

from __future__ import annotations

import asyncio

from store_factories import at


async def test_first_claim_creates_the_state_and_a_second_worker_is_refused(store):
    state = await store.mailboxes.claim("support", "w1", now=at(0), lease_until=at(30))
    assert state is not None
    assert (state.name, state.lease_owner, state.last_uid, state.uidvalidity) == ("support", "w1", 0, None)
    assert await store.mailboxes.claim("support", "w2", now=at(1), lease_until=at(31)) is None
    # the holder renews
    renewed = await store.mailboxes.claim("support", "w1", now=at(10), lease_until=at(40))
    assert renewed is not None and renewed.lease_until == at(40)
    # after the lease ran out another worker takes over, and the position stays
    await store.mailboxes.reset("support", "w1", uidvalidity=7, at=at(11))
    await store.mailboxes.advance("support", "w1", uidvalidity=7, uid=12, at=at(12))
    taken = await store.mailboxes.claim("support", "w2", now=at(41), lease_until=at(70))
    assert taken is not None and taken.lease_owner == "w2" and taken.last_uid == 12 and taken.uidvalidity == 7
    # the old holder can no longer write
    assert not await store.mailboxes.advance("support", "w1", uidvalidity=7, uid=20, at=at(42))
    assert not await store.mailboxes.report("support", "w1", {"connected": True})
    assert (await store.mailboxes.get("support")).last_uid == 12


async def test_concurrent_claims_have_one_winner(store):
    results = await asyncio.gather(
        *(store.mailboxes.claim("sales", f"w{i}", now=at(0), lease_until=at(30)) for i in range(8))
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert (await store.mailboxes.get("sales")).lease_owner == winners[0].lease_owner


async def test_released_mailbox_is_free_at_once(store):
    await store.mailboxes.claim("support", "w1", now=at(0), lease_until=at(300))
    await store.mailboxes.report("support", "w1", {"connected": True, "mode": "idle"})
    assert await store.mailboxes.release("support", "w1")
    state = await store.mailboxes.get("support")
    assert state.lease_owner is None and state.connected is False
    assert await store.mailboxes.claim("support", "w2", now=at(1), lease_until=at(30)) is not None
    assert not await store.mailboxes.release("support", "w1")


async def test_advance_never_goes_back_and_needs_the_same_uidvalidity(store):
    await store.mailboxes.claim("support", "w1", now=at(0), lease_until=at(300))
    await store.mailboxes.reset("support", "w1", uidvalidity=100, at=at(1))
    assert await store.mailboxes.advance("support", "w1", uidvalidity=100, uid=5, at=at(2))
    assert not await store.mailboxes.advance("support", "w1", uidvalidity=100, uid=3, at=at(3))
    assert not await store.mailboxes.advance("support", "w1", uidvalidity=101, uid=9, at=at(4))
    state = await store.mailboxes.get("support")
    assert (state.uidvalidity, state.last_uid, state.last_sync_at) == (100, 5, at(2))
    # a new UIDVALIDITY starts over from 0
    assert await store.mailboxes.reset("support", "w1", uidvalidity=101, at=at(5))
    state = await store.mailboxes.get("support")
    assert (state.uidvalidity, state.last_uid) == (101, 0)
    assert await store.mailboxes.advance("support", "w1", uidvalidity=101, uid=1, at=at(6))


async def test_health_is_reported_and_listed(store):
    await store.mailboxes.claim("b-sales", "w1", now=at(0), lease_until=at(300))
    await store.mailboxes.claim("a-support", "w2", now=at(0), lease_until=at(300))
    assert await store.mailboxes.report(
        "a-support",
        "w2",
        {
            "connected": True,
            "mode": "poll",
            "last_error": "login refused",
            "last_error_at": at(3),
            "backlog": 4,
        },
    )
    states = await store.mailboxes.list()
    assert [s.name for s in states] == ["a-support", "b-sales"]
    support = states[0]
    assert (support.connected, support.mode, support.last_error, support.last_error_at, support.backlog) == (
        True,
        "poll",
        "login refused",
        at(3),
        4,
    )
    try:
        await store.mailboxes.report("a-support", "w2", {"last_uid": 99})
    except ValueError:
        pass
    else:
        raise AssertionError("report must refuse fields that are not health")
    assert (await store.mailboxes.get("a-support")).last_uid == 0
