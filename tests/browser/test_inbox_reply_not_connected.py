"""The composer tells the truth before typing (issue #12): in a Telegram conversation while no bot runs, the reply
box is off and the hint says the channel is not connected and how to connect it; notes still work, and a
conversation whose channel is connected is answered as before. EN and RU."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.actions.ingest import ingest
from hub.domain import IdentityKind
from hub.identities import make_identity
from hub.inbound import InboundMessage

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_unconnected_channel_says_so_and_takes_no_reply(web_hub, new_page, login):
    telegram = await ingest(
        web_hub.hub,
        InboundMessage(
            channel="telegram",
            provider_message_id="tg-1",
            thread_key="tg-1:501",
            identities=(make_identity(IdentityKind.telegram, 501),),
            text="И можно ли доставить в субботу?",
            display_name="Иван Петров",
        ),
    )
    conversation_id = telegram.entry.conversation_id
    web_form = await web_hub.push("hello by the web form")  # the api channel: connected
    page, watch = await new_page()
    await login(page, "admin@example.com", "admin-password")
    await page.click("[data-tab=unassigned]")
    await page.click(f'.conv-item[data-conversation-id="{conversation_id}"]')
    hint, text, send = (
        page.locator("#composer-hint"),
        page.locator("#composer-text"),
        page.locator("#composer-send"),
    )
    await expect(hint).to_contain_text("The Telegram channel is not connected")
    await expect(hint).to_contain_text("To connect it")
    await expect(text).to_be_disabled()
    await expect(send).to_be_disabled()

    # a note is still possible
    await page.click('#composer [data-mode="note"]')
    await expect(text).to_be_enabled()
    await text.fill("He wants Saturday delivery: calling him")
    await send.click()
    await expect(page.locator(".entry.entry-note")).to_contain_text("calling him")
    await page.click('#composer [data-mode="reply"]')
    await expect(text).to_be_disabled()

    # the connected conversation takes a reply
    await page.click(f'.conv-item[data-conversation-id="{web_form["conversation_id"]}"]')
    await expect(hint).to_contain_text("The customer gets it via")
    await expect(text).to_be_enabled()
    await text.fill("Hello!")
    await send.click()
    await expect(text).to_have_value("")

    ru, ru_watch = await new_page(locale="ru-RU")
    await login(ru, "admin@example.com", "admin-password")
    await ru.click("[data-tab=unassigned]")
    await ru.click(f'.conv-item[data-conversation-id="{conversation_id}"]')
    await expect(ru.locator("#composer-hint")).to_contain_text("Канал Telegram не подключён")
    await expect(ru.locator("#composer-text")).to_be_disabled()
    watch.assert_clean()
    ru_watch.assert_clean()
