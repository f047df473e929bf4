"""A conversation split off a Telegram chat (its thread key gets a "#split:" suffix) still answers into that chat."""

from __future__ import annotations

from telegram_helpers import eventually, text_update

from hub.domain import DeliveryStatus


async def test_a_reply_from_a_split_conversation_reaches_the_same_chat(tg1):
    tg = tg1
    await tg.post_update(text_update("first question", message_id=7))
    await tg.post_update(text_update("another topic", message_id=8))
    second = await tg.entry("main:42:8")
    headers = await tg.login()
    async with tg.http.post(f"{tg.url}/api/v1/entries/{second.id}/split", headers=headers) as r:
        assert r.status == 201, await r.text()
        split = (await r.json())["conversation"]
    assert split["thread_key"].startswith("main:42#split:")
    async with tg.http.post(
        f"{tg.url}/api/v1/conversations/{split['id']}/replies",
        headers=headers,
        json={"text": "about the topic"},
    ) as r:
        assert r.status == 201
        reply_id = (await r.json())["id"]
    [call] = await tg.standin.wait_for("sendMessage")
    assert call.data["chat_id"] == "42" and call.data["text"] == "about the topic"

    async def sent():
        entry = await tg.hub.store.timeline.get(reply_id)
        return entry if entry.delivery.status is DeliveryStatus.sent else None

    await eventually(sent, what="the reply sent")
