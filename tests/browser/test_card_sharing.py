"""Sharing a client with a partner organisation from the client card (issue #11): an admin picks the organisation in
"Share with partner", the partner's portal (another browser context) then lists the client; "Revoke" on the card
removes it from the portal. An agent's card has no sharing section (the server answers 403 to them)."""

from __future__ import annotations

import pytest
from conftest import ADMIN, VIEWPORT

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEALER = ("dealer@example.com", "dealer-password")


async def open_portal(browser, web_hub):
    context = await browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(10_000)
    await page.goto(f"{web_hub.url}/login")
    await page.fill("#login-email", DEALER[0])
    await page.fill("#login-password", DEALER[1])
    await page.click("#login-submit")
    await page.wait_for_url(f"{web_hub.url}/portal")
    await page.wait_for_selector("#conn-status[data-state=live]")
    return context, page


async def test_an_admin_shares_a_client_from_the_card_and_revokes_it(browser, web_hub, new_page, login):
    hub = web_hub.hub
    north = await partner_actions.create_partner(hub, SYSTEM, name="Dealer North")
    await partner_actions.create_partner(hub, SYSTEM, name="Dealer South")
    await staff.create_user(
        hub, email=DEALER[0], name="Dana Dealer", role=Role.partner, password=DEALER[1], partner_id=north.id
    )
    await web_hub.push("I need a quote", name="Shared Customer", email="shared@example.com")

    portal_context, portal = await open_portal(browser, web_hub)
    try:
        await portal.wait_for_selector("#portal-empty:not([hidden])")

        page, watch = await new_page()
        await login(page, *ADMIN)
        await page.click("#conversation-list >> text=Shared Customer")
        section = page.locator("#card-sharing")
        await section.locator("text=Not shared with any partner").wait_for()
        await page.select_option("#share-partner", label="Dealer North")
        await page.click("#share-submit")
        await section.locator(".sharing-list >> text=Dealer North").wait_for()
        # the organisation it is shared with is no longer offered
        assert await page.locator("#share-partner option", has_text="Dealer North").count() == 0

        # the partner's portal now lists the client
        await portal.reload()
        await portal.wait_for_selector("#portal-clients >> text=Shared Customer")

        await section.locator("li", has_text="Dealer North").locator("button", has_text="Revoke").click()
        await section.locator("text=Not shared with any partner").wait_for()
        await portal.wait_for_selector("#portal-empty:not([hidden])")
        assert "Shared Customer" not in await portal.locator("#portal-clients").inner_text()
        watch.assert_clean()
    finally:
        await portal_context.close()


async def test_an_agent_sees_no_sharing_controls(web_hub, new_page, login):
    await web_hub.push("Hello", name="Plain Customer", email="plain@example.com")
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("#conversation-list >> text=Plain Customer")
    await page.wait_for_selector("#card-name")
    assert await page.locator("#share-partner").count() == 0
    watch.assert_clean()
