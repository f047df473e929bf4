"""Store contract: every call counts its database round trips in Store.stats.round_trips."""

from __future__ import annotations

from store_factories import at, client, conversation, entry, outbound, phone, telegram, user

from hub.domain import Department, MergeSuggestion
from hub.store.port import ConversationQuery


async def cost(store, awaitable):
    before = store.stats.round_trips
    result = await awaitable
    return store.stats.round_trips - before, result


async def test_gets_cost_exactly_one_round_trip(store):
    c = client("Иван", phone("+79161234567"))
    await store.clients.create(c)
    conv, _ = await store.conversations.get_or_create(conversation(c.id))
    e = entry(c.id, provider_id="p1")
    await store.timeline.insert(e)
    u = user("a@example.com")
    await store.users.create(u)
    d = Department(name="D")
    await store.departments.create(d)
    m = MergeSuggestion(client_ids=("a", "b"), identity=phone("+79161234567"))
    await store.merges.suggest(m)

    calls = {
        "clients.get": store.clients.get(c.id),
        "clients.get missing": store.clients.get("000000000000000000000000"),
        "conversations.get": store.conversations.get(conv.id),
        "timeline.get": store.timeline.get(e.id),
        "timeline.get_by_dedupe_key": store.timeline.get_by_dedupe_key(e.dedupe_key),
        "users.get": store.users.get(u.id),
        "users.get_by_email": store.users.get_by_email("A@example.com"),
        "departments.get": store.departments.get(d.id),
        "departments.get_by_name": store.departments.get_by_name("D"),
        "merges.get": store.merges.get(m.id),
    }
    costs = {}
    for name, call in calls.items():
        n, result = await cost(store, call)
        costs[name] = n
        if name != "clients.get missing":
            assert result is not None, name
    assert costs == dict.fromkeys(calls, 1)


async def test_one_round_trip_reads(store):
    c = client("Иван")
    await store.clients.create(c)
    await store.identities.claim(telegram(1), c.id)
    for _ in range(3):
        await store.timeline.insert(entry(c.id, conversation_id="k"))
    await store.timeline.insert(outbound(c.id))
    assert (await cost(store, store.identities.owners([telegram(1), telegram(2), telegram(3)])))[0] == 1
    assert (await cost(store, store.clients.get_many([c.id, "x", "y"])))[0] == 1
    assert (await cost(store, store.timeline.page(c.id)))[0] == 1
    assert (await cost(store, store.timeline.conversation_page("k")))[0] == 1
    assert (await cost(store, store.timeline.due_deliveries(now=at(0))))[0] == 1
    assert (await cost(store, store.conversations.query(ConversationQuery())))[0] == 1
    assert (await cost(store, store.users.count()))[0] == 1


async def test_every_call_counts(store):
    c = client("Иван")
    conv = conversation(c.id)
    e = outbound(c.id)
    u = user("b@example.com")
    d = Department(name="E")
    m = MergeSuggestion(client_ids=("a", "b"), identity=telegram(5))
    calls = [
        ("clients.create", lambda: store.clients.create(c)),
        ("clients.update", lambda: store.clients.update(c.id, {"name": "Пётр"})),
        ("clients.add_identity", lambda: store.clients.add_identity(c.id, telegram(9))),
        ("clients.search", lambda: store.clients.search("пётр")),
        ("identities.claim", lambda: store.identities.claim(telegram(9), c.id)),
        ("identities.reassign", lambda: store.identities.reassign(c.id, "other")),
        ("conversations.get_or_create", lambda: store.conversations.get_or_create(conv)),
        ("conversations.update", lambda: store.conversations.update(conv.id, {"subject": "s"})),
        (
            "conversations.touch",
            lambda: store.conversations.touch(conv.id, at=at(1), preview="p", inbound=True, reopen=True),
        ),
        ("conversations.reassign_client", lambda: store.conversations.reassign_client(c.id, "other")),
        ("timeline.insert", lambda: store.timeline.insert(e)),
        (
            "timeline.claim_delivery",
            lambda: store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(9)),
        ),
        ("timeline.set_delivery", lambda: store.timeline.set_delivery(e.id, e.delivery)),
        (
            "timeline.update_content",
            lambda: store.timeline.update_content(e.id, text="t", html=None, meta={}),
        ),
        ("timeline.reassign_client", lambda: store.timeline.reassign_client(c.id, "other")),
        ("users.create", lambda: store.users.create(u)),
        ("users.update", lambda: store.users.update(u.id, {"name": "N"})),
        ("users.list", lambda: store.users.list()),
        ("departments.create", lambda: store.departments.create(d)),
        ("departments.rename", lambda: store.departments.rename(d.id, "F")),
        ("departments.list", lambda: store.departments.list()),
        ("merges.suggest", lambda: store.merges.suggest(m)),
        ("merges.list", lambda: store.merges.list()),
        ("merges.set_status", lambda: store.merges.set_status(m.id, "dismissed")),
        ("clients.delete", lambda: store.clients.delete(c.id)),
    ]
    uncounted = []
    for name, call in calls:
        n, _ = await cost(store, call())
        if n < 1:
            uncounted.append(name)
    assert uncounted == []
