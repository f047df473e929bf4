"""The partner portal in Chromium follows a split live: the message split off moves to the new conversation in
the open timeline (its conversation changes, it stays shown), the conversation menu gains the new conversation,
and an internal note that moved with it never appears."""

from __future__ import annotations

import pytest

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEALER = ("mover@example.com", "mover-password")


async def test_the_portal_moves_split_entries_to_their_new_conversation_live(browser, web_hub):
    hub = web_hub.hub
    org = await partner_actions.create_partner(hub, SYSTEM, name="Dealer East")
    await staff.create_user(
        hub, email=DEALER[0], name="Max Mover", role=Role.partner, password=DEALER[1], partner_id=org.id
    )
    first = await web_hub.push("First order", name="Moving Customer", email="moving@example.com")
    second = await web_hub.push("Second order, really", name="Moving Customer", email="moving@example.com")
    source = first["conversation_id"]
    await web_hub.api("POST", f"/api/v1/conversations/{source}/notes", {"text": "internal: moving it"})
    await web_hub.api("POST", f"/api/v1/partners/{org.id}/grants", {"client_id": first["client_id"]})

    context = await browser.new_context(locale="en-US")
    try:
        page = await context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"{web_hub.url}/login")
        await page.fill("#login-email", DEALER[0])
        await page.fill("#login-password", DEALER[1])
        await page.click("#login-submit")
        await page.wait_for_url(f"{web_hub.url}/portal")
        await page.wait_for_selector("#conn-status[data-state=live]")
        await page.locator("#portal-clients button").first.click()
        moved = page.locator(f"#portal-timeline [data-entry-id='{second['entry_id']}']")
        await moved.wait_for()
        assert await moved.get_attribute("data-conversation-id") == source
        assert await page.locator("#portal-conversation option").count() == 1

        split = await web_hub.api("POST", f"/api/v1/entries/{second['entry_id']}/split", {"following": True})
        new_id = split["conversation"]["id"]
        await page.wait_for_selector(
            f"#portal-timeline [data-entry-id='{second['entry_id']}'][data-conversation-id='{new_id}']"
        )
        await page.wait_for_selector(f"#portal-conversation option[value='{new_id}']", state="attached")
        timeline = await page.locator("#portal-timeline").inner_text()
        assert "First order" in timeline and "Second order, really" in timeline
        assert "moving it" not in timeline
        assert not errors, errors
    finally:
        await context.close()
