"""Store contract: ClientRepo (hub.store.port). Runs against every adapter through the `store` fixture."""

from __future__ import annotations

from datetime import UTC

from store_factories import T0, at, client, email, ids, phone, telegram

from hub.domain import ClientKind


def assert_utc(value):
    assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0


async def _ivan(store, **kw):
    c = client(
        "Иван Петров",
        phone("+79161234567"),
        email("Ivan.Petrov@Example.com"),
        fields={"age": 42, "vip": True, "score": 1.5, "city": "Москва", "note": None},
        tags=["vip", "b2b"],
        partner_ids=["p1"],
        **kw,
    )
    await store.clients.create(c)
    return c


# --- create / get / get_many / delete -----------------------------------------------------------------------------


async def test_create_then_get_round_trips_every_field(store):
    c = await _ivan(store)
    got = await store.clients.get(c.id)
    assert got == c
    assert got.identities == [phone("+79161234567"), email("ivan.petrov@example.com")]
    assert got.fields == {"age": 42, "vip": True, "score": 1.5, "city": "Москва", "note": None}
    assert_utc(got.created_at)
    assert_utc(got.updated_at)
    assert got.created_at == T0


async def test_get_missing_is_none(store):
    await _ivan(store)
    assert await store.clients.get("000000000000000000000000") is None


async def test_get_many_returns_only_existing(store):
    a, b, c = client("A"), client("B"), client("C")
    for x in (a, b, c):
        await store.clients.create(x)
    got = await store.clients.get_many([a.id, "nope", c.id])
    assert sorted(ids(got)) == sorted([a.id, c.id])
    assert {x.id: x for x in got}[a.id] == a
    assert await store.clients.get_many([]) == []


async def test_delete_removes_client_and_it_is_no_longer_found(store):
    c = await _ivan(store)
    other = client("Иван Сидоров")
    await store.clients.create(other)
    await store.clients.delete(c.id)
    assert await store.clients.get(c.id) is None
    assert await store.clients.get_many([c.id]) == []
    assert ids(await store.clients.search("иван")) == [other.id]
    assert ids(await store.clients.search("")) == [other.id]


# --- update -------------------------------------------------------------------------------------------------------


async def test_update_sets_only_given_fields_and_returns_updated(store):
    c = await _ivan(store)
    updated = await store.clients.update(
        c.id,
        {"tags": ["gold"], "fields": {"age": 43}, "kind": ClientKind.company, "partner_ids": ["p2", "p3"]},
    )
    assert updated is not None
    assert updated.tags == ["gold"]
    assert updated.fields == {"age": 43}
    assert updated.kind == ClientKind.company
    assert updated.partner_ids == ["p2", "p3"]
    # nothing else moved: not the name, the identities, nor the timestamps (the caller sets updated_at)
    assert updated.name == c.name
    assert updated.identities == c.identities
    assert updated.created_at == c.created_at
    assert updated.updated_at == c.updated_at
    assert await store.clients.get(c.id) == updated


async def test_update_updated_at(store):
    c = await _ivan(store)
    updated = await store.clients.update(c.id, {"updated_at": at(60)})
    assert updated.updated_at == at(60)
    assert_utc(updated.updated_at)
    assert (await store.clients.get(c.id)).updated_at == at(60)


async def test_update_missing_is_none(store):
    assert await store.clients.update("000000000000000000000000", {"name": "X"}) is None


async def test_update_does_not_touch_other_clients(store):
    a = await _ivan(store)
    b = client("Other", tags=["keep"])
    await store.clients.create(b)
    await store.clients.update(a.id, {"tags": ["changed"], "name": "Changed"})
    assert await store.clients.get(b.id) == b


# --- add_identity -------------------------------------------------------------------------------------------------


async def test_add_identity_appends_without_duplicates(store):
    c = client("Анна", phone("+79161234567"))
    await store.clients.create(c)
    got = await store.clients.add_identity(c.id, telegram(555))
    assert got is not None
    assert got.identities == [phone("+79161234567"), telegram(555)]
    # nothing changes, and the answer says so
    assert await store.clients.add_identity(c.id, telegram("555")) is None
    assert await store.clients.add_identity(c.id, phone("+79161234567")) is None
    assert (await store.clients.get(c.id)).identities == [phone("+79161234567"), telegram(555)]


async def test_add_identity_refreshes_search_terms(store):
    c = client("Анна")
    await store.clients.create(c)
    assert await store.clients.search("anna.k") == []
    await store.clients.add_identity(c.id, email("anna.k@mail.ru"))
    assert ids(await store.clients.search("anna.k")) == [c.id]
    assert ids(await store.clients.search("анна")) == [c.id]  # the name terms stay


async def test_add_identity_missing_client_is_none(store):
    assert await store.clients.add_identity("000000000000000000000000", telegram(1)) is None


# --- search -------------------------------------------------------------------------------------------------------


async def test_search_by_name_word_prefix_case_insensitive_cyrillic(store):
    c = await _ivan(store)
    await store.clients.create(client("Мария Соколова"))
    for q in ("иван", "ИВАН", "Ив", "петров", "Петр", "иван петров", "ПЕТРОВ иван"):
        assert ids(await store.clients.search(q)) == [c.id], q


async def test_search_is_prefix_not_substring(store):
    await _ivan(store)
    for q in ("ван", "етров", "example", "1234567", "etrov"):
        assert await store.clients.search(q) == [], q


