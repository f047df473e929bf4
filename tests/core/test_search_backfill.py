"""The start-up back-fill of the full-text index: entries stored before the index existed become searchable, in
bounded batches, on both stores; already indexed entries are left as they are."""

from __future__ import annotations

from hub import access
from hub.domain import Author, AuthorType, Direction, TimelineEntry
from hub.queries import search as search_queries
from hub.search_index import SearchBackfill


def old_entry(text: str) -> TimelineEntry:
    return TimelineEntry(
        client_id="c1",
        conversation_id="k1",
        direction=Direction.inbound,
        channel="telegram",
        author=Author(type=AuthorType.client, id="c1", name="Client"),
        text=text,
    )


async def forget_terms(store, entry_id: str) -> None:
    """What an entry stored by a version without the index looks like."""
    if store.name == "sqlite":
        await store.search.db.execute("UPDATE timeline SET search_terms = NULL WHERE id = ?", (entry_id,))
    else:
        await store.search._c.update_one({"_id": entry_id}, {"$unset": {"search_terms": ""}})


async def found(hub, q: str) -> list[str]:
    result = await search_queries.search(hub, access.SYSTEM, q, limit=50)
    return sorted(hit.entry.text for hit in result.entries)


async def test_entries_stored_before_the_index_are_found_after_the_backfill(hub):
    texts = [f"старая переписка о доставке {i}" for i in range(5)]
    for text in texts:
        entry = old_entry(text)
        await hub.store.timeline.insert(entry)
        await forget_terms(hub.store, entry.id)
    await hub.store.timeline.insert(old_entry("новое сообщение о доставке"))
    assert await found(hub, "доставка") == ["новое сообщение о доставке"]

    backfill = SearchBackfill(hub, batch=2, pause=0)
    await backfill.start()
    await backfill.done.wait()
    await backfill.stop()

    assert backfill.indexed == 5
    assert await found(hub, "доставка") == sorted([*texts, "новое сообщение о доставке"])
    assert await hub.store.search.unindexed(limit=10) == []
