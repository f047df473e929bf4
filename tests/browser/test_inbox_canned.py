"""Canned replies in the composer: "/" and a few letters list the replies the agent may use, choosing one puts its
text rendered for the open conversation (the client's and the agent's names filled in) into the composer."""

from __future__ import annotations

import pytest
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
