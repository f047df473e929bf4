"""An organisation's grants in the inbox (issue #11): the admin's "Partners" panel lists each partner organisation
with what it is granted (a client by name, a tag rule), and "Revoke" there ends the grant on the server; an agent
has no such panel (the server answers 403 to them)."""

from __future__ import annotations

import pytest
from conftest import ADMIN
from playwright.async_api import expect

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.queries import partners as partner_queries

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_partners_panel_lists_an_organisations_grants_and_revokes_one(web_hub, new_page, login):
    hub = web_hub.hub
    east = await partner_actions.create_partner(hub, SYSTEM, name="Branch East")
    await partner_actions.create_partner(hub, SYSTEM, name="Branch West")
    message = await web_hub.push("Quote for 40 chairs", name="Granted Customer", email="granted@example.com")
    by_client, _ = await partner_actions.grant(hub, SYSTEM, east.id, client_id=message["client_id"])
    await partner_actions.grant(hub, SYSTEM, east.id, rule={"tag": "vip"})

    page, _ = await new_page()
    await login(page, *ADMIN)
    await page.click("#partners-button")
    panel = page.locator("#partners-panel")
    east_block = panel.locator(f'[data-partner-id="{east.id}"]')
    await expect(east_block.locator(".grant-label")).to_have_text(
        ["Client Granted Customer", "Clients tagged “vip”"]
    )
    await expect(panel.locator(".health-mailbox", has_text="Branch West")).to_contain_text(
        "Nothing is shared with this organisation."
    )
    # the organisations and nothing else: no stray "nullnull" above the first one
    await expect(panel.locator("#partners-list")).not_to_contain_text("null")
    first = await panel.locator("#partners-list").evaluate("e => e.firstChild && e.firstChild.nodeType")
    assert first == 1, "the list starts with an organisation's block, not a text node"

    await east_block.locator(f'li[data-grant-id="{by_client.id}"] .partner-revoke').click()
    await expect(east_block.locator(".grant-label")).to_have_text(["Clients tagged “vip”"])
    left = await partner_queries.grants(hub, SYSTEM, east.id)
    assert [g.rule.tag for g in left] == ["vip"]


async def test_an_agent_has_no_partners_panel(web_hub, new_page, login):
    page, _ = await new_page()
    await login(page, "agent1@example.com")
    await page.wait_for_selector("#conn-status[data-state=live]")
    await expect(page.locator("#partners-button")).to_be_hidden()
