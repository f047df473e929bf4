"""Store contract: store.inbound, the ingest's combined steps — lookup (dedupe key, identity owners, the thread's
conversation), append (the entry, then the conversation's touch only when the entry was stored) and create_client
(a new sender's client, identity and conversation). SQLite does each in one trip to its thread, the writes in one
transaction (all or nothing; the last tests)."""

from __future__ import annotations

import asyncio

import pytest
from store_factories import at, client, conversation, email, entry, phone, telegram

from hub.domain import ConversationStatus
from hub.store.port import FirstEntry, InboundLookup
from hub.store.sqlite import open_sqlite_store


async def known(store, *identities, thread="t1"):
    c = client("Анна", *identities)
    await store.clients.create(c)
    for identity in identities:
        assert await store.identities.claim(identity, c.id) == c.id
    conv, _ = await store.conversations.get_or_create(conversation(c.id, thread_key=thread))
    return c, conv


async def append(store, e, *, seconds=1, inbound=True, reopen=True):
    return await store.inbound.append(
        e,
        lease_until=at(30),
        at=e.occurred_at,
        preview=f"p{seconds}",
        inbound=inbound,
        reopen=reopen,
        now=at(seconds),
    )


# --- lookup -------------------------------------------------------------------------------------------------------


async def test_lookup_of_a_new_sender_finds_nothing(store):
    found = await store.inbound.lookup("telegram:m1", [telegram(1)], "telegram", "t1")
    assert found == InboundLookup()


async def test_lookup_finds_the_owners_and_the_thread_of_a_known_sender(store):
    c, conv = await known(store, telegram(1), phone("+79161234567"))
    found = await store.inbound.lookup(
        "telegram:m1", [telegram(1), email("new@example.com"), phone("+79161234567")], "telegram", "t1"
    )
    assert found.duplicate is None
    assert found.owners == {telegram(1): c.id, phone("+79161234567"): c.id}
    assert found.conversation == await store.conversations.get(conv.id)


async def test_lookup_of_a_known_sender_in_a_new_thread_or_channel_has_no_conversation(store):
    c, _ = await known(store, telegram(1))
    for channel, thread in (("telegram", "t2"), ("email", "t1")):
        found = await store.inbound.lookup("telegram:m1", [telegram(1)], channel, thread)
        assert (found.owners, found.conversation) == ({telegram(1): c.id}, None)
    # nothing was created
    assert (await store.conversations.get_or_create(conversation(c.id, thread_key="t2")))[1] is True


async def test_the_first_owned_identity_in_order_decides_the_conversation(store):
    a, conv_a = await known(store, telegram(1))
    b, conv_b = await known(store, phone("+79161234567"))
    found = await store.inbound.lookup("telegram:m1", [phone("+79161234567"), telegram(1)], "telegram", "t1")
    assert found.owners == {telegram(1): a.id, phone("+79161234567"): b.id}
    assert found.conversation.id == conv_b.id
    found = await store.inbound.lookup("telegram:m1", [email("x@example.com"), telegram(1)], "telegram", "t1")
    assert found.conversation.id == conv_a.id


async def test_lookup_of_a_stored_message_gives_the_entry_and_reads_nothing_else(store):
    c, conv = await known(store, telegram(1))
    e = entry(c.id, conversation_id=conv.id, provider_id="m1", settled=False)
    assert await store.timeline.insert(e, lease_until=at(30))
    found = await store.inbound.lookup(e.dedupe_key, [telegram(1)], "telegram", "t1")
    assert found == InboundLookup(duplicate=await store.timeline.get(e.id))
    assert found.duplicate.settled is False


# --- lookup with append: a sender known completely gets the entry in the same trip -----------------------------


def draft(provider_id, *, seconds=1):
    """An inbound message before its client and conversation are known (as hub.actions.ingest drafts it)."""
    return first_of(
        entry("", provider_id=provider_id, occurred_at=at(seconds), settled=False), seconds=seconds
    )


