"""Store contract: IdentityRepo (hub.store.port)."""

from __future__ import annotations

import asyncio

from store_factories import email, phone, telegram

from hub.domain import Identity, IdentityKind, new_id


async def test_claim_returns_first_owner(store):
    ident = phone("+79161234567")
    assert await store.identities.claim(ident, "c1") == "c1"
    assert await store.identities.claim(ident, "c2") == "c1"
    assert await store.identities.claim(ident, "c1") == "c1"
    assert await store.identities.owners([ident]) == {ident: "c1"}


async def test_owners_returns_only_known_identities(store):
    a, b, unknown = phone("+79161234567"), email("a@example.com"), telegram(42)
    await store.identities.claim(a, "c1")
    await store.identities.claim(b, "c2")
    assert await store.identities.owners([a, unknown, b]) == {a: "c1", b: "c2"}
    assert await store.identities.owners([unknown]) == {}
    assert await store.identities.owners([]) == {}


async def test_owners_is_one_round_trip_for_many(store):
    idents = [telegram(i) for i in range(1, 21)]
    for i, ident in enumerate(idents[:10]):
        await store.identities.claim(ident, f"c{i}")
    before = store.stats.round_trips
    got = await store.identities.owners(idents)
    assert store.stats.round_trips - before == 1
    assert got == {ident: f"c{i}" for i, ident in enumerate(idents[:10])}


async def test_same_value_different_kind_are_different_identities(store):
    tg = Identity(kind=IdentityKind.telegram, value="12345")
    api = Identity(kind=IdentityKind.api, value="12345")
    assert await store.identities.claim(tg, "c1") == "c1"
    assert await store.identities.claim(api, "c2") == "c2"
    assert await store.identities.owners([tg, api]) == {tg: "c1", api: "c2"}


async def test_concurrent_claims_have_one_owner(store):
    ident = email("race@example.com")
    contenders = [new_id() for _ in range(50)]
    owners = await asyncio.gather(*(store.identities.claim(ident, cid) for cid in contenders))
    assert len(set(owners)) == 1
    assert owners[0] in contenders
    assert await store.identities.owners([ident]) == {ident: owners[0]}


async def test_concurrent_claims_of_different_identities_all_succeed(store):
    idents = [telegram(1000 + i) for i in range(30)]
    owners = await asyncio.gather(*(store.identities.claim(ident, f"c{i}") for i, ident in enumerate(idents)))
    assert owners == [f"c{i}" for i in range(30)]


async def test_reassign_moves_every_identity_of_one_client(store):
    a1, a2, b1 = phone("+79161234567"), email("a@example.com"), telegram(7)
    await store.identities.claim(a1, "ca")
    await store.identities.claim(a2, "ca")
    await store.identities.claim(b1, "cb")
    await store.identities.reassign("ca", "cc")
    assert await store.identities.owners([a1, a2, b1]) == {a1: "cc", a2: "cc", b1: "cb"}
    # the new owner keeps them: a later claim by the old client gets the new owner
    assert await store.identities.claim(a1, "ca") == "cc"


async def test_reassign_into_existing_client(store):
    a1, b1 = phone("+79161234567"), telegram(7)
    await store.identities.claim(a1, "ca")
    await store.identities.claim(b1, "cb")
    await store.identities.reassign("ca", "cb")
    assert await store.identities.owners([a1, b1]) == {a1: "cb", b1: "cb"}
