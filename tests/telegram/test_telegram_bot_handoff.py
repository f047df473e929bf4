"""Telegram + the shipped bot flow + realtime, end to end through the real webhook route: the bot greets with an
inline keyboard, "Talk to a person" hands the conversation to Support and an agent's socket hears it, the bot
then stays silent and the agent's reply goes out through sendMessage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import socketio
from telegram_helpers import eventually, message, text_update, update, user

from hub.actions import staff
from hub.domain import Handler

SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "config" / "bots"


async def test_bot_greets_hands_off_on_button_and_agent_takes_over(make_hub_sqlite):
    tg = await make_hub_sqlite(bots_dir=SHIPPED_FLOWS)
    support = await staff.create_department(tg.hub, "Support")
    headers = await tg.login()

    agent = socketio.AsyncClient(reconnection=False)
    updates: asyncio.Queue = asyncio.Queue()

    @agent.on("conversation:updated", namespace="/agent")
    async def _updated(data):
        await updates.put(data)

    await agent.connect(
        tg.url, namespaces=["/agent"], auth={"token": headers["Authorization"][7:]}, transports=["websocket"]
    )
    try:
        status, _ = await tg.post_update(text_update("hello"))
        assert status == 200
        [greeting] = await tg.standin.wait_for("sendMessage")
        assert greeting.data["chat_id"] == "42"
        keyboard = greeting.json("reply_markup")["inline_keyboard"]
        buttons = {b["text"]: b["callback_data"] for row in keyboard for b in row}
        assert "Talk to a person" in buttons

        entry = await tg.entry("main:42:7")
        conversation = await tg.hub.store.conversations.get(entry.conversation_id)
        assert conversation.handler is Handler.bot
        bot_message = message(
            8,
            sender={"id": 1, "is_bot": True, "first_name": "Hub"},
            text=greeting.data["text"],
            reply_markup={"inline_keyboard": keyboard},
        )
        press = {
            "id": "cbq-9",
            "from": user(),
            "chat_instance": "ci",
            "message": bot_message,
            "data": buttons["Talk to a person"],
        }
        status, _ = await tg.post_update(update(callback_query=press))
        assert status == 200

        async def handed_off():
            c = await tg.hub.store.conversations.get(conversation.id)
            return c if c.handler is Handler.human else None

        after = await eventually(handed_off, what="the hand-off")
        assert after.department_id == support.id
        while True:  # the agent's socket hears the hand-off live
            data = await asyncio.wait_for(updates.get(), 5)
            if data["conversation"]["id"] == conversation.id and "handler" in data["changes"]:
                assert data["conversation"]["handler"] == "human"
                assert data["conversation"]["department_id"] == support.id
                break
        sent_by_bot = len(await tg.standin.wait_for("sendMessage", count=2))  # the hand-off message

        # a human owns it now: the bot stays silent, the agent's reply goes out
        await tg.post_update(text_update("thanks, waiting", update_id=None, message_id=9))
        await eventually(lambda: tg.entry("main:42:9"), what="the customer's second message")
        async with tg.http.post(
            f"{tg.url}/api/v1/conversations/{conversation.id}/replies",
            headers=headers,
            json={"text": "Hi, this is Anna from Support"},
        ) as r:
            assert r.status == 201
        calls = await tg.standin.wait_for("sendMessage", count=sent_by_bot + 1)
        assert [c.data["text"] for c in calls[sent_by_bot:]] == ["Hi, this is Anna from Support"]
        await asyncio.sleep(0.3)  # a bot answering late would show up here
        assert len(tg.standin.calls_of("sendMessage")) == sent_by_bot + 1
    finally:
        await agent.disconnect()
