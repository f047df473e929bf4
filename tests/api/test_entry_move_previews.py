"""After a move or a split both conversations show what they hold: the source's preview and last activity fall
back to its previous message, the target takes the moved message's (and counts it unread), over REST and in the
`conversation:updated` pushes. Each store."""

from __future__ import annotations

from api_helpers import parse, push, unique_phone
from support import AgentClient


def _at(second: int) -> str:
    return f"2025-03-01T10:00:{second:02d}Z"


async def _thread(admin, phone, key, texts, start):
    return [
        await push(admin, phone=phone, thread_key=key, text=text, occurred_at=_at(start + n))
        for n, text in enumerate(texts)
    ]


async def _row(admin, conversation_id):
    return await admin.ok("GET", f"/api/v1/conversations/{conversation_id}")


async def test_splitting_the_last_message_off_gives_the_source_its_previous_one(admin, server):
    phone = unique_phone()
    sent = await _thread(admin, phone, "t", ["order one", "order two", "a new question"], 0)
    source = sent[0]["conversation_id"]
    assert (await _row(admin, source))["last_message_preview"] == "a new question"
    socket = AgentClient()
    await socket.open(server.url, {"token": admin.headers["Authorization"][7:]})
    try:
        reply = await admin.post(f"/api/v1/entries/{sent[2]['entry_id']}/split")
        assert reply.status == 201, reply.text
        new = reply.body["conversation"]["id"]
        # the answer and a fresh read agree: the source shows its previous message, the split the moved one
        for row in (reply.body["source"], await _row(admin, source)):
            assert row["last_message_preview"] == "order two"
            assert parse(row["last_message_at"]) == parse(_at(1))
        target = await _row(admin, new)
        assert target["last_message_preview"] == "a new question"
        assert parse(target["last_message_at"]) == parse(_at(2))
        assert target["unread"] == 1
        # the pushes carry the corrected rows
        pushed = await socket.wait_for(
            "conversation:updated",
            lambda d: d["conversation"]["id"] == source and "moved" in d["changes"],
        )
        assert pushed["conversation"]["last_message_preview"] == "order two"
        pushed = await socket.wait_for(
            "conversation:updated", lambda d: d["conversation"]["id"] == new and "moved" in d["changes"]
        )
        assert pushed["conversation"]["last_message_preview"] == "a new question"
    finally:
        await socket.close()


async def test_a_moved_message_older_than_the_targets_leaves_its_preview_and_updates_the_source(admin):
    phone = unique_phone()
    first = await _thread(admin, phone, "a", ["a one", "a two"], 0)
    second = await _thread(admin, phone, "b", ["b newest"], 10)
    source, target = first[0]["conversation_id"], second[0]["conversation_id"]
    body = await admin.ok("POST", f"/api/v1/entries/{first[1]['entry_id']}/move", {"conversation_id": target})
    assert body["conversation"]["last_message_preview"] == "b newest"
    assert parse(body["conversation"]["last_message_at"]) == parse(_at(10))
    assert body["source"]["last_message_preview"] == "a one"
    assert (await _row(admin, source))["last_message_preview"] == "a one"
    # the last message of a conversation moves out: nothing is left to preview
    body = await admin.ok("POST", f"/api/v1/entries/{first[0]['entry_id']}/move", {"conversation_id": target})
    assert body["source"]["last_message_preview"] == "" and body["source"]["last_message_at"] is None
    assert (await _row(admin, target))["last_message_preview"] == "b newest"


async def test_moving_unread_customer_messages_out_lowers_the_sources_unread_count(admin):
    phone = unique_phone()
    first = await _thread(admin, phone, "a", ["a one"], 0)
    source = first[0]["conversation_id"]
    await admin.ok("POST", f"/api/v1/conversations/{source}/read")  # the admin has read "a one"
    unread = await _thread(admin, phone, "a", ["a two", "a three"], 1)
    other = await _thread(admin, phone, "b", ["b one"], 10)
    target = other[0]["conversation_id"]
    assert (await _row(admin, source))["unread"] == 2
    body = await admin.ok(
        "POST", f"/api/v1/entries/{unread[1]['entry_id']}/move", {"conversation_id": target}
    )
    assert body["source"]["unread"] == 1
    assert (await _row(admin, source))["unread"] == 1
    assert (await _row(admin, target))["unread"] == 2  # "b one" and the moved "a three"
    # a reader who had read everything keeps a correct count after messages left
    await admin.ok("POST", f"/api/v1/conversations/{source}/read")
    await admin.ok("POST", f"/api/v1/entries/{first[0]['entry_id']}/move", {"conversation_id": target})
    assert (await _row(admin, source))["unread"] == 0
    await push(admin, phone=phone, thread_key="a", text="a four", occurred_at=_at(20))
    assert (await _row(admin, source))["unread"] == 1
