"""Store contract: TimelineRepo (hub.store.port)."""

from __future__ import annotations

import asyncio

from store_factories import T0, at, entry, ids, outbound

from hub.domain import Attachment, Author, AuthorType, Delivery, DeliveryStatus, Direction, EntryKind
from hub.store.port import Cursor


def assert_utc(value):
    assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0


def cursor_of(e):
    return Cursor(e.occurred_at, e.id)


# --- insert / get / dedupe ----------------------------------------------------------------------------------------


async def test_insert_then_get_round_trips_every_field(store):
    e = entry(
        "c1",
        conversation_id="conv1",
        kind=EntryKind.message,
        direction=Direction.outbound,
        channel="email",
        author=Author(type=AuthorType.user, id="u1", name="Оля"),
        text="Добрый день",
        html="<p>Добрый день</p>",
        attachments=[Attachment(name="счёт.pdf", content_type="application/pdf", size=1234, url="/f/1")],
        provider_id="<abc@mail>",
        mentions=["u2"],
        delivery=Delivery(
            status=DeliveryStatus.failed, attempts=2, error="550", next_attempt_at=at(60), updated_at=at(1)
        ),
        meta={"subject": "Re: счёт", "nested": {"a": [1, 2]}, "flag": True},
        occurred_at=at(1),
        created_at=at(2),
    )
    assert await store.timeline.insert(e) is True
    got = await store.timeline.get(e.id)
    assert got == e
    assert got.dedupe_key == "email:<abc@mail>"
    for value in (got.occurred_at, got.created_at, got.delivery.updated_at, got.delivery.next_attempt_at):
        assert_utc(value)


async def test_get_missing_is_none(store):
    await store.timeline.insert(entry("c1"))
    assert await store.timeline.get("000000000000000000000000") is None
    assert await store.timeline.get_by_dedupe_key("telegram:nope") is None


async def test_insert_same_dedupe_key_is_refused_and_first_kept(store):
    first = entry("c1", provider_id="777", text="original", occurred_at=at(1))
    dup = entry("c2", provider_id="777", text="duplicate", occurred_at=at(2))
    assert first.dedupe_key == dup.dedupe_key
    assert await store.timeline.insert(first) is True
    assert await store.timeline.insert(dup) is False
    assert await store.timeline.get(dup.id) is None
    assert await store.timeline.get(first.id) == first
    assert await store.timeline.get_by_dedupe_key("telegram:777") == first
    assert ids(await store.timeline.page("c1")) == [first.id]
    assert await store.timeline.page("c2") == []


async def test_same_provider_id_on_other_channel_is_not_a_duplicate(store):
    a = entry("c1", provider_id="1", channel="telegram")
    b = entry("c1", provider_id="1", channel="whatsapp")
    assert await store.timeline.insert(a) is True
    assert await store.timeline.insert(b) is True
    assert (await store.timeline.get_by_dedupe_key("whatsapp:1")).id == b.id


async def test_concurrent_inserts_of_one_message_store_it_once(store):
    copies = [entry("c1", provider_id="42", text=f"copy {i}") for i in range(20)]
    results = await asyncio.gather(*(store.timeline.insert(e) for e in copies))
    assert results.count(True) == 1
    [winner] = [e for e, ok in zip(copies, results, strict=True) if ok]
    assert ids(await store.timeline.page("c1")) == [winner.id]
    assert await store.timeline.get_by_dedupe_key("telegram:42") == winner


# --- page ---------------------------------------------------------------------------------------------------------


async def test_page_newest_first_by_occurred_at_not_insertion(store):
    new = entry("c1", occurred_at=at(10))
    old_late = entry("c1", occurred_at=at(5))  # inserted after, happened before (a delayed delivery)
    newest = entry("c1", occurred_at=at(20))
    for e in (new, old_late, newest):
        await store.timeline.insert(e)
    assert ids(await store.timeline.page("c1")) == [newest.id, new.id, old_late.id]


async def test_page_only_that_client(store):
    mine = entry("c1")
    await store.timeline.insert(mine)
    await store.timeline.insert(entry("c2"))
    assert ids(await store.timeline.page("c1")) == [mine.id]
    assert await store.timeline.page("c3") == []


async def test_page_limit(store):
    es = [entry("c1", occurred_at=at(i)) for i in range(8)]
    for e in es:
        await store.timeline.insert(e)
    assert ids(await store.timeline.page("c1", limit=3)) == [es[7].id, es[6].id, es[5].id]
    assert len(await store.timeline.page("c1")) == 8


