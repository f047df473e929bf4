"""A new user's tryout of the demo shop (`make run`), seen in Chromium: a skipped pre-chat form stays skipped
after a reload, the bot's name is in the conversation's language, and the page switches between Russian (the
default) and English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from conftest import ADMIN, WebHub, start_web_hub
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


async def test_the_bot_is_named_in_the_conversations_language_in_the_widget_and_the_inbox(
    web_hub, new_page, login
):
    visitor, watch = await new_page(locale="en-US")  # an English browser on the Russian page
    await visitor.goto(f"{web_hub.url}/demo/site")
    await w(visitor, "bubble").click()
    await w(visitor, "input").fill("Здравствуйте")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")
    await expect(from_bot.first.locator(".meta")).to_contain_text("Помощник ·")
    await expect(from_bot.first).not_to_contain_text("Assistant")
    # the bot's English button: the next message is signed in English
    await w(visitor, "button").filter(has_text="English").click()
    english = from_bot.filter(has_text="Hello! I am the assistant.")
    await expect(english.locator(".meta")).to_contain_text("Assistant ·")
    visitor_id = await visitor.evaluate("window.HubWidget.visitorId")
    listed = await web_hub.api("GET", "/api/v1/conversations?limit=100")
    [conversation] = [c for c in listed["items"] if c["thread_key"] == visitor_id]

    agent, agent_watch = await new_page(locale="en-US")
    await login(agent, *ADMIN)
    await agent.goto(f"{web_hub.url}/inbox#c={conversation['id']}")
    await agent.reload()
    bot_entries = agent.locator("#timeline .entry-out[data-author-type=bot]")
    greeting = bot_entries.filter(has_text="Здравствуйте! Я бот-помощник.")
    await expect(greeting.locator(".entry-author")).to_have_text("Помощник")
    await expect(
        bot_entries.filter(has_text="Hello! I am the assistant.").locator(".entry-author")
    ).to_have_text("Assistant")
    watch.assert_clean()
    agent_watch.assert_clean()


async def test_the_demo_shop_switches_between_russian_and_english_and_the_widget_follows(web_hub, new_page):
    visitor, watch = await new_page(locale="ru-RU")
    await visitor.goto(f"{web_hub.url}/demo/site")
    await expect(visitor.locator("html")).to_have_attribute("lang", "ru")  # Russian by default
    await expect(visitor.get_by_test_id("shop-title")).to_have_text("Демо-магазин")
    await w(visitor, "bubble").click()
    await expect(w(visitor, "send")).to_have_text("Отправить")

    # the visitor presses the bot's "English" button: the tab's widget speaks English on this Russian page...
    await w(visitor, "input").fill("Добрый день")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")
    await w(visitor, "button").filter(has_text="English").click()
    await expect(w(visitor, "send")).to_have_text("Send")

    # ...until the page's own switch says Russian again: the page's language wins over the earlier choice
    await visitor.get_by_test_id("shop-langs").get_by_role("link", name="English").click()
    await expect(visitor.locator("html")).to_have_attribute("lang", "en")
    await expect(visitor.get_by_test_id("shop-title")).to_have_text("Demo shop")
    await expect(w(visitor, "send")).to_have_text("Send")
    await visitor.get_by_test_id("shop-langs").get_by_role("link", name="Русский").click()
    await expect(visitor.locator("html")).to_have_attribute("lang", "ru")
    await expect(w(visitor, "panel")).to_be_visible()
    await expect(w(visitor, "send")).to_have_text("Отправить")
    await expect(w(visitor, "title")).to_have_text("Напишите нам")
    watch.assert_clean()


async def test_a_new_english_visitor_gets_an_english_widget_and_bot_from_the_switch(web_hub, new_page):
    visitor, watch = await new_page(locale="ru-RU")  # even with a Russian browser
    await visitor.goto(f"{web_hub.url}/demo/site")
    await visitor.get_by_test_id("shop-langs").get_by_role("link", name="English").click()
    await expect(visitor.locator("html")).to_have_attribute("lang", "en")
    await expect(visitor.locator("[aria-current=page]")).to_have_text("English")
    await w(visitor, "bubble").click()
    await expect(w(visitor, "send")).to_have_text("Send")
    await expect(w(visitor, "prechat-skip")).to_have_text("Skip")
    await w(visitor, "prechat-skip").click()
    await w(visitor, "input").fill("How much does delivery cost?")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Hello! I am the assistant.")
    await expect(from_bot.first.locator(".meta")).to_contain_text("Assistant ·")
    await expect(from_bot.nth(1)).to_contain_text("We deliver in 1–3 business days")
    watch.assert_clean()
