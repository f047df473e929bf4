"""Store contract: one-time email codes — the newest per visitor, counts per visitor and per address for the hourly
limits, tries that never exceed the limit however many run at once, a code used once, old codes purged."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from store_factories import at

from hub.domain_verification import EmailCode


def code(visitor: str = "v1", address: str = "ann@example.com", created: float = 0, **kw) -> EmailCode:
    created_at = at(created)
    return EmailCode(
        visitor_id=visitor,
        address=address,
        code_hash="h" * 64,
        created_at=created_at,
        expires_at=created_at + timedelta(minutes=10),
        **kw,
    )


async def test_the_newest_code_of_a_visitor_round_trips(store):
    assert await store.email_codes.latest("v1") is None
    old, new, other = code(created=0), code(created=5), code("v2", created=9)
    for c in (old, new, other):
        await store.email_codes.insert(c)
    assert await store.email_codes.latest("v1") == new
    assert await store.email_codes.latest("v2") == other


async def test_counts_per_visitor_and_per_address_since_a_time(store):
    await store.email_codes.insert(code("v1", "ann@example.com", created=0))
    await store.email_codes.insert(code("v1", "bob@example.com", created=10))
    await store.email_codes.insert(code("v2", "ann@example.com", created=20))
    assert await store.email_codes.count_since(since=at(0), visitor_id="v1") == 2
    assert await store.email_codes.count_since(since=at(5), visitor_id="v1") == 1
    assert await store.email_codes.count_since(since=at(0), address="ann@example.com") == 2
    assert await store.email_codes.count_since(since=at(15), address="ann@example.com") == 1
    assert await store.email_codes.count_since(since=at(0), address="eve@example.com") == 0


async def test_the_rank_of_a_code_counts_those_ahead_of_it_in_time_then_id_order(store):
    same = [code("v1", created=5) for _ in range(3)]  # created in the same millisecond: the id decides
    first = code("v1", created=0)
    for c in [*same, first]:
        await store.email_codes.insert(c)
    ranks = {c.id: await store.email_codes.count_since(since=at(0), visitor_id="v1", before=c) for c in same}
    assert [ranks[i] for i in sorted(ranks)] == [1, 2, 3]
    assert await store.email_codes.count_since(since=at(0), visitor_id="v1", before=first) == 0
    assert (
        await store.email_codes.count_since(
            since=at(1), address="ann@example.com", before=max(same, key=lambda c: c.id)
        )
        == 2
    )


async def test_concurrent_tries_never_pass_the_limit(store):
    c = code()
    await store.email_codes.insert(c)
    results = await asyncio.gather(*(store.email_codes.attempt(c.id, max_attempts=5) for _ in range(12)))
    counted = sorted(r.attempts for r in results if r is not None)
    assert counted == [1, 2, 3, 4, 5]
    assert (await store.email_codes.latest("v1")).attempts == 5
    assert await store.email_codes.attempt(c.id, max_attempts=5) is None
    assert await store.email_codes.attempt("missing", max_attempts=5) is None


async def test_a_code_is_used_once_and_then_takes_no_tries(store):
    c = code()
    await store.email_codes.insert(c)
    used = await asyncio.gather(*(store.email_codes.use(c.id, at=at(30)) for _ in range(4)))
    assert used.count(True) == 1
    assert (await store.email_codes.latest("v1")).used_at == at(30)
    assert await store.email_codes.attempt(c.id, max_attempts=5) is None


async def test_delete_forgets_one_code(store):
    c = code()
    await store.email_codes.insert(c)
    assert await store.email_codes.delete(c.id) is True
    assert await store.email_codes.delete(c.id) is False
    assert await store.email_codes.latest("v1") is None
    assert await store.email_codes.count_since(since=at(0), visitor_id="v1") == 0


async def test_purge_forgets_old_codes(store):
    await store.email_codes.insert(code("v1", created=0))
    await store.email_codes.insert(code("v2", created=100))
    assert await store.email_codes.purge(before=at(50)) == 1
    assert await store.email_codes.latest("v1") is None
    assert await store.email_codes.latest("v2") is not None
