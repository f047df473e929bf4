"""Store contract: places where the adapters used to disagree (touch's clock, limits, finding a merge pair)."""

from __future__ import annotations

import pytest
from store_factories import T0, at, conversation, entry, phone

from hub.domain import MergeSuggestion
from hub.store.port import ConversationQuery


async def make(store, client_id="c1", **kw):
    conv, created = await store.conversations.get_or_create(conversation(client_id, **kw))
    assert created
    return conv


# --- touch takes the caller's clock -------------------------------------------------------------------------------


async def test_touch_updated_at_is_the_callers_now(store):
    conv = await make(store)
    got = await store.conversations.touch(
        conv.id, at=at(10), preview="p", inbound=True, reopen=False, now=at(60)
    )
    assert got.updated_at == at(60)
    assert (await store.conversations.get(conv.id)).updated_at == at(60)


async def test_touch_updated_at_is_at_least_the_message_time(store):
    conv = await make(store)
    # a message stamped after the caller's clock (allowed clock skew): updated_at follows the message
    got = await store.conversations.touch(
        conv.id, at=at(90), preview="p", inbound=True, reopen=False, now=at(60)
    )
    assert got.updated_at == at(90)


async def test_touch_updated_at_never_goes_backwards(store):
    conv = await make(store)
    await store.conversations.touch(conv.id, at=at(10), preview="a", inbound=True, reopen=False, now=at(100))
    # another process with a clock behind
    got = await store.conversations.touch(
        conv.id, at=at(20), preview="b", inbound=True, reopen=False, now=at(30)
    )
    assert got.updated_at == at(100)


async def test_touch_without_now_uses_the_wall_clock(store):
    conv = await make(store)
    got = await store.conversations.touch(conv.id, at=T0, preview="p", inbound=True, reopen=False)
    assert got.updated_at > at(60)  # T0 is in 2024: the wall clock is later


# --- limits below 1 are refused, the same way everywhere ----------------------------------------------------------


def limit_calls(store, limit):
    return {
        "clients.search": lambda: store.clients.search("", limit=limit),
        "conversations.query": lambda: store.conversations.query(ConversationQuery(limit=limit)),
        "timeline.page": lambda: store.timeline.page("c1", limit=limit),
        "timeline.conversation_page": lambda: store.timeline.conversation_page("k1", limit=limit),
        "timeline.mentioning": lambda: store.timeline.mentioning("u1", limit=limit),
        "timeline.due_deliveries": lambda: store.timeline.due_deliveries(now=T0, limit=limit),
        "timeline.since": lambda: store.timeline.since("k1", 0, limit=limit),
        "timeline.unsettled": lambda: store.timeline.unsettled(older_than=T0, limit=limit),
        "merges.list": lambda: store.merges.list(limit=limit),
    }


@pytest.mark.parametrize("limit", [0, -1])
async def test_limit_below_one_raises(store, limit):
    await store.timeline.insert(entry("c1", conversation_id="k1"))
    refused = []
    for name, call in limit_calls(store, limit).items():
        before = store.stats.round_trips
        try:
            await call()
        except ValueError:
            refused.append(name)
            assert store.stats.round_trips == before, f"{name} went to the database first"
    assert refused == list(limit_calls(store, limit))


async def test_limit_of_one_is_fine(store):
    await store.timeline.insert(entry("c1", conversation_id="k1"))
    for call in limit_calls(store, 1).values():
        assert isinstance(await call(), list)


# --- merges.for_pair ----------------------------------------------------------------------------------------------


def suggestion(a: str, b: str, **kw) -> MergeSuggestion:
    kw.setdefault("created_at", T0)
    return MergeSuggestion(client_ids=(a, b), identity=phone("+79161234567"), **kw)


async def test_for_pair_finds_the_suggestion_in_either_order(store):
    s = suggestion("cb", "ca")
    await store.merges.suggest(s)
    await store.merges.suggest(suggestion("ca", "cc"))
    for a, b in (("ca", "cb"), ("cb", "ca")):
        found = await store.merges.for_pair(a, b)
        assert found is not None
        assert found.id == s.id
        assert found.client_ids == ("ca", "cb")


async def test_for_pair_of_any_status_and_missing(store):
    s = suggestion("ca", "cb")
    await store.merges.suggest(s)
    await store.merges.set_status(s.id, "dismissed")
    assert (await store.merges.for_pair("cb", "ca")).status == "dismissed"
    assert await store.merges.for_pair("ca", "cz") is None


async def test_for_pair_is_one_round_trip(store):
    await store.merges.suggest(suggestion("ca", "cb"))
    before = store.stats.round_trips
    await store.merges.for_pair("ca", "cb")
    assert store.stats.round_trips - before == 1
