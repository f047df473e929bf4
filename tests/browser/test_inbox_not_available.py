"""A conversation that is gone or hidden from the reader: opening it from "My tasks" (the task is the agent's, the
conversation was routed to a department they are not in) says so in the reader's language, not the server's
lowercase English after "Something went wrong"."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.actions import staff

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.mark.parametrize(
    ("locale", "told"),
    [
        ("en-US", "This conversation is not available to you (any more)."),
        ("ru-RU", "Этот разговор вам недоступен (или его больше нет)."),
    ],
)
async def test_opening_a_hidden_conversation_from_my_tasks_says_it_is_not_available(
    web_hub, new_page, login, locale, told
):
    support = await staff.create_department(web_hub.hub, "Support")
    agent1 = await web_hub.hub.store.users.get_by_email("agent1@example.com")
    message = await web_hub.push("Please send the invoice", name="Olga Client")
    conversation_id = message["conversation_id"]
    await web_hub.api(
        "POST",
        "/api/v1/tasks",
        {"title": "Send the invoice", "client_id": message["client_id"], "conversation_id": conversation_id,
         "assignee_id": agent1.id},
    )  # fmt: skip
    # Support takes the conversation over: agent1 (Sales) keeps the task, not the conversation
    await web_hub.api("PATCH", f"/api/v1/conversations/{conversation_id}", {"department_id": support.id})

    page, watch = await new_page(locale=locale)
    await login(page, "agent1@example.com")
    await page.click("#my-tasks")
    task = page.locator("#tasks-list .task")
    await expect(task.locator(".task-title")).to_have_text("Send the invoice")
    await task.locator(".task-open").click()
    toast = page.locator(".toasts .toast")
    await expect(toast).to_have_text(told)
    await expect(page.locator("#conv")).to_be_hidden()
    watch.assert_clean(allow=f"/api/v1/conversations/{conversation_id}")
