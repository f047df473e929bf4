"""One language decision, seen in Chromium: on the (Russian) demo shop page the widget's labels AND the bot's
greeting are Russian, though the browser is English and the visitor types Latin letters; the bot's hand-off note
and a delivery failure are shown in each agent's own language (Russian inbox: Russian, English inbox: English)."""

from __future__ import annotations

import re
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
    """The whole hub with the shipped bot flow answering the web chat; HUB_LANGUAGE is English, the Support
    department exists (the flow hands off to it)."""
    runner, running = await start_web_hub(tmp_path, bots_dir=SHIPPED_FLOWS)
    await staff.create_department(running.hub, "Support")
    try:
        yield running
    finally:
        await running.http.close()
        await runner.cleanup()


def w(page, hook: str):
    return page.locator(f"[data-hub-widget={hook}]")


async def test_a_russian_page_gets_russian_labels_and_a_russian_bot(web_hub, new_page, login, tmp_path):
    visitor, visitor_watch = await new_page(locale="en-US")  # the browser is English; the page says lang="ru"
    await visitor.goto(f"{web_hub.url}/demo/site")
    await w(visitor, "bubble").click()
    await expect(w(visitor, "panel")).to_be_visible()
    await expect(w(visitor, "title")).to_have_text("Напишите нам")
    await expect(w(visitor, "send")).to_have_text("Отправить")
    if await w(visitor, "prechat").is_visible():
        await w(visitor, "prechat-skip").click()
    await w(visitor, "input").fill("Hello")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник. Чем могу помочь?")
    await expect(w(visitor, "button").filter(has_text="Позвать оператора")).to_have_count(1)
    await visitor.screenshot(path=tmp_path / "webchat-ru-greeting.png")

    # hand-off: the visitor asks for a person (in Latin letters); the bot says so in Russian
    await w(visitor, "input").fill("operator")
    await w(visitor, "send").click()
    await expect(from_bot.filter(has_text="Соединяю с оператором")).to_have_count(1)
    visitor_watch.assert_clean()

    # the note agents get: Russian in a Russian inbox, English in an English one
    notes = {
        "ru-RU": "Бот передал разговор: клиент попросил человека («operator»).",
        "en-US": "Bot handoff: the customer asked for a person (“operator”).",
    }
    for locale, expected in notes.items():
        agent, agent_watch = await new_page(locale=locale)
        await login(agent, *ADMIN)
        await agent.click("[data-tab=all]")
        await agent.locator(".conv-item").filter(has=agent.locator("[data-channel=webchat]")).click()
        note = agent.locator("#timeline .entry[data-kind=note][data-author-type=bot] .entry-text")
        await expect(note).to_have_text(expected)
        await agent.screenshot(path=tmp_path / f"handoff-note-{locale}.png")
        agent_watch.assert_clean()


async def test_a_failed_delivery_says_why_in_the_readers_language(web_hub, new_page, login):
    # the api channel pushes replies to a webhook that answers 404: a permanent failure
    web_hub.hub.channels.get("api").webhook_url = f"{web_hub.url}/no-such-webhook"
    pushed = await web_hub.push("Where is my order?")
    await web_hub.api(
        "POST", f"/api/v1/conversations/{pushed['conversation_id']}/replies", {"text": "Checking, one moment"}
    )
    reasons = {"ru-RU": "Вебхук ответил 404", "en-US": "The webhook answered 404"}
    for locale, expected in reasons.items():
        agent, agent_watch = await new_page(locale=locale)
        await login(agent, *ADMIN)
        await agent.click("[data-tab=all]")
        await agent.locator(".conv-item").filter(has_text="Olga Customer").click()
        reply = agent.locator("#timeline .entry-out").filter(has_text="Checking, one moment")
        await expect(reply.locator(".delivery")).to_have_attribute("data-status", "failed")
        await expect(reply.locator(".delivery-reason")).to_have_text(expected)
        agent_watch.assert_clean()


