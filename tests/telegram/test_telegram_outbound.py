"""Replies going out through the stand-in Bot API: text exactly as typed, buttons, files, and what Telegram's
refusals (403 blocked, 429 rate limit) do to the entry's delivery."""

from __future__ import annotations

from telegram_helpers import eventually, text_update

from hub.actions.messages import send_reply
from hub.domain import Attachment, Author, AuthorType, Conversation, DeliveryStatus
from hub.files import FileStore
from hub.outbound import Button, buttons_meta

TRICKY = "Total: 5 * 3 = 15 <b>not bold</b> _x_ [link](http://e.x) `code` & 😀 «ok»"


async def conversation_of(tg, message_id: int = 7) -> str:
    await tg.post_update(text_update("hi", message_id=message_id))
    return (await tg.entry(f"main:42:{message_id}")).conversation_id


async def reply(tg, conversation_id: str, text: str) -> str:
    headers = await tg.login()
    async with tg.http.post(
        f"{tg.url}/api/v1/conversations/{conversation_id}/replies", headers=headers, json={"text": text}
    ) as r:
        assert r.status == 201, await r.text()
        return (await r.json())["id"]


async def delivered(tg, entry_id: str, status: DeliveryStatus, within: float = 5.0):
    async def probe():
        entry = await tg.hub.store.timeline.get(entry_id)
        return entry if entry.delivery.status is status else None

    return await eventually(probe, within=within, what=f"delivery {status.value}")


# --- on both stores -----------------------------------------------------------------------------------------------


async def test_agent_reply_is_sent_with_the_exact_text(tg):
    conversation_id = await conversation_of(tg)

    entry_id = await reply(tg, conversation_id, TRICKY)

    [call] = await tg.standin.wait_for("sendMessage")
    assert call.token == tg.hub.settings.telegram_bots[0].token
    assert call.data["chat_id"] == "42"
    assert call.data["text"] == TRICKY
    assert "parse_mode" not in call.data
    assert "reply_markup" not in call.data
    entry = await delivered(tg, entry_id, DeliveryStatus.sent)
    assert entry.provider_id == "main:42:5000"
    assert entry.delivery.attempts == 1


async def test_user_who_blocked_the_bot_fails_the_entry(tg):
    conversation_id = await conversation_of(tg)
    tg.standin.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")

    entry_id = await reply(tg, conversation_id, "are you there?")

    entry = await delivered(tg, entry_id, DeliveryStatus.failed)
    assert "blocked" in entry.delivery.error
    assert entry.delivery.attempts == 1  # permanent: not retried
    assert len(tg.standin.calls_of("sendMessage")) == 1


async def test_rate_limit_is_retried_after_the_time_telegram_asks(tg):
    conversation_id = await conversation_of(tg)
    tg.standin.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    entry_id = await reply(tg, conversation_id, "second try")

    entry = await delivered(tg, entry_id, DeliveryStatus.sent, within=8)
    first, second = tg.standin.calls_of("sendMessage")
    assert second.data["text"] == "second try"
    assert second.at - first.at >= 0.9  # not the 0.05 s backoff of the test settings
    assert entry.delivery.attempts == 2
    assert entry.provider_id is not None


# --- SQLite only ----------------------------------------------------------------------------------------------


async def test_bot_buttons_become_an_inline_keyboard(tg1):
    conversation_id = await conversation_of(tg1)
    rows = [
        [Button(id="a", text="A"), Button(id="b", text="B")],
        [Button(id="human", text="Talk to a person")],
    ]

    entry = await send_reply(
        tg1.hub,
        None,
        conversation_id,
        "pick",
        author=Author(type=AuthorType.bot, name="bot"),
        meta=buttons_meta(rows),
    )

    [call] = await tg1.standin.wait_for("sendMessage")
    assert call.data["text"] == "pick"
    assert call.json("reply_markup") == {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}],
            [{"text": "Talk to a person", "callback_data": "human"}],
        ]
    }
    await delivered(tg1, entry.id, DeliveryStatus.sent)


async def test_attachments_are_uploaded_from_the_file_store(tg1):
    conversation_id = await conversation_of(tg1)
    photo_key = await tg1.hub.files.put(b"\x89PNG fake", name="chart.png")
    doc_key = await tg1.hub.files.put(b"%PDF fake", name="offer.pdf")
    photo = Attachment(name="chart.png", content_type="image/png", url=FileStore.url(photo_key))
    doc = Attachment(name="offer.pdf", content_type="application/pdf", url=FileStore.url(doc_key))

    one = await send_reply(tg1.hub, None, conversation_id, "your chart", attachments=[photo])
    [sent_photo] = await tg1.standin.wait_for("sendPhoto")
    assert sent_photo.data["caption"] == "your chart"
    assert list(sent_photo.files.values()) == [("chart.png", b"\x89PNG fake")]
    await delivered(tg1, one.id, DeliveryStatus.sent)

    two = await send_reply(tg1.hub, None, conversation_id, "two files", attachments=[photo, doc])
    await tg1.standin.wait_for("sendMessage")
    [sent_doc] = tg1.standin.calls_of("sendDocument")
    assert list(sent_doc.files.values()) == [("offer.pdf", b"%PDF fake")]
    assert tg1.standin.calls_of("sendMessage")[-1].data["text"] == "two files"
    await delivered(tg1, two.id, DeliveryStatus.sent)


async def test_long_text_is_split_without_losing_a_character(tg1):
    conversation_id = await conversation_of(tg1)
    text = ("word " * 1000 + "😀" * 3000).strip()

    await send_reply(tg1.hub, None, conversation_id, text)

    await tg1.standin.wait_for("sendMessage", 2)
    await eventually(lambda: _sent_text_equals(tg1, text), what="all parts")


async def _sent_text_equals(tg, text: str) -> bool:
    parts = [c.data["text"] for c in tg.standin.calls_of("sendMessage")]
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    return "".join(parts) == text


async def test_reply_in_a_thread_of_an_unknown_bot_fails_permanently(tg1):
    conversation_id = await conversation_of(tg1)
    conversation = await tg1.hub.store.conversations.get(conversation_id)
    # a conversation left behind by a bot since removed from the configuration
    orphan, _ = await tg1.hub.store.conversations.get_or_create(
        Conversation(client_id=conversation.client_id, channel="telegram", thread_key="retired:42")
    )

    entry = await send_reply(tg1.hub, None, orphan.id, "hello?")

    failed = await delivered(tg1, entry.id, DeliveryStatus.failed)
    assert "retired" in failed.delivery.error
    assert tg1.standin.calls_of("sendMessage") == []


async def test_telegram_unreachable_is_retried_and_the_reason_has_no_token(tg1):
    conversation_id = await conversation_of(tg1)
    await tg1.standin.close()  # the Bot API goes away

    entry = await send_reply(tg1.hub, None, conversation_id, "anyone?")

    async def attempted():
        current = await tg1.hub.store.timeline.get(entry.id)
        return current if current.delivery.attempts >= 1 else None

    current = await eventually(attempted, what="a failed attempt")
    assert current.delivery.error
    assert "TelegramNetworkError" in current.delivery.error
    assert tg1.hub.settings.telegram_bots[0].token not in current.delivery.error
    # not a permanent failure: still queued after the first attempt
    assert current.delivery.status is DeliveryStatus.queued or current.delivery.attempts > 1