async def test_lookup_with_append_stores_a_known_senders_entry_addressed_to_them(store):
    c, conv = await known(store, telegram(1), phone("+79161234567"))
    await store.conversations.update(conv.id, {"status": ConversationStatus.resolved})
    message = draft("m1")

    found = await store.inbound.lookup(
        "telegram:m1", [telegram(1), phone("+79161234567")], "telegram", "t1", append=message
    )

    assert found.owners == {telegram(1): c.id, phone("+79161234567"): c.id}
    assert found.conversation.status is ConversationStatus.resolved  # as it was before the entry
    if store.name != "sqlite":  # no transaction: left to the caller
        assert found.appended is None
        assert await store.timeline.get_by_dedupe_key("telegram:m1") is None
        return
    e, (stored, touched) = found.appended
    assert stored and e.id == message.entry.id and e.seq is not None
    assert (e.client_id, e.conversation_id, e.author.id) == (c.id, conv.id, c.id)
    assert (touched.id, touched.status, touched.unread, touched.last_message_preview) == (
        conv.id,
        ConversationStatus.open,
        1,
        "p1",
    )
    got = await store.timeline.get(e.id)
    assert (got.client_id, got.conversation_id, got.author.id, got.settled) == (c.id, conv.id, c.id, False)


async def test_lookup_with_append_appends_nothing_for_a_sender_not_known_completely(store):
    c, _ = await known(store, telegram(1))
    other, _ = await known(store, phone("+79161234567"))
    cases = [
        ([telegram(9)], "t1"),  # nobody knows them
        ([telegram(1), email("new@example.com")], "t1"),  # an identity of theirs to attach
        ([telegram(1), phone("+79161234567")], "t1"),  # an identity of another client's: a merge to suggest
        ([telegram(1)], "t2"),  # no conversation in this thread yet
    ]
    for n, (identities, thread) in enumerate(cases):
        message = draft(f"n{n}")
        found = await store.inbound.lookup(f"telegram:n{n}", identities, "telegram", thread, append=message)
        assert found.appended is None, (identities, thread)
        assert found == await store.inbound.lookup(f"telegram:n{n}", identities, "telegram", thread)
        assert await store.timeline.get_by_dedupe_key(f"telegram:n{n}") is None


async def test_lookup_with_append_of_a_stored_message_gives_the_entry_and_appends_nothing(store):
    c, conv = await known(store, telegram(1))
    e = entry(c.id, conversation_id=conv.id, provider_id="m1")
    assert await store.timeline.insert(e)
    found = await store.inbound.lookup(e.dedupe_key, [telegram(1)], "telegram", "t1", append=draft("m1"))
    assert (found.duplicate.id, found.appended) == (e.id, None)
    assert (await store.conversations.get(conv.id)).unread == 0


# --- append -------------------------------------------------------------------------------------------------------


async def test_append_stores_the_entry_and_touches_its_conversation(store):
    c, conv = await known(store, telegram(1))
    e = entry(c.id, conversation_id=conv.id, provider_id="m1", occurred_at=at(1), settled=False)

    stored, touched = await append(store, e)

    assert stored is True and e.seq is not None
    assert touched == await store.conversations.get(conv.id)
    assert (touched.unread, touched.last_message_preview, touched.last_message_at) == (1, "p1", at(1))
    got = await store.timeline.get(e.id)
    assert (got.seq, got.settled) == (e.seq, False)
    # the settle lease it was given: nobody else can claim the entry before at(30)
    assert await store.timeline.claim_settle(e.id, now=at(2), lease_until=at(40)) is None
    assert await store.timeline.claim_settle(e.id, now=at(30), lease_until=at(40)) is not None


async def test_append_of_a_duplicate_stores_nothing_and_touches_nothing(store):
    c, conv = await known(store, telegram(1))
    first = entry(c.id, conversation_id=conv.id, provider_id="m1", occurred_at=at(1))
    assert (await append(store, first))[0] is True
    twin = entry(c.id, conversation_id=conv.id, provider_id="m1", occurred_at=at(2))

    assert await append(store, twin, seconds=2) == (False, None)

    assert await store.timeline.get(twin.id) is None
    got = await store.conversations.get(conv.id)
    assert (got.unread, got.last_message_preview) == (1, "p1")


