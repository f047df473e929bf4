"""Canned replies in the composer: "/" and a few letters list the replies the agent may use, choosing one puts its
text rendered for the open conversation (the client's and the agent's names filled in) into the composer."""

from __future__ import annotations

import pytest
from conftest import ADMIN
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_slash_lists_canned_replies_and_inserts_the_rendered_text(web_hub, new_page, login):
    body = "Hello {{ client.first_name }}, this is {{ agent.first_name }}.{{ client.nickname }}"
    await web_hub.api(
        "POST", "/api/v1/canned-responses",
        {"title": "Greeting", "shortcut": "hello", "body": body, "scope": "global", "language": "en"},
    )  # fmt: skip
    await web_hub.api("POST", "/api/v1/canned-responses", {"title": "Admin's own", "body": "private"})
    sent = await web_hub.push("Hi, anyone there?", name="Olga Petrova")

    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await page.click(f'.conv-item[data-conversation-id="{sent["conversation_id"]}"]')
    await expect(page.locator("#timeline")).to_contain_text("Hi, anyone there?")
    await page.fill("#composer-text", "/")
    items = page.locator("#canned-menu .canned-item")
    await expect(items).to_have_count(1)  # the admin's personal reply is not the agent's
    await page.fill("#composer-text", "/hel")
    await expect(items).to_have_text(["Greeting/helloEN"])
    await items.first.click()
    await expect(page.locator("#composer-text")).to_have_value("Hello Olga, this is Agent.")
    await expect(page.locator("#canned-menu")).to_be_hidden()
    # Enter picks the first while the menu is open, and does not send
    await page.fill("#composer-text", "/gree")
    await expect(page.locator("#canned-menu")).to_be_visible()
    await expect(items).to_have_count(1)
    await page.press("#composer-text", "Enter")
    await expect(page.locator("#composer-text")).to_have_value("Hello Olga, this is Agent.")
    await page.fill("#composer-text", "/nothing-like-this")
    await expect(page.locator("#canned-menu .canned-empty")).to_have_text("No canned replies match")
    watch.assert_clean()


async def test_the_customers_language_variant_is_offered_first(web_hub, new_page, login):
    """A Russian web chat visitor: "/" lists the Russian reply first and Enter inserts it, though the agent's inbox
    is English and "Greeting" sorts first by title; a customer whose language is unknown gets the agent's."""
    for title, shortcut, language, body in (
        ("Greeting", "hello", "en", "Hello {{ client.first_name }}, this is {{ agent.first_name }}."),
        ("Приветствие", "privet", "ru", "Здравствуйте! Меня зовут {{ agent.first_name }}."),
    ):
        await web_hub.api(
            "POST", "/api/v1/canned-responses",
            {"title": title, "shortcut": shortcut, "body": body, "scope": "global", "language": language},
        )  # fmt: skip
    visitor, visitor_watch = await new_page(locale="ru-RU")
    await visitor.goto(f"{web_hub.url}/demo/site")  # lang="ru": the widget says so with each message
    await visitor.locator("[data-hub-widget=bubble]").click()
    if await visitor.locator("[data-hub-widget=prechat]").is_visible():
        await visitor.locator("[data-hub-widget=prechat-skip]").click()
    await visitor.locator("[data-hub-widget=input]").fill("Добрый день, вопрос по заказу")
    await visitor.locator("[data-hub-widget=send]").click()
    await expect(visitor.locator("[data-hub-widget=message][data-status=sent]")).to_have_count(1)
    visitor_id = await visitor.evaluate("window.HubWidget.visitorId")
    listed = await web_hub.api("GET", "/api/v1/conversations?limit=100")
    [russian] = [c for c in listed["items"] if c["thread_key"] == visitor_id]
    unknown = await web_hub.push("Hi, anyone there?", name="Olga Petrova", thread_key="canned-lang")

    page, watch = await new_page(locale="en-US")
    await login(page, *ADMIN)
    items = page.locator("#canned-menu .canned-item")
    await page.goto(f"{web_hub.url}/inbox#c={russian['id']}")
    await page.reload()
    await expect(page.locator("#conv-badges .lang-badge")).to_have_text("RU")
    await page.fill("#composer-text", "/")
    await expect(items.first).to_contain_text("Приветствие")
    await page.press("#composer-text", "Enter")
    await expect(page.locator("#composer-text")).to_have_value("Здравствуйте! Меня зовут Administrator.")

    await page.goto(f"{web_hub.url}/inbox#c={unknown['conversation_id']}")
    await page.reload()
    await expect(page.locator("#timeline")).to_contain_text("Hi, anyone there?")
    await page.fill("#composer-text", "/")
    await expect(items.first).to_contain_text("Greeting")
    await page.press("#composer-text", "Enter")
    await expect(page.locator("#composer-text")).to_have_value("Hello Olga, this is Administrator.")
    watch.assert_clean()
    visitor_watch.assert_clean()
