"""Store contract: `record_call` — one call entry updated by its events in any order, each event applied once."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from store_factories import entry

from hub.domain import EntryKind
from hub.store.port import CALL_EVENT_MEMORY

RINGING, ANSWERED, ENDED = 1, 2, 3


async def call_entry(store, **call):
    e = entry(
        "c1", channel="phone", kind=EntryKind.call, provider_id="CA1", meta={"call": call} if call else {}
    )
    assert await store.timeline.insert(e)
    return e


async def apply(store, entry_id, event_id, rank, status, **fields):
    return await store.timeline.record_call(
        entry_id, event_id=event_id, rank=rank, status=status, fields=fields
    )


EVENTS = [
    ("e-ring", RINGING, "ringing", {"started_at": "2024-05-01T12:00:00+00:00", "from": "+79161234567"}),
    ("e-answer", ANSWERED, "answered", {"answered_by": "101", "answered_at": "2024-05-01T12:00:05+00:00"}),
    ("e-end", ENDED, "completed", {"duration": 134, "recording_url": "https://rec.example/1.mp3"}),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_every_arrival_order_ends_in_the_same_state(store, order):
    e = await call_entry(store)
    for i in order:
        event_id, rank, status, fields = EVENTS[i]
        assert await apply(store, e.id, event_id, rank, status, **fields) is not None
    call = (await store.timeline.get(e.id)).meta["call"]
    assert call["status"] == "completed"
    assert call["status_event"] == "e-end"
    assert call["rank"] == ENDED
    assert call["answered_by"] == "101"
    assert call["duration"] == 134
    assert call["from"] == "+79161234567"
    assert call["recording_url"] == "https://rec.example/1.mp3"
    assert sorted(call["events"]) == ["e-answer", "e-end", "e-ring"]


async def test_a_replayed_event_changes_nothing(store):
    e = await call_entry(store)
    first = await apply(store, e.id, "e1", RINGING, "ringing", started_at="t1")
    assert first.meta["call"]["status_event"] == "e1"
    assert await apply(store, e.id, "e1", ENDED, "missed", duration=5) is None
    assert (await store.timeline.get(e.id)).meta == first.meta


async def test_a_less_advanced_event_fills_gaps_but_never_overwrites(store):
    e = await call_entry(store)
    await apply(store, e.id, "end", ENDED, "completed", duration=60, answered_by="101")
    after = await apply(store, e.id, "ans", ANSWERED, "answered", answered_by="999", answered_at="t5")
    call = after.meta["call"]
    assert (call["status"], call["status_event"], call["rank"]) == ("completed", "end", ENDED)
    assert call["answered_by"] == "101"  # what the more advanced event said stays
    assert call["answered_at"] == "t5"  # a gap is filled
    # an event of the same or a higher rank does overwrite a field
    later = await apply(store, e.id, "end2", ENDED, "completed", duration=61)
    assert later.meta["call"]["duration"] == 61
    assert later.meta["call"]["status_event"] == "end"  # an equal rank does not take the status


async def test_an_event_without_status_only_merges_fields(store):
    e = await call_entry(store, status="ringing", rank=RINGING, direction="in")
    after = await apply(
        store, e.id, "rec", 0, None, recording_url="https://rec.example/$1.mp3", transcript="Привет"
    )
    call = after.meta["call"]
    assert (call["status"], call["rank"], call["direction"]) == ("ringing", RINGING, "in")
    assert call["recording_url"] == "https://rec.example/$1.mp3"
    assert call["transcript"] == "Привет"


async def test_a_call_object_is_created_when_missing_and_other_meta_is_kept(store):
    e = entry("c1", channel="phone", kind=EntryKind.call, provider_id="CA2", meta={"keep": [1, {"a": 2}]})
    assert await store.timeline.insert(e)
    after = await apply(store, e.id, "e1", RINGING, "ringing", to="+74951234567")
    assert after.meta["keep"] == [1, {"a": 2}]
    assert after.meta["call"]["status"] == "ringing"
    assert after.meta["call"]["events"] == ["e1"]


async def test_a_missing_entry_is_none(store):
    assert await apply(store, "nope", "e1", RINGING, "ringing") is None


async def test_concurrent_deliveries_of_one_event_apply_once(store):
    e = await call_entry(store)
    results = await asyncio.gather(*(apply(store, e.id, "same", RINGING, "ringing") for _ in range(10)))
    assert sum(r is not None for r in results) == 1
    assert (await store.timeline.get(e.id)).meta["call"]["events"] == ["same"]


async def test_the_call_remembers_its_last_events(store):
    e = await call_entry(store)
    for i in range(CALL_EVENT_MEMORY + 3):
        assert await apply(store, e.id, f"e{i}", 0, None) is not None
    events = (await store.timeline.get(e.id)).meta["call"]["events"]
    assert events == [f"e{i}" for i in range(3, CALL_EVENT_MEMORY + 3)]
    assert await apply(store, e.id, f"e{CALL_EVENT_MEMORY + 2}", 0, None) is None


@pytest.mark.parametrize("name", ["status", "events", "a.b", "x'y"])
async def test_call_fields_are_plain_names(store, name):
    e = await call_entry(store)
    with pytest.raises(ValueError):
        await store.timeline.record_call(
            e.id, event_id="e1", rank=RINGING, status="ringing", fields={name: "v"}
        )
