"""Store contract: PartnerRepo and GrantRepo, and the PartnerScope the client search compiles (every adapter)."""

from __future__ import annotations

import asyncio

from store_factories import T0, client

from hub.domain_partners import Grant, GrantRule, Partner
from hub.store.port import PartnerScope, Scope


async def test_partners_round_trip_list_by_name_and_update(store):
    north = Partner(name="Dealer North", redacted_fields=["phone", "region"])
    south = Partner(name="Dealer South")
    await store.partners.create(south)
    await store.partners.create(north)
    assert await store.partners.get(north.id) == north
    assert await store.partners.get("nope") is None
    assert [p.name for p in await store.partners.list()] == ["Dealer North", "Dealer South"]
    changed = await store.partners.update(north.id, {"redacted_fields": ["email"], "name": "North"})
    assert changed.redacted_fields == ["email"] and changed.name == "North"
    assert await store.partners.get(north.id) == changed
    assert await store.partners.update("nope", {"name": "x"}) is None


async def test_a_grant_is_unique_per_organisation_and_thing_granted(store):
    first, created = await store.grants.add(Grant(partner_id="p1", client_id="c1", can_reply=True))
    assert created
    again, created_again = await store.grants.add(Grant(partner_id="p1", client_id="c1"))
    assert not created_again and again == first  # the existing grant, unchanged
    other, created_other = await store.grants.add(Grant(partner_id="p2", client_id="c1"))
    assert created_other and other.id != first.id
    rule, _ = await store.grants.add(Grant(partner_id="p1", rule=GrantRule(tag="vip")))
    conv, _ = await store.grants.add(Grant(partner_id="p1", conversation_id="v1"))
    assert not (await store.grants.add(Grant(partner_id="p1", rule=GrantRule(tag="vip"))))[1]
    assert (await store.grants.add(Grant(partner_id="p1", rule=GrantRule(tag="gold"))))[1]
    assert (await store.grants.add(Grant(partner_id="p1", rule=GrantRule(field="region", value="N"))))[1]
    assert not (await store.grants.add(Grant(partner_id="p1", rule=GrantRule(field="region", value="N"))))[1]

    assert await store.grants.get(rule.id) == rule
    mine = await store.grants.of_partner("p1")
    assert [g.id for g in mine][:3] == [first.id, rule.id, conv.id] and len(mine) == 5
    assert {g.partner_id for g in await store.grants.of_client("c1")} == {"p1", "p2"}

    assert await store.grants.delete(first.id) == first
    assert await store.grants.delete(first.id) is None
    assert await store.grants.get(first.id) is None
    assert [g.partner_id for g in await store.grants.of_client("c1")] == ["p2"]
    # revoked, it can be granted again
    assert (await store.grants.add(Grant(partner_id="p1", client_id="c1")))[1]


async def test_the_partner_scope_is_compiled_into_the_client_search(store):
    shared = client("Anna Shared", partner_ids=["p1"])
    tagged = client("Boris Tagged", tags=["vip", "x"])
    north = client("Clara North", fields={"region": "North"})
    numeric = client("Dmitry Numeric", fields={"region": 5})
    brought = client("Egor Brought", fields={"brought_by": "p1"})
    listed = client("Fedor Listed")
    hidden = client("Galina Hidden", tags=["other"], fields={"region": "South"}, partner_ids=["p2"])
    for c in (shared, tagged, north, numeric, brought, listed, hidden):
        await store.clients.create(c)

    async def names(scope: PartnerScope, q: str = "") -> set[str]:
        return {c.name.split()[0] for c in await store.clients.search(q, limit=50, partner_scope=scope)}

    assert await names(PartnerScope()) == set()
    assert await names(PartnerScope(partner_id="p1")) == {"Anna"}
    assert await names(PartnerScope(tags=("vip",))) == {"Boris"}
    assert await names(PartnerScope(fields=(("region", "North"),))) == {"Clara"}
    assert await names(PartnerScope(fields=(("region", "5"),))) == set()  # text rules match text values only
    assert await names(PartnerScope(fields=(("brought_by", "p1"),))) == {"Egor"}
    assert await names(PartnerScope(client_ids=(listed.id,))) == {"Fedor"}
    every = PartnerScope(
        partner_id="p1",
        client_ids=(listed.id,),
        tags=("vip",),
        fields=(("region", "North"), ("brought_by", "p1")),
    )
    assert await names(every) == {"Anna", "Boris", "Clara", "Egor", "Fedor"}
    assert await names(every, "clara") == {"Clara"}  # and the words still narrow it
    assert await names(every, "galina") == set()


async def test_a_scope_can_name_single_conversations(store):
    from hub.domain import Conversation
    from hub.store.port import ConversationQuery

    a, b = client("A"), client("B")
    await store.clients.create(a)
    await store.clients.create(b)
    one, _ = await store.conversations.get_or_create(
        Conversation(client_id=a.id, channel="api", thread_key="1")
    )
    two, _ = await store.conversations.get_or_create(
        Conversation(client_id=a.id, channel="api", thread_key="2")
    )
    three, _ = await store.conversations.get_or_create(
        Conversation(client_id=b.id, channel="api", thread_key="3")
    )
    found = await store.conversations.query(ConversationQuery(scope=Scope(conversation_ids=(two.id,))))
    assert [c.id for c in found] == [two.id]
    found = await store.conversations.query(
        ConversationQuery(scope=Scope(client_ids=(b.id,), conversation_ids=(one.id,)))
    )
    assert {c.id for c in found} == {one.id, three.id}


async def test_concurrent_partner_adds_and_removes_on_one_client_lose_nothing(store):
    """50 grants and revokes of one client at once (as many admins granting at the same moment): each is one
    atomic update, so the client ends with exactly the added organisations, and the partner index agrees."""
    kept = [f"old{i:02d}" for i in range(25)]
    added = [f"new{i:02d}" for i in range(25)]
    shared = client("Shared With Many", partner_ids=kept)
    await store.clients.create(shared)

    results = await asyncio.gather(
        *(store.clients.set_partner(shared.id, key, True, at=T0) for key in added),
        *(store.clients.set_partner(shared.id, key, False, at=T0) for key in kept),
    )

    assert all(r is not None for r in results)  # each one changed the client
    after = await store.clients.get(shared.id)
    assert sorted(after.partner_ids) == added
    for key in added[:3] + kept[:3]:
        found = await store.clients.search("", partner_scope=PartnerScope(partner_id=key))
        assert [c.id for c in found] == ([shared.id] if key in added else [])
    # a repeated add or a remove of what is not there changes nothing
    assert await store.clients.set_partner(shared.id, added[0], True, at=T0) is None
    assert await store.clients.set_partner(shared.id, kept[0], False, at=T0) is None
    assert await store.clients.set_partner("missing", added[0], True, at=T0) is None