async def test_append_reopens_or_not_and_counts_only_inbound(store):
    c, conv = await known(store, telegram(1))
    await store.conversations.update(conv.id, {"status": ConversationStatus.resolved})
    quiet = entry(c.id, conversation_id=conv.id, provider_id="auto", occurred_at=at(1))
    _, touched = await append(store, quiet, inbound=False, reopen=False)
    assert (touched.status, touched.unread) == (ConversationStatus.resolved, 0)
    loud = entry(c.id, conversation_id=conv.id, provider_id="m2", occurred_at=at(2))
    _, touched = await append(store, loud, seconds=2)
    assert (touched.status, touched.unread) == (ConversationStatus.open, 1)


async def test_append_without_a_conversation_stores_the_entry_alone(store):
    c, _ = await known(store, telegram(1))
    e = entry(c.id, provider_id="loose")
    assert await append(store, e) == (True, None)
    assert (await store.timeline.get(e.id)).conversation_id is None


async def test_concurrent_appends_each_count_once(store):
    c, conv = await known(store, telegram(1))
    entries = [
        entry(c.id, conversation_id=conv.id, provider_id=f"m{i}", occurred_at=at(i)) for i in range(1, 11)
    ]
    twin = entry(c.id, conversation_id=conv.id, provider_id="m3", occurred_at=at(3))

    results = await asyncio.gather(*(append(store, e, seconds=i) for i, e in enumerate([*entries, twin], 1)))

    assert [stored for stored, _ in results] == [True] * 10 + [False]
    got = await store.conversations.get(conv.id)
    assert (got.unread, got.last_message_at) == (10, at(10))
    assert len({e.seq for e in entries}) == 10


# --- create_client ------------------------------------------------------------------------------------------------


async def test_create_client_stores_the_client_its_identity_and_the_proposed_conversation(store):
    c = client("Анна", telegram(1))
    proposal = conversation(c.id, thread_key="t1")
    new = await store.inbound.create_client(c, telegram(1), proposal)
    assert (new.owner, new.conversation_created) == (c.id, True)
    assert new.conversation.id == proposal.id and new.conversation.client_id == c.id
    assert (await store.clients.get(c.id)).name == "Анна"
    assert await store.identities.owners([telegram(1)]) == {telegram(1): c.id}
    found = await store.inbound.lookup("telegram:m1", [telegram(1)], "telegram", "t1")
    assert found.conversation.id == proposal.id


async def test_create_client_without_a_proposal_creates_no_conversation(store):
    c = client("Анна", telegram(1))
    new = await store.inbound.create_client(c, telegram(1), None)
    assert (new.owner, new.conversation, new.conversation_created) == (c.id, None, False)
    assert (await store.clients.get(c.id)) is not None
    assert await store.inbound.lookup("telegram:m1", [telegram(1)], "telegram", "t1") == InboundLookup(
        owners={telegram(1): c.id}
    )


async def test_create_client_whose_identity_is_taken_leaves_the_first_owner_and_stores_nothing(store):
    first, _ = await known(store, telegram(1))
    late = client("Анна", telegram(1))
    new = await store.inbound.create_client(late, telegram(1), conversation(late.id, thread_key="t9"))
    assert (new.owner, new.conversation, new.conversation_created) == (first.id, None, False)
    assert await store.clients.get(late.id) is None
    assert await store.identities.owners([telegram(1)]) == {telegram(1): first.id}
    assert await store.inbound.lookup("telegram:m1", [telegram(1)], "telegram", "t9") == InboundLookup(
        owners={telegram(1): first.id}
    )


