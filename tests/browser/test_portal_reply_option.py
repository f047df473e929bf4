"""The portal knows before sending whether the organisation may reply (the conversations' `reply`, decided by the
access policy's reply grants): without a reply grant "Reply to the customer" is off and says why; with one it is
offered and the reply goes out."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEALER = ("dealer@example.com", "dealer-password")


async def test_the_reply_option_is_off_with_the_reason_without_a_reply_grant(web_hub, new_page):
    hub = web_hub.hub
    north = await partner_actions.create_partner(hub, SYSTEM, name="Dealer North")
    await staff.create_user(
        hub, email=DEALER[0], name="Dana Dealer", role=Role.partner, password=DEALER[1], partner_id=north.id
    )
    john = await web_hub.push("How do I export my data?", name="John Smith", email="john@example.com")
    acme = await web_hub.push("We need an on-site demo", name="Acme Buyer", email="acme@example.com")
    await web_hub.api("POST", f"/api/v1/partners/{north.id}/grants", {"client_id": john["client_id"]})
    await web_hub.api(
        "POST", f"/api/v1/partners/{north.id}/grants", {"client_id": acme["client_id"], "can_reply": True}
    )

    page, watch = await new_page()
    await page.goto(f"{web_hub.url}/login")
    await page.fill("#login-email", DEALER[0])
    await page.fill("#login-password", DEALER[1])
    await page.click("#login-submit")
    await page.wait_for_url(f"{web_hub.url}/portal")
    reply = page.locator('#portal-composer input[name="mode"][value="reply"]')
    reason = page.locator("#portal-reply-reason")

    await page.locator("#portal-clients button", has_text="John Smith").click()
    await expect(page.locator("#portal-timeline")).to_contain_text("How do I export my data?")
    await expect(reply).to_be_disabled()
    await expect(reason).to_have_text("Your organisation may not reply to this customer.")
    await expect(page.locator('#portal-composer input[name="mode"][value="note"]')).to_be_checked()

    await page.locator("#portal-clients button", has_text="Acme Buyer").click()
    await expect(page.locator("#portal-timeline")).to_contain_text("on-site demo")
    await expect(reply).to_be_enabled()
    await expect(reason).to_be_hidden()
    await reply.check()
    await page.fill("#portal-text", "Booked for Tuesday")
    await page.click("#portal-send")
    await expect(page.locator("#portal-timeline")).to_contain_text("Booked for Tuesday")
    await expect(page.locator("#portal-error")).to_have_text("")
    watch.assert_clean()
