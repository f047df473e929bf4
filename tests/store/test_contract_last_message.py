"""Store contract: ConversationRepo.set_last_message, the recount after entries moved (hub.actions.threading):
conditional on the last_message_at the caller read, counters never below 0, the list order follows."""

from __future__ import annotations

from store_factories import at, conversation

from hub.store.port import ConversationQuery


async def _touched(store, client_id, seconds, *, inbound=True):
    conv, _ = await store.conversations.get_or_create(conversation(client_id, created_at=at(0)))
    got = await store.conversations.touch(
        conv.id, at=at(seconds), preview=f"m{seconds}", inbound=inbound, reopen=False, now=at(seconds)
    )
    return got


async def test_it_replaces_the_last_message_while_it_is_as_read(store):
    conv = await _touched(store, "c1", 10)
    got = await store.conversations.set_last_message(
        conv.id, expected_at=at(10), at=at(5), preview="earlier", inbound_added=-1, now=at(20)
    )
    assert got is not None
    assert (got.last_message_at, got.last_message_preview, got.inbound_count) == (at(5), "earlier", 0)
    assert got.updated_at == at(20)
    assert await store.conversations.get(conv.id) == got


async def test_a_message_touched_meanwhile_wins(store):
    conv = await _touched(store, "c1", 10)
    await store.conversations.touch(conv.id, at=at(15), preview="newer", inbound=True, reopen=False)
    stale = await store.conversations.set_last_message(
        conv.id, expected_at=at(10), at=at(5), preview="earlier", now=at(20)
    )
    assert stale is None
    kept = await store.conversations.get(conv.id)
    assert (kept.last_message_at, kept.last_message_preview, kept.inbound_count) == (at(15), "newer", 2)
    assert (
        await store.conversations.set_last_message("nobody", expected_at=None, at=None, preview="", now=at(1))
        is None
    )


async def test_no_message_left_and_a_first_one_joining(store):
    conv = await _touched(store, "c1", 10, inbound=False)
    emptied = await store.conversations.set_last_message(
        conv.id, expected_at=at(10), at=None, preview="", inbound_added=-3, now=at(20)
    )
    assert (emptied.last_message_at, emptied.last_message_preview, emptied.inbound_count) == (None, "", 0)
    fresh, _ = await store.conversations.get_or_create(conversation("c1", "email", "new", created_at=at(1)))
    joined = await store.conversations.set_last_message(
        fresh.id, expected_at=None, at=at(8), preview="moved in", inbound_added=2, now=at(20)
    )
    assert (joined.last_message_at, joined.last_message_preview, joined.inbound_count) == (
        at(8),
        "moved in",
        2,
    )
    # the list sorts by the new last message: the emptied one by its creation time, after the joined one
    listed = await store.conversations.query(ConversationQuery(client_id="c1"))
    assert [c.id for c in listed] == [joined.id, emptied.id]
