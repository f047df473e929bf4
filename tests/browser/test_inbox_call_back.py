"""The phone conversation's "Call back" button: it asks the hub to place the call (POST /api/v1/calls) and shows
what happened — the call entry and "Calling <number>", or why it cannot (in the reader's language)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.actions.calls import record_call_event
from hub.calls import CallEvent, CallStatus
from hub.dialing import PlacedCall

pytestmark = pytest.mark.asyncio(loop_scope="module")

NUMBER = "+79161234567"


class RecordingDialer:
    """Stands in for a provider behind the hub's Dialer port (the providers' APIs are tested in tests/telephony)."""

    provider = "twilio"
    names_calls = True

    def __init__(self) -> None:
        self.requests = []

    async def dial(self, request):
        self.requests.append(request)
        return PlacedCall(provider="twilio", call_id=f"CA{len(self.requests):032x}", line="+74951234567")


async def test_call_back_places_the_call_or_says_why_not(web_hub, new_page, login):
    missed = await record_call_event(
        web_hub.hub,
        CallEvent(provider="generic", call_id="c1", event_id="e1", direction="in", number=NUMBER,
                  status=CallStatus.missed),
    )  # fmt: skip
    conversation_id = missed.conversation.id
    other = await web_hub.push("hello by the web form")
    page, watch = await new_page()
    await login(page, "admin@example.com", "admin-password")
    await page.click("[data-tab=unassigned]")
    await page.click(f'.conv-item[data-conversation-id="{conversation_id}"]')
    button = page.locator("#composer .call-back")
    await expect(button).to_have_text("Call back")
    await button.click()
    await expect(page.locator("#composer-error")).to_contain_text("Calls are not set up")
    # a conversation that is not a phone one has no such button
    await page.click(f'.conv-item[data-conversation-id="{other["conversation_id"]}"]')
    await expect(button).to_be_hidden()
    await page.click(f'.conv-item[data-conversation-id="{conversation_id}"]')
    await expect(button).to_be_visible()

    dialer = RecordingDialer()
    web_hub.hub.dialer = dialer
    await button.click()
    await expect(page.locator("#composer-hint")).to_have_text(f"Calling {NUMBER}…")
    await expect(page.locator("#composer-error")).to_have_text("")
    await expect(page.locator('.call-state[data-status="ringing"]')).to_have_count(1)
    assert [r.number for r in dialer.requests] == [NUMBER]

    ru, _ = await new_page(locale="ru-RU")
    await login(ru, "admin@example.com", "admin-password")
    await ru.click("[data-tab=unassigned]")
    await ru.click(f'.conv-item[data-conversation-id="{conversation_id}"]')
    await expect(ru.locator("#composer .call-back")).to_have_text("Перезвонить")
    watch.assert_clean(allow="/api/v1/calls")
