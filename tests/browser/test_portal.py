"""The partner portal in Chromium on a phone-sized screen (390×844): a partner logs in on the common login page,
lands in the portal, sees only the client shared with their organisation, gets a customer's message and a shared
note live — never an internal note — and a revoke removes the client from the open portal."""

from __future__ import annotations

import pytest

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEALER = ("dealer@example.com", "dealer-password")


async def test_a_partner_works_in_the_portal_and_a_revoke_removes_the_client_live(browser, web_hub):
    hub = web_hub.hub
    north = await partner_actions.create_partner(hub, SYSTEM, name="Dealer North", redacted_fields=["email"])
    await staff.create_user(
        hub, email=DEALER[0], name="Dana Dealer", role=Role.partner, password=DEALER[1], partner_id=north.id
    )
    shared = await web_hub.push("I need a quote", name="Shared Customer", email="shared@example.com")
    await web_hub.push("private matter", name="Private Customer", email="private@example.com")
    grant = await web_hub.api(
        "POST", f"/api/v1/partners/{north.id}/grants", {"client_id": shared["client_id"]}
    )

    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    try:
        page = await context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        await page.goto(f"{web_hub.url}/login")
        await page.fill("#login-email", DEALER[0])
        await page.fill("#login-password", DEALER[1])
        await page.click("#login-submit")
        await page.wait_for_url(f"{web_hub.url}/portal")
        await page.wait_for_selector("#conn-status[data-state=live]")

        # only the shared client is listed
        items = page.locator("#portal-clients button")
        await items.first.wait_for()
        assert await items.count() == 1
        assert "Shared Customer" in await items.first.inner_text()
        assert "Private Customer" not in await page.locator("#portal-clients").inner_text()
        # it fits the phone: no horizontal scrolling
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        await items.first.click()
        await page.wait_for_selector("#portal-detail:not([hidden])")
        await page.wait_for_selector("#portal-timeline >> text=I need a quote")
        assert "shared@example.com" not in await page.locator("#portal-card").inner_text()  # email redacted

        # live: an internal note, then a customer's message and a shared note
        conversation = f"/api/v1/conversations/{shared['conversation_id']}"
        await web_hub.api("POST", f"{conversation}/notes", {"text": "internal: margin is 40%"})
        await web_hub.push("Is it in stock?", name="Shared Customer", email="shared@example.com")
        await web_hub.api(
            "POST",
            f"{conversation}/notes",
            {"text": "Dealer: please call them", "shared_with_partners": True},
        )
        await page.wait_for_selector("#portal-timeline >> text=Is it in stock?")
        await page.wait_for_selector("#portal-timeline >> text=Dealer: please call them")
        assert "margin is 40%" not in await page.locator("#portal-timeline").inner_text()

        # the partner writes a shared note
        await page.fill("#portal-text", "Called, they want 3 units")
        await page.click("#portal-send")
        await page.wait_for_selector("#portal-timeline >> text=Called, they want 3 units")

        # revoke: the open client disappears and the list empties, without a reload
        await web_hub.api("DELETE", f"/api/v1/partners/{north.id}/grants/{grant['id']}")
        await page.wait_for_selector("#portal-detail", state="hidden")
        await page.wait_for_selector("#portal-empty:not([hidden])")
        assert await page.locator("#portal-clients button").count() == 0
        assert "withdrawn" in await page.locator("#portal-notice").inner_text()
        assert not errors, errors
    finally:
        await context.close()
