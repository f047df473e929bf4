"""POST /api/v1/inbound: idempotence, recognising the sender across formats, and concurrent pushes. Each store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from api_helpers import new_user, parse, push, timeline, unique, unique_email, unique_phone


async def test_the_same_inbound_twice_is_stored_once(admin):
    phone = unique_phone()
    external_id = unique("msg")
    first = await push(admin, external_id=external_id, phone=phone, text="first push", expect=201)
    second = await push(admin, external_id=external_id, phone=phone, text="first push", expect=200)

    assert first["duplicate"] is False and second["duplicate"] is True
    assert second["entry_id"] == first["entry_id"]
    assert second["client_id"] == first["client_id"]
    assert second["conversation_id"] == first["conversation_id"]
    entries = await timeline(admin, f"/api/v1/clients/{first['client_id']}")
    assert [e["id"] for e in entries] == [first["entry_id"]]
    assert entries[0]["provider_id"] == external_id and entries[0]["direction"] == "in"
    conversation = await admin.ok("GET", f"/api/v1/conversations/{first['conversation_id']}")
    assert conversation["unread"] == 1  # the duplicate did not count as a new message


async def test_a_replay_with_other_content_is_still_a_duplicate_of_the_first(admin):
    external_id = unique("msg")
    first = await push(admin, external_id=external_id, text="original")
    again = await push(admin, external_id=external_id, text="changed", phone=unique_phone(), expect=200)
    assert again["duplicate"] is True and again["entry_id"] == first["entry_id"]
    assert [e["text"] for e in await timeline(admin, f"/api/v1/clients/{first['client_id']}")] == ["original"]


async def test_a_phone_in_another_format_finds_the_same_client(admin):
    email = unique_email()
    number = unique_phone()  # +7916xxxxxxx
    local = f"8 {number[2:5]} {number[5:8]}-{number[8:10]}-{number[10:12]}"  # how Russians write it: 8 916 123-45-67
    first = await push(
        admin, email=email, phone=number, name="Anna", text="first", occurred_at="2025-03-01T10:00:00Z"
    )
    second = await push(admin, phone=local, text="second", occurred_at="2025-03-01T10:05:00+00:00")
    third = await push(admin, email=email.upper(), text="third", occurred_at="2025-03-01T13:10:00+03:00")

    assert second["client_id"] == first["client_id"] == third["client_id"]
    assert second["conversation_id"] == first["conversation_id"]
    client = await admin.ok("GET", f"/api/v1/clients/{first['client_id']}")
    assert {(i["kind"], i["value"]) for i in client["identities"]} == {("email", email), ("phone", number)}
    assert client["name"] == "Anna"

    entries = await timeline(admin, f"/api/v1/clients/{first['client_id']}")
    assert [e["text"] for e in entries] == ["third", "second", "first"]  # newest first
    assert [parse(e["occurred_at"]) for e in entries] == [
        datetime(2025, 3, 1, 10, minute, tzinfo=UTC) for minute in (10, 5, 0)
    ]
    found = await admin.ok("GET", "/api/v1/clients", params={"q": local})
    assert [c["id"] for c in found["items"]] == [first["client_id"]]


async def test_a_thread_key_opens_another_conversation_of_the_same_client(admin):
    phone = unique_phone()
    default = await push(admin, phone=phone)
    order = await push(admin, phone=phone, thread_key="order-42")
    again = await push(admin, phone=phone, thread_key="order-42")

    assert order["client_id"] == default["client_id"]
    assert order["conversation_id"] != default["conversation_id"]
    assert again["conversation_id"] == order["conversation_id"]
    listed = await admin.ok("GET", f"/api/v1/clients/{default['client_id']}/conversations")
    assert {c["id"] for c in listed["items"]} == {default["conversation_id"], order["conversation_id"]}
    assert {c["thread_key"] for c in listed["items"]} == {"default", "order-42"}


async def test_fifty_concurrent_inbounds_from_one_new_sender(admin):
    phone, email = unique_phone(), unique_email()
    results = await asyncio.gather(
        *(push(admin, phone=phone, email=email, name="Rush", text=f"message {i}") for i in range(50))
    )

    assert len({r["client_id"] for r in results}) == 1
    assert len({r["conversation_id"] for r in results}) == 1
    assert len({r["entry_id"] for r in results}) == 50
    assert not any(r["duplicate"] for r in results)
    client_id, conversation_id = results[0]["client_id"], results[0]["conversation_id"]

    entries = await timeline(admin, f"/api/v1/clients/{client_id}")
    assert sorted(e["text"] for e in entries) == sorted(f"message {i}" for i in range(50))
    assert len(await timeline(admin, f"/api/v1/conversations/{conversation_id}")) == 50
    for q in (phone, email):
        found = await admin.ok("GET", "/api/v1/clients", params={"q": q})
        assert [c["id"] for c in found["items"]] == [client_id], q
    listed = await admin.ok("GET", f"/api/v1/clients/{client_id}/conversations")
    assert [c["id"] for c in listed["items"]] == [conversation_id]
    assert (await admin.ok("GET", f"/api/v1/conversations/{conversation_id}"))["unread"] == 50
    assert (await admin.ok("GET", "/api/v1/merge-suggestions"))["items"] == []


async def test_concurrent_deliveries_of_one_message_store_it_once(admin):
    external_id, phone = unique("msg"), unique_phone()
    replies = await asyncio.gather(
        *(
            admin.post(
                "/api/v1/inbound", {"external_id": external_id, "sender": {"phone": phone}, "text": "once"}
            )
            for _ in range(20)
        )
    )

    assert sorted(r.status for r in replies) == [200] * 19 + [201], [r.text for r in replies]
    assert len({r.body["entry_id"] for r in replies}) == 1
    assert [r.body["duplicate"] for r in replies].count(False) == 1
    entries = await timeline(admin, f"/api/v1/clients/{replies[0].body['client_id']}")
    assert len(entries) == 1


async def test_occurred_at_in_another_offset_is_stored_in_utc_and_defaults_to_now(admin):
    at = await push(admin, occurred_at="2025-06-01T15:30:00.123+05:00")
    entry = (await timeline(admin, f"/api/v1/clients/{at['client_id']}"))[0]
    assert entry["occurred_at"].endswith("Z")
    assert parse(entry["occurred_at"]) == datetime(2025, 6, 1, 10, 30, 0, 123_000, tzinfo=UTC)

    before = datetime.now(UTC).replace(microsecond=0)
    now = await push(admin)
    entry = (await timeline(admin, f"/api/v1/clients/{now['client_id']}"))[0]
    assert before <= parse(entry["occurred_at"]) <= datetime.now(UTC)


async def test_a_partner_cannot_push_inbound_messages(admin):
    partner = await new_user(admin, "partner")
    reply = await partner.post(
        "/api/v1/inbound", {"external_id": unique("m"), "sender": {"phone": unique_phone()}}
    )
    reply.error(403, "forbidden")
