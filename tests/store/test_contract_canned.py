"""Store contract: canned replies — what a CannedQuery lets through, search by title and shortcut, language, and a
shortcut unique within its scope (owner, department, global) on create and update."""

from __future__ import annotations

import pytest
from store_factories import at

from hub.domain_canned import CannedLanguage, CannedResponse
from hub.store.port import CannedQuery, DuplicateError


def reply(title: str, shortcut: str = "", **kw) -> CannedResponse:
    kw.setdefault("created_at", at(0))
    kw.setdefault("updated_at", at(0))
    kw.setdefault("language", CannedLanguage.en)
    return CannedResponse(title=title, shortcut=shortcut, body=kw.pop("body", f"{title} body"), **kw)


async def titles(store, **query) -> list[str]:
    return [r.title for r in await store.canned.query(CannedQuery(**query))]


async def seed(store) -> None:
    for r in (
        reply("Mine", "mine", owner_id="u1"),
        reply("Theirs", "theirs", owner_id="u2"),
        reply("Sales greeting", "hello", department_id="sales"),
        reply("Support greeting", "hello", department_id="support"),
        reply("Global thanks", "thanks"),
        reply("Спасибо за ожидание", "wait", language=CannedLanguage.ru),
    ):
        await store.canned.create(r)


async def test_a_query_lets_through_own_department_and_global_replies(store):
    await seed(store)
    agent = {"owner_id": "u1", "department_ids": ("support",)}
    assert await titles(store, **agent) == [
        "Global thanks",
        "Mine",
        "Support greeting",
        "Спасибо за ожидание",
    ]
    assert await titles(store, owner_id="u1", all_departments=True) == [
        "Global thanks",
        "Mine",
        "Sales greeting",
        "Support greeting",
        "Спасибо за ожидание",
    ]
    assert await titles(store, global_=False) == []
    assert await titles(store, owner_id="u2", global_=False) == ["Theirs"]


async def test_search_by_title_words_or_shortcut_prefix_and_language(store):
    await seed(store)
    everything = {"owner_id": "u1", "department_ids": ("support", "sales")}
    assert await titles(store, **everything, q="GREET") == ["Sales greeting", "Support greeting"]
    assert await titles(store, **everything, q="hel") == ["Sales greeting", "Support greeting"]
    assert await titles(store, **everything, q="ожидан") == ["Спасибо за ожидание"]
    assert await titles(store, **everything, q="%") == []
    assert await titles(store, **everything, language="ru", q="") == ["Спасибо за ожидание"]
    assert len(await store.canned.query(CannedQuery(**everything, limit=2))) == 2


async def test_a_shortcut_is_unique_within_its_scope(store):
    await seed(store)
    with pytest.raises(DuplicateError):
        await store.canned.create(reply("Another", "hello", department_id="sales"))
    with pytest.raises(DuplicateError):
        await store.canned.create(reply("Another", "mine", owner_id="u1"))
    await store.canned.create(reply("Mine too", "mine", owner_id="u3"))  # another owner's scope
    await store.canned.create(reply("No shortcut 1"))
    await store.canned.create(reply("No shortcut 2"))  # an empty shortcut never collides

    thanks = (await store.canned.query(CannedQuery(q="thanks")))[0]
    with pytest.raises(DuplicateError):
        await store.canned.update(thanks.id, {"shortcut": "wait"})
    changed = await store.canned.update(
        thanks.id, {"shortcut": "ty", "title": "Thank you", "updated_at": at(5)}
    )
    assert (changed.shortcut, changed.title, changed.updated_at) == ("ty", "Thank you", at(5))
    assert await store.canned.get(thanks.id) == changed
    await store.canned.create(reply("Reuses the freed shortcut", "thanks"))
    assert await titles(store, q="thank") == ["Reuses the freed shortcut", "Thank you"]


async def test_update_and_delete(store):
    r = reply("Old", "old", owner_id="u1", language=CannedLanguage.ru)
    await store.canned.create(r)
    after = await store.canned.update(
        r.id, {"body": "Hello {{ client.name }}", "language": CannedLanguage.en}
    )
    assert after.body == "Hello {{ client.name }}" and after.language is CannedLanguage.en
    assert await titles(store, owner_id="u1", language="en") == ["Old"]
    assert await titles(store, owner_id="u1", language="ru") == []
    assert await store.canned.update("missing", {"title": "x"}) is None
    with pytest.raises(ValueError):
        await store.canned.update(r.id, {"owner_id": "u2"})
    assert await store.canned.delete(r.id) is True
    assert await store.canned.delete(r.id) is False
    assert await store.canned.get(r.id) is None
