"""Store contract: SLA clocks (create once, batch reads, field updates, the notice index and its claim with a lease,
the conditional completion) and breaches (recorded once per key, counted per department and kind in a time range).
Every test runs on both adapters."""

from __future__ import annotations

import asyncio

import pytest
from store_factories import at

from hub.domain_sla import SlaBreach, SlaClock, SlaTarget


def clock(cid: str = "conv1", seconds: float = 0, **kw) -> SlaClock:
    return SlaClock(
        id=cid, started_at=at(seconds), resolution_started_at=at(seconds), updated_at=at(seconds), **kw
    )


async def test_a_clock_is_created_once_and_read_in_batches(store):
    first = clock("a", policy="Standard", first_response_due_at=at(3600))
    assert await store.sla.create(first) is True
    assert await store.sla.create(clock("a", 99, policy="Other")) is False  # the first one stays
    assert await store.sla.get("a") == first
    await store.sla.create(clock("b"))
    assert await store.sla.get("missing") is None
    found = await store.sla.get_many(["a", "b", "missing", "a"])
    assert set(found) == {"a", "b"} and found["a"] == first
    assert await store.sla.get_many([]) == {}


async def test_updates_set_fields_in_place(store):
    await store.sla.create(clock("a", policy="Standard", breached=[SlaTarget.first_response]))
    updated = await store.sla.update(
        "a",
        {"first_response_at": at(60), "first_response_due_at": None, "policy": None, "warning_minutes": 5},
    )
    assert updated is not None and updated.first_response_at == at(60) and updated.policy is None
    assert updated.breached == [SlaTarget.first_response] and updated.warning_minutes == 5
    assert await store.sla.get("a") == updated
    assert await store.sla.update("missing", {"policy": "x"}) is None
    with pytest.raises(ValueError):
        await store.sla.update("a", {"notices_sent": []})
    with pytest.raises(ValueError):  # a schedule is the pair: half of one would strand the notice
        await store.sla.update("a", {"next_notice_at": at(5)})


async def test_the_notice_index_claims_once_and_completes_conditionally(store):
    await store.sla.create(clock("a"))
    await store.sla.create(clock("b"))
    await store.sla.update("a", {"next_notice": "first_response:warning@x", "next_notice_at": at(100)})
    await store.sla.update("b", {"next_notice": "resolution:breach@y", "next_notice_at": at(50)})
    assert await store.sla.next_notice_at(now=at(0)) == at(50)
    assert [c.id for c in await store.sla.due_notices(now=at(60))] == ["b"]
    assert [c.id for c in await store.sla.due_notices(now=at(100))] == ["b", "a"]
    # not due yet: no claim
    assert (
        await store.sla.claim_notice(
            "a", "first_response:warning@x", at(100), now=at(99), lease_until=at(130)
        )
        is None
    )
    # two claimants at once: one lease
    claims = await asyncio.gather(
        *(
            store.sla.claim_notice("b", "resolution:breach@y", at(50), now=at(60), lease_until=at(90))
            for _ in range(4)
        )
    )
    assert sum(c is not None for c in claims) == 1
    assert [c.id for c in await store.sla.due_notices(now=at(60))] == []  # leased
    assert await store.sla.next_notice_at(now=at(60)) == at(100)
    # the lease runs out: another process may take it over
    assert await store.sla.claim_notice("b", "resolution:breach@y", at(50), now=at(91), lease_until=at(120))
    # a stale completion (another notice is pending now) changes nothing
    stale = await store.sla.complete_notice("b", "resolution:warning@y", at(40), next_key=None, next_at=None)
    assert stale is None
    done = await store.sla.complete_notice(
        "b", "resolution:breach@y", at(50), next_key=None, next_at=None, breached=SlaTarget.resolution
    )
    assert done is not None and done.next_notice is None and done.notice_lease_until is None
    assert done.notices_sent == ["resolution:breach@y"] and done.breached == [SlaTarget.resolution]
    assert await store.sla.next_notice_at(now=at(200)) == at(100)


async def test_a_new_schedule_drops_a_running_lease(store):
    await store.sla.create(clock("a"))
    await store.sla.update("a", {"next_notice": "k1", "next_notice_at": at(10)})
    assert await store.sla.claim_notice("a", "k1", at(10), now=at(10), lease_until=at(40))
    moved = await store.sla.update("a", {"next_notice": "k2", "next_notice_at": at(20)})
    assert moved is not None and moved.notice_lease_until is None
    assert [c.id for c in await store.sla.due_notices(now=at(20))] == ["a"]
    # the holder of the old notice cannot complete it over the new schedule
    assert await store.sla.complete_notice("a", "k1", at(10), next_key=None, next_at=None) is None
    assert (await store.sla.get("a")).next_notice == "k2"


async def test_a_target_is_listed_as_breached_once(store):
    await store.sla.create(clock("a", breached=[SlaTarget.first_response]))
    await store.sla.update("a", {"next_notice": "k", "next_notice_at": at(1)})
    done = await store.sla.complete_notice(
        "a", "k", at(1), next_key=None, next_at=None, breached=SlaTarget.first_response
    )
    assert done is not None and done.breached == [SlaTarget.first_response] and done.notices_sent == ["k"]


def breach(key: str, department: str | None, target: SlaTarget, seconds: float) -> SlaBreach:
    return SlaBreach(
        key=key,
        conversation_id="c",
        department_id=department,
        target=target,
        policy="P",
        due_at=at(0),
        at=at(seconds),
    )


async def test_breaches_are_recorded_once_and_counted(store):
    fr, res = SlaTarget.first_response, SlaTarget.resolution
    assert await store.sla.record_breach(breach("k1", "d1", fr, 10)) is True
    assert await store.sla.record_breach(breach("k1", "d1", fr, 10)) is False  # a second process, a retry
    results = await asyncio.gather(*(store.sla.record_breach(breach("k2", "d1", fr, 20)) for _ in range(3)))
    assert sorted(results) == [False, False, True]
    await store.sla.record_breach(breach("k3", "d1", res, 30))
    await store.sla.record_breach(breach("k4", "d2", fr, 40))
    await store.sla.record_breach(breach("k5", None, res, 50))

    async def counts(**kw):
        found = await store.sla.count_breaches(**{"department_ids": None, "since": None, "until": None, **kw})
        return [(c.department_id, c.target.value, c.count) for c in found]

    assert sorted(await counts(), key=str) == sorted(
        [
            ("d1", "first_response", 2),
            ("d1", "resolution", 1),
            ("d2", "first_response", 1),
            (None, "resolution", 1),
        ],
        key=str,
    )
    assert await counts(department_ids=["d2"]) == [("d2", "first_response", 1)]
    assert await counts(department_ids=[None]) == [(None, "resolution", 1)]
    assert await counts(department_ids=[]) == []
    # since is inclusive, until exclusive
    assert sorted(await counts(since=at(20), until=at(40)), key=str) == sorted(
        [("d1", "first_response", 1), ("d1", "resolution", 1)], key=str
    )
