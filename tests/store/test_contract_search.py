"""Store contract: full-text search of timeline entries (SQLite FTS5, MongoDB `search_terms` + $all), stemmed RU/EN
terms from hub.search_terms, the SearchScope compiled into the query, the back-fill of entries stored unindexed."""

from __future__ import annotations

from store_factories import at, client, conversation, entry

from hub.domain import Author, AuthorType, Department, Direction, EntryKind
from hub.search_terms import parse_query
from hub.store.port import PartnerScope, Scope, SearchScope


async def find(store, q: str, scope: SearchScope | None = None, limit: int = 20) -> list[str]:
    query = parse_query(q)
    found = await store.search.entries(query.whole, query.prefix, scope=scope, limit=limit)
    return [e.text for e in found]


def note(client_id: str, text: str, *, shared: bool = False, **kw):
    return entry(
        client_id,
        kind=EntryKind.note,
        direction=Direction.internal,
        author=Author(type=AuthorType.user, id="u1", name="Agent"),
        meta={"shared_with_partners": True} if shared else {},
        text=text,
        **kw,
    )


async def test_stemmed_russian_and_english_words_find_their_other_forms(store):
    await store.timeline.insert(
        entry("c1", conversation_id="k1", text="Пришлите, пожалуйста, счёт", occurred_at=at(1))
    )
    await store.timeline.insert(
        entry("c1", conversation_id="k1", text="Where are my ORDERS?", occurred_at=at(2))
    )
    await store.timeline.insert(
        entry("c1", conversation_id="k1", text="Спасибо, всё пришло", occurred_at=at(3))
    )

    assert await find(store, "счета") == ["Пришлите, пожалуйста, счёт"]
    assert await find(store, "СЧЕТ ") == ["Пришлите, пожалуйста, счёт"]
    assert await find(store, "order") == ["Where are my ORDERS?"]
    assert await find(store, "my orders") == ["Where are my ORDERS?"]
    # the last word is a prefix while it is being typed; earlier words are whole
    assert await find(store, "приш") == ["Спасибо, всё пришло", "Пришлите, пожалуйста, счёт"]
    assert await find(store, "пожал") == ["Пришлите, пожалуйста, счёт"]
    assert await find(store, "пожалуйста приш") == ["Пришлите, пожалуйста, счёт"]
    assert await find(store, "пожа счет") == []
    assert await find(store, "всё") == ["Спасибо, всё пришло"]
    assert await find(store, "invoice") == []


async def test_any_letters_are_searchable_and_never_an_error(store):
    # ᦰ (U+19B0) is a letter to Python and a separator to SQLite's tokenizer: the terms split where SQLite does
    await store.timeline.insert(entry("c1", conversation_id="k1", text="xᦰy ÉCOLE naïve", occurred_at=at(1)))
    assert await find(store, "xᦰy") == ["xᦰy ÉCOLE naïve"]
    assert await find(store, "école naïv") == ["xᦰy ÉCOLE naïve"]
    assert await find(store, "ᦰ") == []


async def test_newest_first_and_limited(store):
    for i in range(5):
        await store.timeline.insert(
            entry("c1", conversation_id="k1", text=f"delivery {i}", occurred_at=at(i))
        )
    assert await find(store, "deliveries", limit=3) == ["delivery 4", "delivery 3", "delivery 2"]


async def test_an_edit_reindexes_the_entry(store):
    e = entry("c1", conversation_id="k1", text="первый вариант", occurred_at=at(1))
    await store.timeline.insert(e)
    await store.timeline.update_content(e.id, text="исправленный текст", html=None, meta={})
    assert await find(store, "вариант") == []
    assert await find(store, "исправленн") == ["исправленный текст"]


async def test_email_subject_is_searchable(store):
    await store.timeline.insert(
        entry(
            "c1",
            conversation_id="k1",
            channel="email",
            text="see attached",
            meta={"subject": "Refund request"},
        )
    )
    assert await find(store, "refunds") == ["see attached"]