async def test_search_multi_word_needs_every_word(store):
    ivan_p = await _ivan(store)
    ivan_s = client("Иван Сидоров")
    await store.clients.create(ivan_s)
    assert sorted(ids(await store.clients.search("иван"))) == sorted([ivan_p.id, ivan_s.id])
    assert ids(await store.clients.search("иван сид")) == [ivan_s.id]
    assert await store.clients.search("иван смирнов") == []
    # words may match different kinds of terms (name + phone)
    assert ids(await store.clients.search("иван 7916")) == [ivan_p.id]


async def test_search_by_email_whole_and_local_part(store):
    c = await _ivan(store)
    await store.clients.create(client("Other", email("someone@example.com")))
    for q in (
        "ivan.petrov@example.com",
        "IVAN.PETROV@EXAMPLE.COM",
        "ivan.petrov",
        "ivan.pet",
        "ivan.petrov@ex",
    ):
        assert ids(await store.clients.search(q)) == [c.id], q


async def test_search_by_phone_digits_prefix(store):
    c = await _ivan(store)
    await store.clients.create(client("Other", phone("+74951234567")))
    for q in ("7916", "+7916", "79161234567", "+79161234567", "+7-916-123"):
        assert ids(await store.clients.search(q)) == [c.id], q
    assert await store.clients.search("916") == []


async def test_search_by_other_identity_value(store):
    c = client("Bot user", telegram(987654321))
    await store.clients.create(c)
    assert ids(await store.clients.search("987654")) == [c.id]


async def test_search_treats_special_characters_literally(store):
    await _ivan(store)
    await store.clients.create(client("Anna Smith", email("anna@example.com")))
    for q in ("%", "_", "a%", "i_an", ".*", "a.*", "^a", "[a-z]", "\\", "i*"):
        assert await store.clients.search(q) == [], q


async def test_search_follows_rename(store):
    c = await _ivan(store)
    await store.clients.update(c.id, {"name": "Пётр Сидоров", "updated_at": at(5)})
    assert await store.clients.search("иван") == []
    assert await store.clients.search("петров") == []
    assert ids(await store.clients.search("пётр")) == [c.id]
    assert ids(await store.clients.search("сидоров")) == [c.id]
    # identity terms survive a rename
    assert ids(await store.clients.search("7916")) == [c.id]
    assert ids(await store.clients.search("ivan.petrov")) == [c.id]


async def test_search_partner_restriction(store):
    shared = client("Олег Shared", partner_ids=["p1", "p2"])
    private = client("Олег Private")
    other_partner = client("Олег Other", partner_ids=["p3"])
    for x in (shared, private, other_partner):
        await store.clients.create(x)
    assert ids(await store.clients.search("олег", partner_id="p1")) == [shared.id]
    assert ids(await store.clients.search("олег", partner_id="p2")) == [shared.id]
    assert ids(await store.clients.search("", partner_id="p3")) == [other_partner.id]
    assert await store.clients.search("олег", partner_id="p9") == []
    assert len(await store.clients.search("олег")) == 3


async def test_search_partner_follows_update(store):
    c = client("Олег")
    await store.clients.create(c)
    assert await store.clients.search("", partner_id="p1") == []
    await store.clients.update(c.id, {"partner_ids": ["p1"]})
    assert ids(await store.clients.search("", partner_id="p1")) == [c.id]


async def test_empty_search_lists_most_recently_updated_first(store):
    a = client("A", updated_at=at(1))
    b = client("B", updated_at=at(3))
    c = client("C", updated_at=at(2))
    for x in (a, b, c):
        await store.clients.create(x)
    assert ids(await store.clients.search("")) == [b.id, c.id, a.id]
    assert ids(await store.clients.search("   ")) == [b.id, c.id, a.id]
    await store.clients.update(a.id, {"updated_at": at(10)})
    assert ids(await store.clients.search("")) == [a.id, b.id, c.id]


async def test_search_results_most_recently_updated_first(store):
    a = client("Анна Один", updated_at=at(1))
    b = client("Анна Два", updated_at=at(3))
    c = client("Анна Три", updated_at=at(2))
    d = client("Борис", updated_at=at(4))
    for x in (a, b, c, d):
        await store.clients.create(x)
    assert ids(await store.clients.search("анна")) == [b.id, c.id, a.id]


async def test_search_limit(store):
    for i in range(25):
        await store.clients.create(client(f"Тест {i}", updated_at=at(i)))
    assert len(await store.clients.search("тест")) == 20
    ten = await store.clients.search("тест", limit=10)
    assert [x.name for x in ten] == [f"Тест {i}" for i in range(24, 14, -1)]
    assert len(await store.clients.search("", limit=5)) == 5


async def test_search_returns_full_clients(store):
    c = await _ivan(store)
    [got] = await store.clients.search("иван")
    assert got == c
    assert got.created_at.tzinfo is not None and got.created_at.utcoffset() == UTC.utcoffset(None)


async def test_fill_name_sets_a_missing_name_once_and_makes_it_searchable(store):
    c = client("", phone("+79161234567"))
    await store.clients.create(c)
    named = await store.clients.fill_name(c.id, "Иван Петров", at=at(60))
    assert named is not None and named.name == "Иван Петров" and named.updated_at == at(60)
    assert [x.id for x in await store.clients.search("петров")] == [c.id]
    assert [x.id for x in await store.clients.search("7916")] == [c.id]
    # a name is never overwritten by what a later message says
    assert await store.clients.fill_name(c.id, "Someone Else", at=at(120)) is None
    assert (await store.clients.get(c.id)).name == "Иван Петров"
    assert await store.clients.fill_name("000000000000000000000000", "X", at=at(1)) is None