async def test_concurrent_first_messages_of_one_sender_make_one_client(store):
    rivals = [client(f"Анна {i}", phone("+79161234567")) for i in range(5)]
    results = await asyncio.gather(
        *(
            store.inbound.create_client(c, phone("+79161234567"), conversation(c.id, thread_key="t"))
            for c in rivals
        )
    )
    owners = {r.owner for r in results}
    assert len(owners) == 1
    (winner,) = owners
    assert [r.conversation_created for r in results].count(True) == 1
    assert [await store.clients.get(c.id) is not None for c in rivals] == [c.id == winner for c in rivals]


def first_of(e, *, seconds=1):
    return FirstEntry(e, at(30), e.occurred_at, f"p{seconds}", True, True, at(seconds))


async def test_create_client_appends_the_first_entry_where_that_is_one_transaction(store):
    c = client("Анна", telegram(1))
    proposal = conversation(c.id, thread_key="t1")
    e = entry(c.id, conversation_id=proposal.id, provider_id="m1", occurred_at=at(1))
    new = await store.inbound.create_client(c, telegram(1), proposal, first_of(e))
    if store.name != "sqlite":  # no transaction: left to the caller's append, nothing stored
        assert new.appended is None and new.conversation_created
        assert await store.timeline.get_by_dedupe_key(e.dedupe_key) is None
        return
    stored, touched = new.appended
    assert stored and e.seq is not None
    assert (touched.id, touched.unread, touched.last_message_at, touched.last_message_preview) == (
        proposal.id,
        1,
        at(1),
        "p1",
    )
    assert [x.id for x in await store.timeline.conversation_page(proposal.id, limit=10)] == [e.id]
    assert (await store.inbound.lookup(e.dedupe_key, [telegram(1)], "telegram", "t1")).duplicate.id == e.id


async def test_create_client_whose_identity_is_taken_does_not_append_the_entry(store):
    first, _ = await known(store, telegram(1))
    late = client("Анна", telegram(1))
    proposal = conversation(late.id, thread_key="t9")
    e = entry(late.id, conversation_id=proposal.id, provider_id="m1")
    new = await store.inbound.create_client(late, telegram(1), proposal, first_of(e))
    assert (new.owner, new.appended) == (first.id, None)
    assert await store.timeline.get_by_dedupe_key(e.dedupe_key) is None


async def test_create_client_with_a_duplicate_first_entry_keeps_the_client_and_says_not_stored(store):
    first, conv = await known(store, telegram(1))
    assert (await append(store, entry(first.id, conversation_id=conv.id, provider_id="m1")))[0]
    c = client("Иван", telegram(2))
    proposal = conversation(c.id, thread_key="t1")
    twin = entry(c.id, conversation_id=proposal.id, provider_id="m1")  # the same dedupe key
    new = await store.inbound.create_client(c, telegram(2), proposal, first_of(twin))
    appended = (False, None) if store.name == "sqlite" else None  # (elsewhere: left to the caller)
    assert (new.owner, new.conversation_created, new.appended) == (c.id, True, appended)
    assert (await store.conversations.get(proposal.id)).unread == 0  # no touch without the entry
    assert (await store.timeline.get_by_dedupe_key(twin.dedupe_key)).client_id == first.id


# --- SQLite: one trip each, and the append is one transaction -----------------------------------------------------


@pytest.fixture
async def sqlite_store(tmp_path):
    s = await open_sqlite_store(tmp_path / "hub.db")
    try:
        yield s
    finally:
        await s.close()


async def test_sqlite_lookup_and_append_are_one_round_trip_each(sqlite_store):
    store = sqlite_store
    c, conv = await known(store, telegram(1), phone("+79161234567"))
    before = store.stats.round_trips
    found = await store.inbound.lookup("telegram:m1", [telegram(1), phone("+79161234567")], "telegram", "t1")
    assert store.stats.round_trips - before == 1 and found.conversation is not None
    before = store.stats.round_trips
    await append(store, entry(c.id, conversation_id=conv.id, provider_id="m1"))
    assert store.stats.round_trips - before == 1
    before = store.stats.round_trips
    found = await store.inbound.lookup("telegram:m9", [telegram(1)], "telegram", "t1", append=draft("m9"))
    assert store.stats.round_trips - before == 1 and found.appended[1][0]
    newcomer = client("Иван", telegram(2))
    proposal = conversation(newcomer.id)
    first = first_of(entry(newcomer.id, conversation_id=proposal.id, provider_id="m2"))
    before, batches = store.stats.round_trips, store.inbound._batch.batches
    new = await store.inbound.create_client(newcomer, telegram(2), proposal, first)
    assert (store.stats.round_trips - before, store.inbound._batch.batches - batches) == (1, 1)
    assert new.appended[0] and new.conversation_created


