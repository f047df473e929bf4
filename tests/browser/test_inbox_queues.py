"""The supervisors' queue panel: a conversation routed to a round-robin department while nobody is online waits in
its queue (the panel shows it live and opens it); when an agent comes online it is handed out, and the panel shows
the queue empty and the agent's load, live. An agent has no queue panel (the server refuses them the queues)."""

from __future__ import annotations

import pytest
from conftest import ADMIN
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_queue_panel_follows_a_waiting_conversation_until_an_agent_takes_it(
    web_hub, new_page, login, tmp_path
):
    sales = next(
        d for d in (await web_hub.api("GET", "/api/v1/departments"))["items"] if d["name"] == "Sales"
    )
    await web_hub.api("PATCH", f"/api/v1/departments/{sales['id']}", {"assignment": "round_robin"})
    message = await web_hub.push("I want to buy 40 licences", name="Boris Buyer", email="boris@example.com")

    boss, watch = await new_page()
    await login(boss, *ADMIN)
    await boss.click("#queues-button")
    queue = boss.locator(f'#queues-panel .queue[data-department-id="{sales["id"]}"]')
    await expect(queue).to_have_attribute("data-waiting", "0")
    await expect(queue).to_contain_text("Round robin")
    await expect(queue.locator(".queue-agents li")).to_have_count(2)

    # routed to Sales while no agent is online: it waits, and the open panel shows it without a reload
    await web_hub.api(
        "PATCH", f"/api/v1/conversations/{message['conversation_id']}", {"department_id": sales["id"]}
    )
    await expect(queue).to_have_attribute("data-waiting", "1")
    await expect(queue.locator(".queue-waiting")).to_have_text("1 waiting")
    waiting = queue.locator(f'.queue-oldest li[data-conversation-id="{message["conversation_id"]}"]')
    await expect(waiting).to_contain_text("Boris Buyer")
    await waiting.locator("button").click()
    await expect(boss.locator("#queues-panel")).to_be_hidden()
    await expect(boss.locator("#conv-title")).to_have_text("Boris Buyer")

    # an agent has no queue panel
    agent, agent_watch = await new_page()
    await boss.click("#queues-button")
    await expect(queue).to_have_attribute("data-waiting", "1")
    await login(agent, "agent1@example.com")
    await expect(agent.locator("#queues-button")).to_be_hidden()

    # agent1 coming online takes it from the queue: the panel follows live
    await expect(queue).to_have_attribute("data-waiting", "0")
    one = queue.locator(".queue-agents li", has_text="Agent One")
    await expect(one).to_have_attribute("data-open", "1")
    await expect(one).to_contain_text("1 open")
    await boss.screenshot(path=tmp_path / "queues.png")
    await agent.click("[data-tab=mine]")
    await expect(
        agent.locator(f'.conv-item[data-conversation-id="{message["conversation_id"]}"]')
    ).to_be_visible()

    await boss.select_option("select[data-lang-switch]", "ru")
    await expect(boss.locator("#queues-button")).to_have_text("Очереди")
    await expect(queue.locator(".queue-waiting")).to_have_text("ждут: 0")
    watch.assert_clean()
    agent_watch.assert_clean()
