"""Store contract: saved views — what a ViewQuery lets through (own, shared with everyone, with a department),
updates of name, filters and sharing, delete; the filters round-trip exactly."""

from __future__ import annotations

from store_factories import at

from hub.domain_views import SavedView, ViewFilters, ViewSharing
from hub.store.port import ViewQuery


def view(name: str, owner: str = "u1", **kw) -> SavedView:
    kw.setdefault("created_at", at(0))
    kw.setdefault("updated_at", at(0))
    return SavedView(name=name, owner_id=owner, **kw)


async def names(store, **query) -> list[str]:
    return [v.name for v in await store.views.query(ViewQuery(**query))]


async def seed(store) -> None:
    for v in (
        view("mine", "u1"),
        view("Theirs", "u2"),
        view("Everyone's", "admin", shared=ViewSharing.everyone),
        view("sales team", "admin", shared=ViewSharing.department, department_id="sales"),
        view("Support team", "admin", shared=ViewSharing.department, department_id="support"),
    ):
        await store.views.create(v)


async def test_a_query_lets_through_own_everyones_and_the_departments_views(store):
    await seed(store)
    assert await names(store, owner_id="u1", everyone=True, department_ids=("support",)) == [
        "Everyone's",
        "mine",
        "Support team",
    ]
    assert await names(store, owner_id="u2", everyone=True, all_departments=True) == [
        "Everyone's",
        "sales team",
        "Support team",
        "Theirs",
    ]
    assert await names(store) == []
    assert await names(store, owner_id="nobody") == []


async def test_filters_round_trip_and_updates_apply(store):
    filters = ViewFilters.model_validate(
        {
            "channel": "telegram,email",
            "sla": ["breached"],
            "tag": "vip",
            "created_from": "2024-05-01T00:00:00Z",
        }
    )
    mine = view("Hot", filters=filters)
    await store.views.create(mine)
    assert await store.views.get(mine.id) == mine
    narrower = filters.model_copy(update={"channel": ["telegram"]})
    updated = await store.views.update(
        mine.id,
        {"name": "Hotter", "filters": narrower, "shared": ViewSharing.everyone, "updated_at": at(5)},
    )
    assert updated is not None and updated.name == "Hotter" and updated.filters == narrower
    assert updated.shared is ViewSharing.everyone and updated.updated_at == at(5)
    assert await store.views.get(mine.id) == updated
    assert await names(store, everyone=True) == ["Hotter"]
    assert await store.views.update("missing", {"name": "x"}) is None


async def test_delete_removes_once(store):
    await seed(store)
    mine = (await store.views.query(ViewQuery(owner_id="u1")))[0]
    assert await store.views.delete(mine.id) is True
    assert await store.views.delete(mine.id) is False
    assert await store.views.get(mine.id) is None
