"""The portal's system lines ("… set it pending", "… resolved it") are in the reader's language, rendered from
their code and params like the inbox's (static/system_text.js, shared by both pages), not the stored English."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEALER = ("dealer@example.com", "dealer-password")


async def test_system_lines_are_russian_on_a_russian_portal(web_hub, new_page):
    hub = web_hub.hub
    north = await partner_actions.create_partner(hub, SYSTEM, name="Dealer North")
    await staff.create_user(
        hub, email=DEALER[0], name="Dana Dealer", role=Role.partner, password=DEALER[1], partner_id=north.id
    )
    john = await web_hub.push("How do I export my data?", name="John Smith", email="john@example.com")
    await web_hub.api("POST", f"/api/v1/partners/{north.id}/grants", {"client_id": john["client_id"]})
    path = f"/api/v1/conversations/{john['conversation_id']}"
    await web_hub.api("PATCH", path, {"status": "pending"})
    await web_hub.api("PATCH", path, {"status": "resolved"})
    entries = (await web_hub.api("GET", f"{path}/timeline?limit=50"))["items"]
    coded = [e for e in entries if e["kind"] == "system"]
    assert {e["meta"]["code"] for e in coded} >= {"pending", "resolved"}

    page, watch = await new_page(locale="ru-RU")
    await page.goto(f"{web_hub.url}/login")
    await page.fill("#login-email", DEALER[0])
    await page.fill("#login-password", DEALER[1])
    await page.click("#login-submit")
    await page.wait_for_url(f"{web_hub.url}/portal")
    await page.locator("#portal-clients button", has_text="John Smith").click()
    timeline = page.locator("#portal-timeline")
    await expect(timeline).to_contain_text("How do I export my data?")
    await expect(timeline).to_contain_text("перевёл(а) в ожидание ответа клиента")
    await expect(timeline).to_contain_text("решил(а) обращение")
    assert "set it pending" not in await timeline.inner_text()
    assert "resolved it" not in await timeline.inner_text()
    watch.assert_clean()
