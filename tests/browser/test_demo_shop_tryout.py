"""A new user's tryout of the demo shop (`make run`), seen in Chromium: a skipped pre-chat form stays skipped
after a reload, the bot's name is in the conversation's language, and the page switches between Russian (the
default) and English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from conftest import WebHub, start_web_hub
from playwright.async_api import expect

from hub.actions import staff

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "config" / "bots"


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path) -> AsyncIterator[WebHub]:
    """The whole hub with the shipped bot flow answering the web chat (HUB_LANGUAGE English, Support exists)."""
    runner, running = await start_web_hub(tmp_path, bots_dir=SHIPPED_FLOWS)
    await staff.create_department(running.hub, "Support")
    try:
        yield running
    finally:
        await running.http.close()
        await runner.cleanup()


def w(page, hook: str):
    return page.locator(f"[data-hub-widget={hook}]")


async def test_a_skipped_pre_chat_form_stays_skipped_after_a_reload(web_hub, new_page):
    visitor, watch = await new_page(locale="ru-RU")
    await visitor.goto(f"{web_hub.url}/demo/site")
    await w(visitor, "bubble").click()
    await expect(w(visitor, "prechat")).to_be_visible()
    await w(visitor, "prechat-skip").click()
    await expect(w(visitor, "prechat")).to_be_hidden()
    await w(visitor, "input").fill("Привет")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")

    await visitor.reload()
    await expect(w(visitor, "panel")).to_be_visible()  # it was open: it opens again, with the kept messages
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")
    await expect(w(visitor, "prechat")).to_be_hidden()
    # closed and opened again, on a new page of the shop: still not asked again
    await visitor.goto(f"{web_hub.url}/demo/site")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")
    await w(visitor, "close").click()
    await w(visitor, "bubble").click()
    await expect(w(visitor, "panel")).to_be_visible()
    await expect(w(visitor, "prechat")).to_be_hidden()
    watch.assert_clean()