async def test_page_default_limit_is_50(store):
    for i in range(55):
        await store.timeline.insert(entry("c1", occurred_at=at(i)))
    assert len(await store.timeline.page("c1")) == 50


async def test_page_cursor_with_equal_occurred_at_covers_everything_once(store):
    es = []
    for i in range(13):
        es.append(entry("c1", occurred_at=at(i // 4)))  # groups of 4 sharing one instant
    for e in reversed(es):  # insertion order must not matter
        await store.timeline.insert(e)
    expected = [e.id for e in sorted(es, key=lambda e: (e.occurred_at, e.id), reverse=True)]
    assert ids(await store.timeline.page("c1")) == expected
    seen: list[str] = []
    before = None
    for _ in range(10):
        page = await store.timeline.page("c1", before=before, limit=3)
        if not page:
            break
        assert len(page) <= 3
        seen.extend(ids(page))
        before = cursor_of(page[-1])
    assert seen == expected


async def test_page_before_is_strict(store):
    a, b, c = entry("c1", occurred_at=at(1)), entry("c1", occurred_at=at(2)), entry("c1", occurred_at=at(3))
    for e in (a, b, c):
        await store.timeline.insert(e)
    assert ids(await store.timeline.page("c1", before=cursor_of(b))) == [a.id]
    assert ids(await store.timeline.page("c1", before=Cursor(at(2.5), "0"))) == [b.id, a.id]
    assert await store.timeline.page("c1", before=cursor_of(a)) == []


async def test_page_cursor_survives_encoding(store):
    es = [entry("c1", occurred_at=at(i)) for i in range(4)]
    for e in es:
        await store.timeline.insert(e)
    first = await store.timeline.page("c1", limit=2)
    rest = await store.timeline.page("c1", limit=2, before=Cursor.decode(cursor_of(first[-1]).encode()))
    assert ids(first) + ids(rest) == [e.id for e in reversed(es)]


async def test_conversation_page(store):
    in_conv = [entry("c1", conversation_id="k1", occurred_at=at(i)) for i in range(5)]
    for e in in_conv:
        await store.timeline.insert(e)
    await store.timeline.insert(entry("c1", conversation_id="k2", occurred_at=at(9)))
    await store.timeline.insert(entry("c1", occurred_at=at(9)))  # a note outside any conversation
    expected = [e.id for e in reversed(in_conv)]
    assert ids(await store.timeline.conversation_page("k1")) == expected
    first = await store.timeline.conversation_page("k1", limit=2)
    second = await store.timeline.conversation_page("k1", limit=2, before=cursor_of(first[-1]))
    third = await store.timeline.conversation_page("k1", limit=2, before=cursor_of(second[-1]))
    assert ids(first) + ids(second) + ids(third) == expected
    assert await store.timeline.conversation_page("nope") == []


async def test_conversation_page_equal_times(store):
    es = [entry("c1", conversation_id="k1", occurred_at=T0) for _ in range(5)]
    for e in es:
        await store.timeline.insert(e)
    expected = sorted(ids(es), reverse=True)
    first = await store.timeline.conversation_page("k1", limit=3)
    rest = await store.timeline.conversation_page("k1", limit=3, before=cursor_of(first[-1]))
    assert ids(first) + ids(rest) == expected


# --- deliveries ---------------------------------------------------------------------------------------------------


async def test_set_delivery_replaces_state_and_sets_provider_id(store):
    e = outbound("c1")
    await store.timeline.insert(e)
    failed = Delivery(
        status=DeliveryStatus.failed, attempts=1, error="timeout", next_attempt_at=at(30), updated_at=at(1)
    )
    got = await store.timeline.set_delivery(e.id, failed)
    assert got.delivery == failed
    assert got.provider_id is None
    sent = Delivery(status=DeliveryStatus.sent, attempts=2, updated_at=at(2))
    got = await store.timeline.set_delivery(e.id, sent, provider_id="tg-99")
    assert got.delivery == sent  # error / next_attempt_at of the failed state are gone
    assert got.delivery.error is None and got.delivery.next_attempt_at is None
    assert got.provider_id == "tg-99"
    assert got.text == e.text and got.occurred_at == e.occurred_at
    assert await store.timeline.get(e.id) == got


async def test_set_delivery_without_provider_id_keeps_it(store):
    e = outbound("c1")
    await store.timeline.insert(e)
    await store.timeline.set_delivery(
        e.id, Delivery(status=DeliveryStatus.sent, updated_at=at(1)), provider_id="m1"
    )
    got = await store.timeline.set_delivery(
        e.id, Delivery(status=DeliveryStatus.failed, error="x", updated_at=at(2))
    )
    assert got.provider_id == "m1"
    assert got.delivery.status == DeliveryStatus.failed


async def test_set_delivery_missing_is_none(store):
    assert await store.timeline.set_delivery("000000000000000000000000", Delivery()) is None


async def test_claim_delivery_once_while_leased(store):
    e = outbound("c1")
    await store.timeline.insert(e)
    got = await store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30))
    assert got is not None and got.id == e.id
    assert got.delivery.lease_until == at(30)
    assert got.delivery.status == DeliveryStatus.queued
    assert (await store.timeline.get(e.id)).delivery.lease_until == at(30)
    assert await store.timeline.claim_delivery(e.id, now=at(1), lease_until=at(31)) is None
    assert await store.timeline.claim_delivery(e.id, now=at(29.999), lease_until=at(60)) is None
    assert (await store.timeline.get(e.id)).delivery.lease_until == at(30)


async def test_claim_delivery_again_after_lease_expiry(store):
    e = outbound("c1")
    await store.timeline.insert(e)
    assert await store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30)) is not None
    again = await store.timeline.claim_delivery(e.id, now=at(30), lease_until=at(60))  # lease_until <= now
    assert again is not None and again.delivery.lease_until == at(60)
    assert await store.timeline.claim_delivery(e.id, now=at(45), lease_until=at(75)) is None