async def test_scope_is_compiled_into_the_query_so_a_page_is_full(store):
    sales = Department(name="Sales")
    support = Department(name="Support")
    c1 = client("Anna")
    await store.clients.create(c1)
    k_sales, _ = await store.conversations.get_or_create(conversation(c1.id, department_id=sales.id))
    k_support, _ = await store.conversations.get_or_create(conversation(c1.id, department_id=support.id))
    await store.timeline.insert(
        entry(c1.id, conversation_id=k_support.id, text="invoice support", occurred_at=at(0))
    )
    for i in range(5):  # newer hidden hits would fill a page filtered after the limit
        await store.timeline.insert(
            entry(c1.id, conversation_id=k_sales.id, text=f"invoice sales {i}", occurred_at=at(10 + i))
        )
    await store.timeline.insert(note(c1.id, "invoice client note", occurred_at=at(20)))

    agent = SearchScope(conversations=Scope(department_ids=(support.id,), user_id="u9", unrouted=True))
    assert await find(store, "invoice", agent, limit=1) == ["invoice client note"]
    assert await find(store, "invoice", agent, limit=2) == ["invoice client note", "invoice support"]

    # department visibility: a client-level note only of a client the reader sees through a conversation
    via = Scope(department_ids=(support.id,))
    department = SearchScope(conversations=via, unthreaded_via=via)
    assert await find(store, "invoice", department) == ["invoice client note", "invoice support"]
    nobody = SearchScope(
        conversations=Scope(department_ids=("elsewhere",)), unthreaded_via=Scope(department_ids=("x",))
    )
    assert await find(store, "invoice", nobody) == []
    assert len(await find(store, "invoice")) == 7


async def test_partner_scope_never_finds_internal_notes(store):
    shared = client("Boris", partner_ids=["p1"])
    other = client("Vera")
    for c in (shared, other):
        await store.clients.create(c)
    k1, _ = await store.conversations.get_or_create(conversation(shared.id))
    k2, _ = await store.conversations.get_or_create(conversation(other.id))
    k3, _ = await store.conversations.get_or_create(conversation(other.id))
    await store.timeline.insert(
        entry(shared.id, conversation_id=k1.id, text="contract message", occurred_at=at(1))
    )
    await store.timeline.insert(
        note(shared.id, "contract internal", conversation_id=k1.id, occurred_at=at(2))
    )
    await store.timeline.insert(
        note(shared.id, "contract shared", shared=True, conversation_id=k1.id, occurred_at=at(3))
    )
    await store.timeline.insert(note(shared.id, "contract client note", shared=True, occurred_at=at(4)))
    await store.timeline.insert(
        entry(other.id, conversation_id=k2.id, text="contract granted", occurred_at=at(5))
    )
    await store.timeline.insert(
        entry(other.id, conversation_id=k3.id, text="contract hidden", occurred_at=at(6))
    )

    partner = SearchScope(
        conversations=Scope(conversation_ids=(k2.id,)),
        unthreaded=False,
        clients=PartnerScope(partner_id="p1"),
        shared_only=True,
    )
    assert await find(store, "contracts", partner) == [
        "contract granted",
        "contract client note",
        "contract shared",
        "contract message",
    ]
    assert await find(store, "contract", SearchScope(conversations=Scope(), unthreaded=False)) == []


async def test_backfill_indexes_entries_stored_before_the_index(store):
    e = entry("c1", conversation_id="k1", text="старое сообщение о доставке", occurred_at=at(1))
    await store.timeline.insert(e)
    await _forget_terms(store, e.id)
    assert await find(store, "доставка") == []
    assert [x.id for x in await store.search.unindexed(limit=10)] == [e.id]

    assert await store.search.index({e.id: ["старое", "сообщен", "о", "доставк"]}) == 1
    assert await store.search.index({e.id: ["other"]}) == 0  # indexed entries are left alone
    assert await find(store, "доставка") == ["старое сообщение о доставке"]
    assert await store.search.unindexed(limit=10) == []


async def _forget_terms(store, entry_id: str) -> None:
    """What an entry stored by an older version looks like: no search terms at all."""
    if store.name == "sqlite":
        await store.search.db.execute("UPDATE timeline SET search_terms = NULL WHERE id = ?", (entry_id,))
    else:
        await store.search._c.update_one({"_id": entry_id}, {"$unset": {"search_terms": ""}})
