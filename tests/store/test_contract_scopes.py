"""Store contract: access-scoped reads — EntryScope on timeline pages, conversation_scope on the client search."""

from __future__ import annotations

from store_factories import at, client, conversation, entry, ids

from hub.domain import Author, AuthorType, Direction, EntryKind
from hub.store.port import Cursor, EntryScope, Scope


def note(client_id: str, *, shared: bool = False, **kw):
    meta = {"shared_with_partners": True} if shared else {}
    return entry(
        client_id,
        kind=EntryKind.note,
        direction=Direction.internal,
        author=Author(type=AuthorType.user, id="u1", name="Agent"),
        meta=meta,
        **kw,
    )


async def timeline(store):
    """Client c1: conversations k1 and k2, a client-level note, internal and shared notes. Newest first:"""
    items = {
        "k1 message": entry("c1", conversation_id="k1", occurred_at=at(1)),
        "k2 message": entry("c1", conversation_id="k2", occurred_at=at(2)),
        "k1 internal note": note("c1", conversation_id="k1", occurred_at=at(3)),
        "k1 shared note": note("c1", conversation_id="k1", shared=True, occurred_at=at(4)),
        "client note": note("c1", occurred_at=at(5)),
        "client shared note": note("c1", shared=True, occurred_at=at(6)),
        "k2 reply": entry("c1", conversation_id="k2", direction=Direction.outbound, occurred_at=at(7)),
        "other client": entry("c2", conversation_id="k3", occurred_at=at(8)),
    }
    for e in items.values():
        await store.timeline.insert(e)
    return items


def names(items, got):
    by_id = {e.id: name for name, e in items.items()}
    return [by_id[e.id] for e in got]


async def test_no_scope_and_default_scope_see_everything(store):
    items = await timeline(store)
    everything = [
        "client shared note",
        "client note",
        "k1 shared note",
        "k1 internal note",
        "k2 message",
        "k1 message",
    ]
    assert names(items, await store.timeline.page("c1", limit=50)) == ["k2 reply", *everything]
    assert names(items, await store.timeline.page("c1", scope=EntryScope())) == ["k2 reply", *everything]


async def test_scope_conversation_ids(store):
    items = await timeline(store)
    only_k1 = EntryScope(conversation_ids=("k1",), unthreaded=False)
    assert names(items, await store.timeline.page("c1", scope=only_k1)) == [
        "k1 shared note",
        "k1 internal note",
        "k1 message",
    ]
    k1_and_client = EntryScope(conversation_ids=("k1",))
    assert names(items, await store.timeline.page("c1", scope=k1_and_client)) == [
        "client shared note",
        "client note",
        "k1 shared note",
        "k1 internal note",
        "k1 message",
    ]
    # no conversations: only the client-level entries, or nothing at all
    assert names(items, await store.timeline.page("c1", scope=EntryScope(conversation_ids=()))) == [
        "client shared note",
        "client note",
    ]
    nothing = EntryScope(conversation_ids=(), unthreaded=False)
    assert await store.timeline.page("c1", scope=nothing) == []


async def test_scope_unthreaded_false_hides_client_level_entries(store):
    items = await timeline(store)
    got = await store.timeline.page("c1", scope=EntryScope(unthreaded=False))
    assert names(items, got) == ["k2 reply", "k1 shared note", "k1 internal note", "k2 message", "k1 message"]


async def test_scope_shared_only_hides_internal_notes(store):
    items = await timeline(store)
    got = await store.timeline.page("c1", scope=EntryScope(shared_only=True))
    assert names(items, got) == [
        "k2 reply",
        "client shared note",
        "k1 shared note",
        "k2 message",
        "k1 message",
    ]
    partner_of_k1 = EntryScope(conversation_ids=("k1",), unthreaded=False, shared_only=True)
    assert names(items, await store.timeline.page("c1", scope=partner_of_k1)) == [
        "k1 shared note",
        "k1 message",
    ]


