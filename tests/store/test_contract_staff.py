"""Store contract: UserRepo, DepartmentRepo, MergeRepo (hub.store.port)."""

from __future__ import annotations

import pytest
from store_factories import T0, at, ids, phone, user

from hub.domain import Department, MergeSuggestion, Role
from hub.store.port import DuplicateError, StoreError

# --- users --------------------------------------------------------------------------------------------------------


async def test_user_create_then_get(store):
    u = user("ann@example.com", "Анна", role=Role.supervisor, department_ids=["d1", "d2"], password_hash="h")
    await store.users.create(u)
    got = await store.users.get(u.id)
    assert got == u
    assert got.created_at == T0 and got.created_at.tzinfo is not None
    assert await store.users.get("000000000000000000000000") is None


async def test_user_duplicate_email_any_case(store):
    first = user("ann@example.com", "Ann")
    await store.users.create(first)
    with pytest.raises(DuplicateError):
        await store.users.create(user("Ann@Example.COM", "Impostor"))
    assert issubclass(DuplicateError, StoreError)
    assert await store.users.count() == 1
    assert ids(await store.users.list()) == [first.id]
    assert (await store.users.get_by_email("ann@example.com")).name == "Ann"


async def test_user_duplicate_email_mixed_case_first(store):
    await store.users.create(user("Bob@Example.com", "Bob"))
    with pytest.raises(DuplicateError):
        await store.users.create(user("bob@example.com", "Bob 2"))
    assert await store.users.count() == 1


async def test_get_by_email_case_insensitive(store):
    u = user("Carol@Example.com", "Carol")
    await store.users.create(u)
    for q in ("carol@example.com", "CAROL@EXAMPLE.COM", "Carol@Example.com"):
        got = await store.users.get_by_email(q)
        assert got is not None and got.id == u.id, q
    assert await store.users.get_by_email("carol@example.org") is None


async def test_user_update(store):
    u = user("dan@example.com", "Dan")
    other = user("eve@example.com", "Eve")
    await store.users.create(u)
    await store.users.create(other)
    got = await store.users.update(
        u.id,
        {
            "name": "Daniel",
            "role": Role.admin,
            "department_ids": ["d9"],
            "password_hash": "new",
            "active": False,
            "token_version": 3,
        },
    )
    assert got == u.model_copy(
        update={
            "name": "Daniel",
            "role": Role.admin,
            "department_ids": ["d9"],
            "password_hash": "new",
            "active": False,
            "token_version": 3,
        }
    )
    assert await store.users.get(u.id) == got
    assert await store.users.get(other.id) == other
    assert await store.users.update("000000000000000000000000", {"name": "x"}) is None


async def test_user_update_only_given_fields(store):
    u = user("fay@example.com", "Fay", role=Role.supervisor, token_version=2)
    await store.users.create(u)
    got = await store.users.update(u.id, {"active": False})
    assert got == u.model_copy(update={"active": False})


async def test_user_list_by_name_and_count(store):
    assert await store.users.list() == []
    assert await store.users.count() == 0
    names = ["Carol", "Alice", "Eve", "Bob", "Dan"]
    for i, name in enumerate(names):
        await store.users.create(user(f"user{i}@example.com", name))
    assert [u.name for u in await store.users.list()] == sorted(names)
    assert await store.users.count() == 5


# --- departments --------------------------------------------------------------------------------------------------


async def test_department_create_get_list(store):
    sales, support = Department(name="Продажи", created_at=T0), Department(name="Support", created_at=at(1))
    await store.departments.create(sales)
    await store.departments.create(support)
    assert await store.departments.get(sales.id) == sales
    assert await store.departments.get("000000000000000000000000") is None
    assert sorted(ids(await store.departments.list())) == sorted([sales.id, support.id])
    assert await store.departments.get_by_name("Продажи") == sales
    assert await store.departments.get_by_name("Nope") is None


async def test_department_duplicate_name_case_insensitive(store):
    await store.departments.create(Department(name="Support"))
    for name in ("Support", "support", "SUPPORT"):
        with pytest.raises(DuplicateError):
            await store.departments.create(Department(name=name))
    await store.departments.create(Department(name="Продажи"))
    with pytest.raises(DuplicateError):
        await store.departments.create(Department(name="ПРОДАЖИ"))
    assert len(await store.departments.list()) == 2