async def test_sqlite_a_failing_conversation_insert_undoes_the_new_client_and_its_identity(
    sqlite_store, monkeypatch
):
    import hub.store.sqlite.conversations as conversations_module

    store = sqlite_store
    monkeypatch.setattr(conversations_module, "_INSERT_CONV", "INSERT INTO no_such_table VALUES (?)")
    c = client("Анна", telegram(1))
    with pytest.raises(Exception, match="no_such_table"):
        await store.inbound.create_client(c, telegram(1), conversation(c.id))
    assert await store.clients.get(c.id) is None  # all or nothing
    assert await store.identities.owners([telegram(1)]) == {}


async def test_sqlite_a_failing_first_entry_undoes_the_new_client_and_its_conversation(
    sqlite_store, monkeypatch
):
    import hub.store.sqlite.inbound as inbound_module

    store = sqlite_store

    def failing(entry, lease_until, terms):
        return "INSERT INTO no_such_table VALUES (?)", (entry.id,)

    monkeypatch.setattr(inbound_module, "insert_with_terms", failing)
    c = client("Анна", telegram(1))
    proposal = conversation(c.id)
    with pytest.raises(Exception, match="no_such_table"):
        await store.inbound.create_client(
            c, telegram(1), proposal, first_of(entry(c.id, conversation_id=proposal.id, provider_id="m1"))
        )
    assert await store.clients.get(c.id) is None  # all or nothing
    assert await store.conversations.get(proposal.id) is None
    assert await store.identities.owners([telegram(1)]) == {}


async def test_sqlite_a_failing_touch_undoes_the_entry(sqlite_store, monkeypatch):
    import hub.store.sqlite.inbound as inbound_module

    store = sqlite_store
    c, conv = await known(store, telegram(1))
    real = inbound_module.touch_statement
    monkeypatch.setattr(
        inbound_module, "touch_statement", lambda *a, **kw: ("UPDATE no_such_table SET x = 1", {})
    )
    failing = entry(c.id, conversation_id=conv.id, provider_id="m1")
    with pytest.raises(Exception, match="no_such_table"):
        await append(store, failing)
    assert await store.timeline.get(failing.id) is None  # both or neither
    assert await store.timeline.get_by_dedupe_key(failing.dedupe_key) is None
    message = draft("m2")  # the same through lookup's append
    with pytest.raises(Exception, match="no_such_table"):
        await store.inbound.lookup("telegram:m2", [telegram(1)], "telegram", "t1", append=message)
    assert await store.timeline.get(message.entry.id) is None

    # a failing append in a batch with other callers' writes undoes only its own statements
    monkeypatch.setattr(
        inbound_module,
        "touch_statement",
        lambda cid, **kw: (
            real(cid, **kw) if kw["preview"] != "p2" else ("UPDATE no_such_table SET x = 1", {})
        ),
    )
    entries = [
        entry(c.id, conversation_id=conv.id, provider_id=f"b{i}", occurred_at=at(i)) for i in range(1, 4)
    ]
    results = await asyncio.gather(
        *(append(store, e, seconds=i) for i, e in enumerate(entries, 1)), return_exceptions=True
    )
    assert results[0][0] is True and results[2][0] is True and isinstance(results[1], Exception)
    assert [await store.timeline.get(e.id) is not None for e in entries] == [True, False, True]
    assert (await store.conversations.get(conv.id)).unread == 2
