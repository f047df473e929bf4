"""The bell is the server's notification centre: a task given to an agent and a mention light it live, "mark all
read" in one tab darkens the other tab too, and a reload keeps the read state. SLA notices show in both languages.
Each item names the conversation's client and subject."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from hub.actions.notifications import notify

pytestmark = pytest.mark.asyncio(loop_scope="module")
AGENT1 = ("agent1@example.com", "agent-password")


async def test_the_bell_counts_what_the_server_keeps_and_read_marks_survive_a_reload(
    web_hub, new_page, login
):
    message = await web_hub.push("The parcel is late", name="Lena Client", email="lena@example.com")
    users = {u["email"]: u for u in (await web_hub.api("GET", "/api/v1/users"))["items"]}
    two, watch = await new_page()
    await login(two, "agent2@example.com")
    await expect(two.locator("#bell-count")).to_be_hidden()
    other_tab = await two.context.new_page()
    await other_tab.goto(f"{web_hub.url}/inbox")
    await other_tab.wait_for_selector("#conn-status[data-state=live]")

    # agent1 gives agent2 a task, then mentions them in a note: two notifications, live, in both tabs
    await web_hub.api("POST", "/api/v1/tasks", {"title": "Call the courier", "client_id": message["client_id"],
                      "conversation_id": message["conversation_id"], "assignee_id": users["agent2@example.com"]["id"]},
                      as_user=AGENT1)  # fmt: skip
    await expect(two.locator("#bell-count")).to_have_text("1")
    await web_hub.api("POST", f"/api/v1/conversations/{message['conversation_id']}/notes",
                      {"text": "@agent2 the courier's number is in the card"}, as_user=AGENT1)  # fmt: skip
    for page in (two, other_tab):
        await expect(page.locator("#bell-count")).to_have_text("2")
    await two.click("#bell")
    items = two.locator("#bell-list li")
    await expect(items).to_have_count(2)
    await expect(items.nth(0)).to_contain_text("Agent One mentioned you")
    await expect(items.nth(1)).to_contain_text("Agent One gave you a task")
    await expect(items.nth(1)).to_contain_text("Call the courier")

    # "mark all read" here: the server marks them, and the other tab goes dark live
    await two.click("#bell-clear")
    await expect(two.locator("#bell-count")).to_be_hidden()
    await expect(other_tab.locator("#bell-count")).to_be_hidden()
    await expect(other_tab.locator("#bell-list li.unread")).to_have_count(0)
    await other_tab.reload()
    await other_tab.wait_for_selector("#conn-status[data-state=live]")
    await expect(other_tab.locator("#bell-list li")).to_have_count(2)
    await expect(other_tab.locator("#bell-list li.unread")).to_have_count(0)
    await expect(other_tab.locator("#bell-count")).to_be_hidden()

    # an SLA warning and a breach (as the SLA clock sends them) show in the reader's language
    for kind in ("sla_warning", "sla_breach"):
        await notify(web_hub.hub, [users["agent2@example.com"]["id"]], kind=kind,
                     params={"target": "first_response", "due_at": "2031-01-02T10:00:00Z", "policy": "vip",
                             "minutes": 15, "subject": "The parcel is late"},
                     client_id=message["client_id"], conversation_id=message["conversation_id"])  # fmt: skip
    await expect(two.locator("#bell-count")).to_have_text("2")
    await expect(items.nth(0)).to_contain_text("SLA breached: first response")
    await expect(items.nth(1)).to_contain_text("SLA: first response due")
    await two.select_option("select[data-lang-switch]", "ru")
    await expect(items.nth(0)).to_contain_text("SLA нарушен: первый ответ")
    await expect(items.nth(2)).to_contain_text("Agent One упомянул(а) вас")

    # opening one marks just that one read, on the server
    await items.nth(0).locator("button").click()
    await expect(two.locator("#bell-count")).to_have_text("1")
    await expect(two.locator("#conv-title")).to_have_text("Lena Client")
    await other_tab.reload()
    await other_tab.wait_for_selector("#conn-status[data-state=live]")
    await expect(other_tab.locator("#bell-list li")).to_have_count(4)
    await expect(other_tab.locator("#bell-count")).to_have_text("1")
    watch.assert_clean()


async def test_each_notification_names_its_client_and_subject(web_hub, new_page, login):
    """ "A conversation was assigned to you" says whose: the client's name and the subject (a long one cut), also
    for a client the agent's list does not hold (the Unassigned tab's conversations are not loaded)."""
    users = {u["email"]: u for u in (await web_hub.api("GET", "/api/v1/users"))["items"]}
    agent2 = users["agent2@example.com"]["id"]
    long_text = (
        "The sofa that came on Monday has a torn cover and one leg is missing, what do I do now please"
    )
    first = await web_hub.push(long_text, name="Lena Client", email="lena@example.com")
    page, watch = await new_page()
    await login(page, "agent2@example.com")
    await web_hub.api("PATCH", f"/api/v1/conversations/{first['conversation_id']}", {"assignee_id": agent2})
    await expect(page.locator("#bell-count")).to_have_text("1")
    # an SLA notice about another client: not in any list this page loaded
    second = await web_hub.push("Where is my refund?", name="Oleg Client", email="oleg@example.com")
    await notify(web_hub.hub, [agent2], kind="sla_breach",
                 params={"target": "first_response", "policy": "vip", "subject": "Where is my refund?"},
                 client_id=second["client_id"], conversation_id=second["conversation_id"])  # fmt: skip
    await expect(page.locator("#bell-count")).to_have_text("2")
    await page.click("#bell")
    items = page.locator("#bell-list li")
    await expect(items.nth(0).locator(".bell-item-title")).to_have_text("SLA breached: first response")
    await expect(items.nth(0).locator(".bell-item-context")).to_have_text("Oleg Client · Where is my refund?")
    await expect(items.nth(1).locator(".bell-item-title")).to_have_text("A conversation was assigned to you")
    context = items.nth(1).locator(".bell-item-context")
    await expect(context).to_have_text(re.compile(r"^Lena Client · The sofa that came on Monday .{10,40}…$"))
    await items.nth(0).locator("button").click()
    await expect(page.locator("#conv-title")).to_have_text("Oleg Client")
    watch.assert_clean()
