"""Admin → Channels speaks the reader's language: each channel's health line comes with a code + params (the API
keeps the English `message` for its clients) and the Russian page renders it from static/i18n.json."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN = ("admin@example.com", "admin-password")


async def test_the_channels_health_lines_are_russian_on_a_russian_page(web_hub, new_page, login):
    health = await web_hub.api("GET", "/api/v1/channels/health")
    assert (health["email"]["code"], health["email"]["params"]) == ("email.none", {})
    assert health["email"]["message"] == "no mailbox is configured: set HUB_MAILBOXES (see the README)"
    assert health["telegram"]["code"] == "telegram.none"
    assert health["api"]["code"] in {"api.webhook", "api.no_webhook"}

    page, watch = await new_page(locale="ru-RU")
    await login(page, *ADMIN)
    await page.goto(f"{web_hub.url}/admin")
    await page.wait_for_selector("body[data-ready=true]")
    await page.click('.admin-nav a[data-section="channels"]')
    channels = page.locator("#channels-list")
    await expect(channels.locator('[data-channel="email"]')).to_contain_text(
        "Почтовые ящики не настроены: задайте HUB_MAILBOXES (см. README)"
    )
    await expect(channels.locator('[data-channel="telegram"]')).to_contain_text("Telegram-боты не настроены")
    await expect(channels.locator('[data-channel="webchat"]')).to_contain_text("Виджет")
    text = await channels.inner_text()
    assert "no mailbox is configured" not in text and "is configured: set" not in text
    watch.assert_clean()