async def test_claim_delivery_concurrent_has_one_winner(store):
    e = outbound("c1")
    await store.timeline.insert(e)
    results = await asyncio.gather(
        *(store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30 + i)) for i in range(10))
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert (await store.timeline.get(e.id)).delivery.lease_until == winners[0].delivery.lease_until


async def test_claim_delivery_two_concurrent(store):
    e = outbound("c1")
    await store.timeline.insert(e)
    a, b = await asyncio.gather(
        store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30)),
        store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30)),
    )
    assert (a is None) != (b is None)


async def test_claim_delivery_never_when_not_queued(store):
    sent = outbound("c1", delivery=Delivery(status=DeliveryStatus.sent, updated_at=T0))
    failed = outbound("c1", delivery=Delivery(status=DeliveryStatus.failed, updated_at=T0))
    inbound = entry("c1")
    for e in (sent, failed, inbound):
        await store.timeline.insert(e)
        assert await store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30)) is None
    assert (
        await store.timeline.claim_delivery("000000000000000000000000", now=at(0), lease_until=at(30)) is None
    )


async def test_claim_delivery_after_sent(store):
    e = outbound("c1")
    await store.timeline.insert(e)
    assert await store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30)) is not None
    await store.timeline.set_delivery(
        e.id, Delivery(status=DeliveryStatus.sent, attempts=1, updated_at=at(1))
    )
    assert await store.timeline.claim_delivery(e.id, now=at(100), lease_until=at(130)) is None


async def test_due_deliveries(store):
    now = at(100)
    due = [
        outbound("c1", text="no next attempt"),
        outbound(
            "c1", text="retry passed", delivery=Delivery(next_attempt_at=at(99), attempts=1, updated_at=T0)
        ),
        outbound("c1", text="retry now", delivery=Delivery(next_attempt_at=now, attempts=1, updated_at=T0)),
        outbound("c1", text="lease expired", delivery=Delivery(lease_until=at(50), updated_at=T0)),
        outbound("c1", text="lease ends now", delivery=Delivery(lease_until=now, updated_at=T0)),
    ]
    not_due = [
        outbound("c1", text="retry later", delivery=Delivery(next_attempt_at=at(101), updated_at=T0)),
        outbound("c1", text="leased", delivery=Delivery(lease_until=at(130), updated_at=T0)),
        outbound("c1", text="sent", delivery=Delivery(status=DeliveryStatus.sent, updated_at=T0)),
        outbound("c1", text="failed", delivery=Delivery(status=DeliveryStatus.failed, updated_at=T0)),
        entry("c1", text="inbound, no delivery"),
    ]
    for e in due + not_due:
        await store.timeline.insert(e)
    got = await store.timeline.due_deliveries(now=now)
    assert sorted(x.text for x in got) == sorted(e.text for e in due)
    assert all(x.delivery.status == DeliveryStatus.queued for x in got)
    limited = await store.timeline.due_deliveries(now=now, limit=2)
    assert len(limited) == 2 and {x.id for x in limited} <= {e.id for e in due}