async def test_department_rename(store):
    d = Department(name="Sales")
    await store.departments.create(d)
    got = await store.departments.rename(d.id, "B2B Sales")
    assert got == d.model_copy(update={"name": "B2B Sales"})
    assert await store.departments.get(d.id) == got
    assert (await store.departments.get_by_name("B2B Sales")).id == d.id
    assert await store.departments.get_by_name("Sales") is None
    assert await store.departments.rename("000000000000000000000000", "x") is None
    # the old name is free again
    await store.departments.create(Department(name="Sales"))
    assert len(await store.departments.list()) == 2


async def test_department_rename_onto_taken_name_is_refused(store):
    a, b = Department(name="Sales"), Department(name="Support")
    await store.departments.create(a)
    await store.departments.create(b)
    with pytest.raises(DuplicateError):
        await store.departments.rename(b.id, "sales")
    assert (await store.departments.get(b.id)).name == "Support"


async def test_department_rename_own_name_case(store):
    d = Department(name="sales")
    await store.departments.create(d)
    got = await store.departments.rename(d.id, "Sales")
    assert got.name == "Sales"


# --- merges -------------------------------------------------------------------------------------------------------


def suggestion(a: str, b: str, **kw) -> MergeSuggestion:
    kw.setdefault("created_at", T0)
    return MergeSuggestion(client_ids=(a, b), identity=phone("+79161234567"), **kw)


async def test_merge_suggest_once_per_pair_either_order(store):
    s = suggestion("cb", "ca", reason="same phone")
    assert await store.merges.suggest(s) is True
    assert await store.merges.suggest(suggestion("ca", "cb")) is False
    assert await store.merges.suggest(suggestion("cb", "ca")) is False
    assert ids(await store.merges.list()) == [s.id]
    got = await store.merges.get(s.id)
    assert set(got.client_ids) == {"ca", "cb"}
    assert got.reason == "same phone"
    assert got.identity == phone("+79161234567")
    assert got.status == "open"
    assert got.created_at == T0


async def test_merge_pair_is_stored_sorted(store):
    # port: "the pair is stored sorted, so (a, b) and (b, a) are the same"
    s = suggestion("cb", "ca")
    await store.merges.suggest(s)
    assert (await store.merges.get(s.id)).client_ids == ("ca", "cb")
    assert [x.client_ids for x in await store.merges.list()] == [("ca", "cb")]


async def test_merge_closed_pair_is_not_suggested_again(store):
    s = suggestion("ca", "cb")
    await store.merges.suggest(s)
    assert (await store.merges.set_status(s.id, "dismissed")).status == "dismissed"
    assert await store.merges.suggest(suggestion("cb", "ca")) is False
    assert await store.merges.suggest(suggestion("ca", "cc")) is True


async def test_merge_list_by_status(store):
    a = suggestion("c1", "c2", created_at=at(1))
    b = suggestion("c1", "c3", created_at=at(3))
    c = suggestion("c2", "c3", created_at=at(2))
    for s in (a, b, c):
        assert await store.merges.suggest(s) is True
    await store.merges.set_status(a.id, "merged")
    assert ids(await store.merges.list()) == [b.id, c.id]
    assert ids(await store.merges.list(status="open")) == [b.id, c.id]
    assert ids(await store.merges.list(status="merged")) == [a.id]
    assert await store.merges.list(status="dismissed") == []
    assert ids(await store.merges.list(status=None)) == [b.id, c.id, a.id]
    assert ids(await store.merges.list(status=None, limit=2)) == [b.id, c.id]


async def test_merge_set_status_and_get(store):
    s = suggestion("c1", "c2")
    await store.merges.suggest(s)
    got = await store.merges.set_status(s.id, "merged")
    assert got.id == s.id and got.status == "merged"
    assert (await store.merges.get(s.id)).status == "merged"
    assert await store.merges.get("000000000000000000000000") is None
    assert await store.merges.set_status("000000000000000000000000", "merged") is None
