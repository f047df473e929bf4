"""Access that changes while the inbox is open, in a real Chromium: a conversation re-routed away from an agent
leaves their list and their screen at once; a deactivated agent's inbox is sent back to the login page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.actions import staff

pytestmark = pytest.mark.asyncio(loop_scope="module")


def item(page, conversation_id: str):
    return page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]')


async def test_a_rerouted_conversation_leaves_the_agents_inbox_live(web_hub, new_page, login, tmp_path):
    support = await staff.create_department(web_hub.hub, "Support")
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")

    first = await web_hub.push("Where is my order?")
    await web_hub.api("PATCH", f"/api/v1/conversations/{first['conversation_id']}", {"department_id": None})
    await item(page, first["conversation_id"]).click()
    await expect(page.locator("#conv-title")).to_have_text("Olga Customer")

    await web_hub.api(
        "PATCH", f"/api/v1/conversations/{first['conversation_id']}", {"department_id": support.id}
    )
    await expect(item(page, first["conversation_id"])).to_have_count(0)
    await expect(page.locator(".toasts")).to_contain_text("no longer yours to see")
    await page.screenshot(path=tmp_path / "rerouted-away.png")
    # the customer writes again: nothing of it reaches this agent's page
    secret = await web_hub.push("My address is 5 Lenina street")
    barrier = await web_hub.push("Another customer", name="Ivan", email="ivan@example.com")
    await expect(item(page, barrier["conversation_id"])).to_have_count(1)
    assert secret["conversation_id"] == first["conversation_id"]
    await expect(page.get_by_text("5 Lenina street")).to_have_count(0)
    watch.assert_clean()


async def test_a_deactivated_agent_is_sent_to_the_login_page(web_hub, new_page, login):
    page, _watch = await new_page()
    await login(page, "agent2@example.com")
    agent = await web_hub.hub.store.users.get_by_email("agent2@example.com")
    await web_hub.api("PATCH", f"/api/v1/users/{agent.id}", {"active": False})
    await page.wait_for_url(f"{web_hub.url}/login", timeout=15_000)