async def test_the_widget_follows_the_language_the_bot_switches_to(web_hub, new_page, tmp_path):
    """On the Russian demo shop the visitor presses the bot's "English" button: the bot answers in English and the
    widget's own labels (title, placeholder, send button) switch to English, and stay so after a reload."""
    visitor, visitor_watch = await new_page(locale="ru-RU")
    await visitor.goto(f"{web_hub.url}/demo/site")
    await w(visitor, "bubble").click()
    await expect(w(visitor, "send")).to_have_text("Отправить")
    await expect(w(visitor, "prechat-skip")).to_have_text("Пропустить")
    await w(visitor, "input").fill("Добрый день")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")

    await w(visitor, "button").filter(has_text="English").click()
    await expect(from_bot.filter(has_text="Hello! I am the assistant. How can I help you?")).to_have_count(1)
    await expect(w(visitor, "title")).to_have_text("Chat with us")
    await expect(w(visitor, "send")).to_have_text("Send")
    await expect(w(visitor, "input")).to_have_attribute("placeholder", "Type a message…")
    await expect(w(visitor, "host")).to_have_attribute("data-lang", "en")
    await visitor.screenshot(path=tmp_path / "webchat-switched-to-en.png")

    # the tab's session keeps it: the reloaded page is still English, though the page says lang="ru"
    await visitor.reload()
    await expect(w(visitor, "panel")).to_be_visible()  # it was open: it opens again
    await expect(w(visitor, "send")).to_have_text("Send")
    await expect(w(visitor, "title")).to_have_text("Chat with us")
    visitor_watch.assert_clean()


async def test_the_widget_switches_to_russian_when_the_visitor_types_cyrillic(web_hub, new_page):
    visitor, visitor_watch = await new_page(locale="en-US")
    # a widget showing English (as an English page, or an earlier choice in this tab, would have it)
    await visitor.goto(f"{web_hub.url}/demo/site")
    await visitor.evaluate(f"sessionStorage.setItem('hubWidget:{web_hub.url}:lang', 'en')")
    await visitor.reload()
    await w(visitor, "bubble").click()
    await expect(w(visitor, "send")).to_have_text("Send")
    if await w(visitor, "prechat").is_visible():
        await w(visitor, "prechat-skip").click()
    await w(visitor, "input").fill("Здравствуйте")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")
    await expect(w(visitor, "send")).to_have_text("Отправить")
    await expect(w(visitor, "input")).to_have_attribute("placeholder", "Напишите сообщение…")
    await expect(w(visitor, "host")).to_have_attribute("data-lang", "ru")
    visitor_watch.assert_clean()


async def test_the_agent_sees_the_customers_language_in_the_conversation_header(web_hub, new_page, login):
    visitor, visitor_watch = await new_page(locale="ru-RU")
    await visitor.goto(f"{web_hub.url}/demo/site")
    await w(visitor, "bubble").click()
    if await w(visitor, "prechat").is_visible():
        await w(visitor, "prechat-skip").click()
    await w(visitor, "input").fill("Hello")
    await w(visitor, "send").click()
    from_bot = visitor.locator("[data-hub-widget=message][data-author-type=bot]")
    await expect(from_bot.first).to_contain_text("Здравствуйте! Я бот-помощник.")
    visitor_id = await visitor.evaluate("window.HubWidget.visitorId")
    listed = await web_hub.api("GET", "/api/v1/conversations?limit=100")
    [conversation] = [c for c in listed["items"] if c["thread_key"] == visitor_id]

    agent, agent_watch = await new_page(locale="en-US")
    await login(agent, *ADMIN)
    await agent.goto(f"{web_hub.url}/inbox#c={conversation['id']}")
    await agent.reload()  # the hash alone does not load the page again
    badge = agent.locator("#conv-badges .lang-badge")
    await expect(badge).to_have_text("RU")
    await expect(badge).to_have_attribute("title", re.compile("The customer's language: Russian"))

    # the visitor chooses English with the bot's button and writes on: the agent's header follows live
    await w(visitor, "button").filter(has_text="English").click()
    await expect(w(visitor, "send")).to_have_text("Send")
    await w(visitor, "input").fill("Thanks")
    await w(visitor, "send").click()
    await expect(badge).to_have_text("EN")
    visitor_watch.assert_clean()
    agent_watch.assert_clean()