async def test_due_deliveries_follow_claims(store):
    a, b = outbound("c1", text="a"), outbound("c1", text="b")
    await store.timeline.insert(a)
    await store.timeline.insert(b)
    assert sorted(x.text for x in await store.timeline.due_deliveries(now=at(0))) == ["a", "b"]
    await store.timeline.claim_delivery(a.id, now=at(0), lease_until=at(30))
    assert [x.text for x in await store.timeline.due_deliveries(now=at(1))] == ["b"]
    assert sorted(x.text for x in await store.timeline.due_deliveries(now=at(30))) == ["a", "b"]
    await store.timeline.set_delivery(b.id, Delivery(status=DeliveryStatus.sent, updated_at=at(2)))
    assert [x.text for x in await store.timeline.due_deliveries(now=at(31))] == ["a"]


async def test_failed_attempt_rescheduled_by_set_delivery(store):
    # the sender's retry loop: claim, fail, reschedule (set_delivery drops the lease), wait, claim again
    e = outbound("c1")
    await store.timeline.insert(e)
    assert await store.timeline.claim_delivery(e.id, now=at(0), lease_until=at(30)) is not None
    retry = Delivery(
        status=DeliveryStatus.queued, attempts=1, error="timeout", next_attempt_at=at(50), updated_at=at(1)
    )
    got = await store.timeline.set_delivery(e.id, retry)
    assert got.delivery.lease_until is None
    assert await store.timeline.due_deliveries(now=at(10)) == []
    assert [x.id for x in await store.timeline.due_deliveries(now=at(50))] == [e.id]
    claimed = await store.timeline.claim_delivery(e.id, now=at(50), lease_until=at(80))
    assert claimed is not None and claimed.delivery.attempts == 1 and claimed.delivery.error == "timeout"
    assert await store.timeline.due_deliveries(now=at(60)) == []


# --- update_content / reassign_client -----------------------------------------------------------------------------


async def test_update_content_replaces_text_html_and_meta(store):
    e = entry("c1", text="helo", html="<b>helo</b>", meta={"edited": False, "old": 1}, provider_id="5")
    await store.timeline.insert(e)
    got = await store.timeline.update_content(e.id, text="hello", html=None, meta={"edited": True})
    assert got.text == "hello"
    assert got.html is None
    assert got.meta == {"edited": True}
    assert got == e.model_copy(update={"text": "hello", "html": None, "meta": {"edited": True}})
    assert await store.timeline.get(e.id) == got


async def test_update_content_missing_is_none(store):
    assert (
        await store.timeline.update_content("000000000000000000000000", text="x", html=None, meta={}) is None
    )


async def test_reassign_client_moves_entries(store):
    a1, a2 = entry("ca", occurred_at=at(1)), entry("ca", occurred_at=at(3))
    b = entry("cb", occurred_at=at(2))
    for e in (a1, a2, b):
        await store.timeline.insert(e)
    await store.timeline.reassign_client("ca", "cb")
    assert await store.timeline.page("ca") == []
    assert ids(await store.timeline.page("cb")) == [a2.id, b.id, a1.id]
    assert (await store.timeline.get(a1.id)).client_id == "cb"


# --- mentioning ---------------------------------------------------------------------------------------------------


async def test_mentioning_lists_a_users_mentions_newest_first_with_a_cursor(store):
    def note(seconds: float, *mentioned: str):
        return entry("c1", occurred_at=at(seconds), direction=Direction.internal, kind=EntryKind.note,
                     text=f"note at {seconds}", mentions=list(mentioned))  # fmt: skip

    notes = [note(1, "u1"), note(2, "u1", "u2"), note(3, "u2"), note(4, "u1"), note(4, "u1")]
    for n in notes:
        assert await store.timeline.insert(n)
    await store.timeline.insert(entry("c1", occurred_at=at(5), text="a message mentions nobody"))

    mine = await store.timeline.mentioning("u1")
    expected = sorted(
        [n for n in notes if "u1" in n.mentions], key=lambda n: (n.occurred_at, n.id), reverse=True
    )
    assert ids(mine) == ids(expected)
    assert ids(await store.timeline.mentioning("u2")) == [notes[2].id, notes[1].id]
    assert await store.timeline.mentioning("nobody") == []

    first = await store.timeline.mentioning("u1", limit=2)
    rest = await store.timeline.mentioning("u1", before=Cursor(first[-1].occurred_at, first[-1].id), limit=10)
    assert ids(first + rest) == ids(expected)
