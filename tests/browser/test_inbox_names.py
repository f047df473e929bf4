"""What the inbox calls a client who gave no name: an anonymous web chat visitor reads as "Visitor 4821" (stable,
in the reader's language), never as a raw id."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from hub.actions.ingest import ingest
from hub.domain import IdentityKind
from hub.identities import make_identity
from hub.inbound import InboundMessage

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_anonymous_visitor_has_a_readable_name_in_both_languages(web_hub, new_page, login):
    result = await ingest(
        web_hub.hub,
        InboundMessage(
            channel="webchat",
            provider_message_id="anon-1",
            thread_key="v4d13eb559af0c2",
            identities=(make_identity(IdentityKind.webchat, "v4d13eb559af0c2"),),
            text="is anyone there?",
        ),
    )
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    name = page.locator(f'.conv-item[data-conversation-id="{result.conversation.id}"] .conv-item-name')
    await expect(name).to_have_text(re.compile(r"^Visitor \d{4}$"))
    english = await name.text_content()

    ru, _ = await new_page(locale="ru-RU")
    await login(ru, "agent1@example.com")
    await ru.click("[data-tab=unassigned]")
    ru_name = ru.locator(f'.conv-item[data-conversation-id="{result.conversation.id}"] .conv-item-name')
    await expect(ru_name).to_have_text("Посетитель " + english.split()[-1])
    watch.assert_clean()
