"""Store contract: `add_attachment` — a file added to an entry later (a call's downloaded recording), once per url."""

from __future__ import annotations

import asyncio

from store_factories import entry

from hub.domain import Attachment, EntryKind


def recording(key: str) -> Attachment:
    return Attachment(name="recording.wav", content_type="audio/wav", size=1600, url=f"/api/v1/files/{key}")


async def test_an_attachment_is_added_once_per_url(store):
    e = entry(
        "c1", channel="phone", kind=EntryKind.call, provider_id="CA1", meta={"call": {"status": "completed"}}
    )
    assert await store.timeline.insert(e)
    # two downloads of one recording racing: one of them adds it
    results = await asyncio.gather(
        *(store.timeline.add_attachment(e.id, recording("a" * 64)) for _ in range(3))
    )
    assert sum(r is not None for r in results) == 1
    added = next(r for r in results if r is not None)
    assert [a.url for a in added.attachments] == ["/api/v1/files/" + "a" * 64]
    assert added.meta["call"]["status"] == "completed"  # the rest of the entry is kept
    second = await store.timeline.add_attachment(e.id, recording("b" * 64))
    assert [a.name for a in second.attachments] == ["recording.wav", "recording.wav"]
    stored = await store.timeline.get(e.id)
    assert [a.url[-1] for a in stored.attachments] == ["a", "b"]
    assert stored.attachments[0].size == 1600 and stored.attachments[0].content_type == "audio/wav"


async def test_a_missing_entry_gets_nothing(store):
    assert await store.timeline.add_attachment("nope", recording("c" * 64)) is None
