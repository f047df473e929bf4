"""Store contract: TimelineRepo.move_entries (moving an entry, or splitting a conversation from it on)."""

from __future__ import annotations

import asyncio

from store_factories import at, entry


async def _three(store):
    entries = [entry("c1", conversation_id="a", text=f"m{n}", occurred_at=at(n)) for n in range(3)]
    for e in entries:
        assert await store.timeline.insert(e)
    return [await store.timeline.get(e.id) for e in entries]


async def _texts(store, conversation_id):
    page = await store.timeline.conversation_page(conversation_id, limit=50)
    return sorted(e.text for e in page)


async def test_one_entry_moves_and_is_found_in_its_new_conversation_only(store):
    first, second, third = await _three(store)
    moved = await store.timeline.move_entries("a", "b", entry_id=second.id)
    assert [e.id for e in moved] == [second.id] and moved[0].conversation_id == "b"
    assert (await store.timeline.get(second.id)).conversation_id == "b"
    assert await _texts(store, "a") == ["m0", "m2"] and await _texts(store, "b") == ["m1"]
    # the arrival walk of the new conversation returns it (sync after a reconnect)
    assert [e.id for e in await store.timeline.since("b", 0)] == [second.id]


async def test_following_moves_the_entry_and_every_later_arrival(store):
    first, second, third = await _three(store)
    moved = await store.timeline.move_entries("a", "b", entry_id=second.id, following=True)
    assert [e.id for e in moved] == [second.id, third.id]
    assert all(e.conversation_id == "b" for e in moved)
    assert await _texts(store, "a") == ["m0"] and await _texts(store, "b") == ["m1", "m2"]


async def test_an_entry_not_in_the_source_conversation_moves_nothing(store):
    first, second, _third = await _three(store)
    assert await store.timeline.move_entries("zzz", "b", entry_id=second.id) == []
    assert await store.timeline.move_entries("a", "b", entry_id="000000000000000000000000") == []
    assert await store.timeline.move_entries("zzz", "b", entry_id=second.id, following=True) == []
    assert await _texts(store, "a") == ["m0", "m1", "m2"]


async def test_two_racing_moves_of_one_entry_move_it_once(store):
    _first, second, _third = await _three(store)
    one, two = await asyncio.gather(
        store.timeline.move_entries("a", "b", entry_id=second.id),
        store.timeline.move_entries("a", "c", entry_id=second.id),
    )
    assert sorted([len(one), len(two)]) == [0, 1]
    where = (await store.timeline.get(second.id)).conversation_id
    assert where == ("b" if one else "c")
    assert await _texts(store, "b") + await _texts(store, "c") == ["m1"]