async def test_scoped_pages_are_full_and_continue_with_the_cursor(store):
    # visible and hidden entries interleaved: every page still holds `limit` visible ones
    for i in range(12):
        await store.timeline.insert(note("c1", conversation_id="k1", occurred_at=at(i), shared=i % 3 == 0))
        await store.timeline.insert(entry("c1", conversation_id="k1", occurred_at=at(i), text=f"m{i}"))
    scope = EntryScope(shared_only=True)
    seen, before = [], None
    while True:
        page = await store.timeline.page("c1", limit=5, before=before, scope=scope)
        seen += page
        if len(page) < 5:
            break
        assert len(page) == 5
        before = Cursor(page[-1].occurred_at, page[-1].id)
    assert len(seen) == 12 + 4
    assert len(set(ids(seen))) == len(seen)
    assert all(e.kind is not EntryKind.note or e.meta["shared_with_partners"] for e in seen)


async def test_conversation_page_with_scope(store):
    items = await timeline(store)
    assert names(items, await store.timeline.conversation_page("k1", scope=EntryScope(shared_only=True))) == [
        "k1 shared note",
        "k1 message",
    ]
    outside = EntryScope(conversation_ids=("k2",))
    assert await store.timeline.conversation_page("k1", scope=outside) == []
    inside = EntryScope(conversation_ids=("k1", "k2"), unthreaded=False)
    assert len(await store.timeline.conversation_page("k1", scope=inside)) == 3


async def test_scoped_page_is_one_round_trip(store):
    await timeline(store)
    before = store.stats.round_trips
    await store.timeline.page("c1", scope=EntryScope(conversation_ids=("k1",), shared_only=True))
    await store.timeline.conversation_page("k1", scope=EntryScope(shared_only=True))
    assert store.stats.round_trips - before == 2


# --- ClientRepo.search(conversation_scope=...) --------------------------------------------------------------------


async def clients_with_conversations(store):
    """a: a conversation in department d1; b: one assigned to u1 in d2; c: one unrouted; d: one in d2; e: none."""
    made = {}
    for i, name in enumerate("abcde"):
        c = client(f"Тест {name}", updated_at=at(i))
        await store.clients.create(c)
        made[name] = c
    spec = {"a": {"department_id": "d1"}, "b": {"department_id": "d2", "assignee_id": "u1"}, "c": {}}
    spec["d"] = {"department_id": "d2"}
    for name, fields in spec.items():
        await store.conversations.get_or_create(conversation(made[name].id, **fields))
    # a second conversation of a: does not make it appear twice
    await store.conversations.get_or_create(conversation(made["a"].id, department_id="d1"))
    return made


def letters(made, got):
    by_id = {c.id: name for name, c in made.items()}
    return [by_id[c.id] for c in got]


async def test_search_conversation_scope_each_condition(store):
    made = await clients_with_conversations(store)

    async def search(**scope):
        return letters(made, await store.clients.search("", conversation_scope=Scope(**scope)))

    assert await search(department_ids=("d1",)) == ["a"]
    assert await search(department_ids=("d1", "d2")) == ["d", "b", "a"]
    assert await search(user_id="u1") == ["b"]
    assert await search(unrouted=True) == ["c"]
    assert await search(client_ids=(made["e"].id, made["d"].id)) == ["d"]  # e has no conversation
    # the conditions are OR-ed
    assert await search(department_ids=("d1",), user_id="u1", unrouted=True) == ["c", "b", "a"]
    assert await search() == []  # an empty scope lets nothing through
    assert letters(made, await store.clients.search("")) == ["e", "d", "c", "b", "a"]


async def test_search_conversation_scope_combines_with_the_query_and_limit(store):
    made = await clients_with_conversations(store)
    scope = Scope(department_ids=("d1", "d2"))
    assert letters(made, await store.clients.search("тест b", conversation_scope=scope)) == ["b"]
    assert letters(made, await store.clients.search("тест", conversation_scope=scope, limit=2)) == ["d", "b"]
    assert await store.clients.search("тест", conversation_scope=Scope(department_ids=("d9",))) == []
    # a partner's shared clients and a scope together: both must hold
    await store.clients.update(made["a"].id, {"partner_ids": ["p1"]})
    await store.clients.update(made["c"].id, {"partner_ids": ["p1"]})
    got = await store.clients.search("", partner_id="p1", conversation_scope=Scope(department_ids=("d1",)))
    assert letters(made, got) == ["a"]
