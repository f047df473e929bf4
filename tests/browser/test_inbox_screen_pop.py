"""The screen pop in a real Chromium: a ringing call shows every agent who may take it a banner with the caller's
name (a known client) or "Unknown caller"; "Open the card" opens that client's phone conversation; when the call is
answered elsewhere the banner goes by itself, on every agent's page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.actions.calls import record_call_event
from hub.calls import CallEvent, CallStatus

pytestmark = pytest.mark.asyncio(loop_scope="module")

KNOWN = "+79161234567"
UNKNOWN = "+79035550000"


def ringing(call_id: str, number: str, status: CallStatus = CallStatus.ringing, n: int = 1) -> CallEvent:
    return CallEvent(
        provider="generic",
        call_id=call_id,
        event_id=f"{call_id}-{n}",
        direction="in",
        number=number,
        status=status,
    )


async def test_a_ringing_call_pops_a_banner_that_opens_the_card_and_goes_when_answered(
    web_hub, new_page, login, tmp_path
):
    known = await web_hub.api(
        "POST",
        "/api/v1/inbound",
        {
            "external_id": "pop-1",
            "sender": {"name": "Olga Caller", "phone": KNOWN},
            "text": "I will call you",
        },
    )
    first, first_watch = await new_page()
    second, second_watch = await new_page()
    await login(first, "agent1@example.com")
    await login(second, "agent2@example.com")
    await expect(first.locator("#conversation-list .conv-item")).to_have_count(
        1
    )  # the socket is up: the list
    await expect(second.locator("#conversation-list .conv-item")).to_have_count(1)

    call = await record_call_event(web_hub.hub, ringing("pop-a", KNOWN))
    banner = first.locator(f'.call-banner[data-entry-id="{call.entry.id}"]')
    await expect(banner).to_contain_text("Olga Caller")
    await expect(banner).to_contain_text(KNOWN)
    other_banner = second.locator(f'.call-banner[data-entry-id="{call.entry.id}"]')
    await expect(other_banner).to_be_visible()
    await first.screenshot(path=tmp_path / "screen-pop.png")

    # the first agent opens the card from the banner: the client's phone conversation is open
    await banner.get_by_role("button", name="Open card").click()
    await expect(banner).to_have_count(0)
    await expect(first.locator("#card-name")).to_have_text("Olga Caller")
    assert call.conversation.client_id == known["client_id"]

    # answered (by whoever): the banner leaves the other agent's page too
    await record_call_event(web_hub.hub, ringing("pop-a", KNOWN, CallStatus.answered, n=2))
    await expect(other_banner).to_have_count(0)

    # an unknown number: "Unknown caller", and a way to make the client
    unknown = await record_call_event(web_hub.hub, ringing("pop-b", UNKNOWN))
    stranger = second.locator(f'.call-banner[data-entry-id="{unknown.entry.id}"]')
    await expect(stranger).to_contain_text("Unknown caller")
    await expect(stranger.get_by_role("button", name="Open card, add the name")).to_be_visible()
    await stranger.get_by_role("button", name="Dismiss").click()
    await expect(stranger).to_have_count(0)
    first_watch.assert_clean()
    second_watch.assert_clean()
