"""Small things a new user notices: an empty list says so at its top (not at the bottom of the column), and each
task in "My tasks" names its client."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_empty_list_says_so_at_its_top(web_hub, new_page, login):
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    empty = page.locator("#list-empty")
    await expect(empty).to_be_visible()
    await expect(empty).to_have_text("No conversations here")
    listing = await page.locator("#conversation-list").bounding_box()
    column = await page.locator(".col-list").bounding_box()
    box = await empty.bounding_box()
    assert box["y"] - listing["y"] <= 8, (box, listing)
    assert box["y"] + box["height"] < column["y"] + column["height"] / 2, "the text sits in the top half"
    watch.assert_clean()


async def test_each_task_in_my_tasks_names_its_client(web_hub, new_page, login):
    agent1 = await web_hub.hub.store.users.get_by_email("agent1@example.com")
    for name, email, title in (
        ("Olga Client", "olga@example.com", "Send the invoice"),
        ("Ivan Client", "ivan@example.com", "Call back"),
    ):
        message = await web_hub.push(f"A question from {name}", name=name, email=email, thread_key=email)
        await web_hub.api(
            "POST",
            "/api/v1/tasks",
            {"title": title, "client_id": message["client_id"], "conversation_id": message["conversation_id"],
             "assignee_id": agent1.id},
        )  # fmt: skip
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("#my-tasks")
    tasks = page.locator("#tasks-list .task")
    await expect(tasks).to_have_count(2)
    for title, client in (("Send the invoice", "Olga Client"), ("Call back", "Ivan Client")):
        task = tasks.filter(has_text=title)
        await expect(task.locator(".task-client")).to_have_text(client)
    watch.assert_clean()
