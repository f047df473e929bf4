"""The sender's Telegram language (`from.language_code`) is the language the bot answers in, as the web chat
widget's is: a Russian Telegram app gets the shipped flow's greeting in Russian though the text is Latin."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram_helpers import text_update, user

SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "config" / "bots"


@pytest.mark.parametrize(
    ("language_code", "greeting"),
    [
        ("ru", "Здравствуйте! Я бот-помощник. Чем могу помочь?"),
        ("en-GB", "Hello! I am the assistant. How can I help you?"),
    ],
)
async def test_the_bot_greets_in_the_senders_telegram_language(make_hub_sqlite, language_code, greeting):
    tg = await make_hub_sqlite(bots_dir=SHIPPED_FLOWS)
    sender = {**user(), "language_code": language_code}
    status, _ = await tg.post_update(text_update("hello", sender=sender))
    assert status == 200
    [sent] = await tg.standin.wait_for("sendMessage")
    assert sent.data["text"] == greeting
    entry = await tg.entry("main:42:7")
    assert entry.meta["language"] == language_code[:2]
