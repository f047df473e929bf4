"""Tasks in the inbox: an agent makes a task from a customer's message for a colleague; the colleague sees it live
in "My tasks", works its checklist and marks it done; the creator sees every step live on the client card and in
the timeline (in the reader's language). Two agents in two browser contexts, one Chromium."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from conftest import PageWatch
from playwright.async_api import expect

from hub.actions.tasks import create_task

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_task_from_a_message_reaches_the_assignee_live_and_its_completion_comes_back(
    web_hub, new_page, login, tmp_path
):
    message = await web_hub.push(
        "Please send the invoice again", name="Olga Client", email="olga@example.com"
    )
    conversation_id = message["conversation_id"]
    one, watch_one = await new_page()
    two, watch_two = await new_page()
    await login(one, "agent1@example.com")
    await login(two, "agent2@example.com")
    await expect(two.locator("#my-tasks-count")).to_be_hidden()

    # agent1 opens the conversation and makes a task from the customer's message, for agent2
    await one.click("[data-tab=unassigned]")
    await one.locator(f'.conv-item[data-conversation-id="{conversation_id}"]').click()
    entry = one.locator("#timeline .entry-in")
    await expect(entry).to_have_count(1)
    await expect(one.locator("#card-tasks")).to_contain_text("None")
    await entry.locator(".entry-task").click()
    dialog = one.locator("#task-dialog")
    await expect(dialog).to_be_visible()
    await expect(one.locator("#task-title")).to_have_value("Please send the invoice again")
    await one.select_option("#task-assignee", label="Agent Two")
    await one.select_option("#task-priority", "high")
    await one.fill("#task-due", "2031-05-04T10:30")
    await one.screenshot(path=tmp_path / "t1-task-dialog.png")
    await one.click("#task-submit")
    await expect(dialog).to_be_hidden()

    card_task = one.locator("#card-tasks .task")
    await expect(card_task).to_have_count(1)
    await expect(card_task.locator(".task-title")).to_have_text("Please send the invoice again")
    await expect(card_task).to_contain_text("Agent Two")
    await expect(card_task.locator(".priority")).to_have_text("High")
    await expect(one.locator("#timeline .entry-note .entry-text")).to_contain_text(
        "Agent One created task “Please send the invoice again” for Agent Two, due 4 May 2031, 10:30"
    )

    # agent2 sees it live in "My tasks", without a reload
    await expect(two.locator("#my-tasks-count")).to_have_text("1")
    await two.click("#my-tasks")
    task = two.locator("#tasks-list .task")
    await expect(task).to_have_count(1)
    await expect(task.locator(".task-title")).to_have_text("Please send the invoice again")
    await expect(task.locator(".task-status")).to_have_value("open")

    # agent2 adds a checklist item and ticks it; agent1's card follows
    await expect(task.locator(".task-client")).to_have_text("Olga Client")
    await task.locator(".task-check-input").fill("Find the invoice in the ERP")
    await task.locator(".task-check-add button").click()
    await expect(card_task.locator(".task-checklist li")).to_have_text("Find the invoice in the ERP")
    await task.locator(".task-checklist input[type=checkbox]").check()
    await expect(card_task.locator(".task-checklist li.done")).to_have_count(1)
    await expect(card_task.locator(".task-checklist input[type=checkbox]")).to_be_checked()

    # agent2 marks it done: agent1 sees it done on the card and in the timeline
    await two.locator("#tasks-list .task .task-status").select_option("done")
    await expect(two.locator("#tasks-list .task")).to_have_attribute("data-status", "done")
    await expect(two.locator("#my-tasks-count")).to_be_hidden()
    await expect(card_task).to_have_attribute("data-status", "done")
    await expect(card_task.locator(".task-status")).to_have_value("done")
    done_entry = one.locator("#timeline .entry-note .entry-text").last
    await expect(done_entry).to_have_text("Agent Two marked task “Please send the invoice again” done")
    await two.screenshot(path=tmp_path / "t2-my-tasks-done.png")

    # the task entries are codes: agent1 switching to Russian reads them in Russian
    await one.select_option("select[data-lang-switch]", "ru")
    await expect(done_entry).to_have_text("Agent Two выполнил(а) задачу «Please send the invoice again»")
    await expect(card_task.locator(".task-status")).to_contain_text("Выполнена")
    await one.screenshot(path=tmp_path / "t3-ru.png")

    # a reload shows the server's state: the done task is no longer among the open ones
    await one.reload()
    await one.wait_for_selector("#conn-status[data-state=live]")
    await expect(one.locator("#timeline .entry-in")).to_have_count(1)
    await expect(one.locator("#card-tasks .task")).to_have_count(0)

    watch_one.assert_clean()
    watch_two.assert_clean()


async def test_an_unassigned_department_task_shows_in_the_departments_my_tasks(web_hub, new_page, login):
    message = await web_hub.push(
        "Can I change my delivery address?", name="Petr Client", email="petr@example.com"
    )
    one, watch_one = await new_page()
    two, watch_two = await new_page()
    await login(one, "agent1@example.com")
    await login(two, "agent2@example.com")

    # agent1 makes a task on the conversation (header button) for the Sales department, nobody in particular
    await one.click("[data-tab=unassigned]")
    await one.locator(f'.conv-item[data-conversation-id="{message["conversation_id"]}"]').click()
    await expect(one.locator("#timeline .entry-in")).to_have_count(1)
    await one.click("#act-task")
    await expect(one.locator("#task-title")).to_have_value("Follow up with Petr Client")
    await one.select_option("#task-assignee", "")
    await one.select_option("#task-department", label="Sales")
    await one.click("#task-submit")
    await expect(one.locator("#card-tasks .task")).to_contain_text("Sales")

    # agent2 (in Sales) has it among "My tasks" live; takes it in progress, agent1 sees that
    await expect(two.locator("#my-tasks-count")).to_have_text("1")
    await two.click("#my-tasks")
    task = two.locator("#tasks-list .task")
    await expect(task.locator(".task-title")).to_have_text("Follow up with Petr Client")
    await task.locator(".task-status").select_option("in_progress")
    await expect(one.locator("#card-tasks .task")).to_have_attribute("data-status", "in_progress")
    await expect(one.locator("#timeline .entry-note .entry-text", has_text="started")).to_have_text(
        "Agent Two started task “Follow up with Petr Client”"
    )
    # the panel's link opens the task's conversation
    await task.locator(".task-open").click()
    await expect(two.locator("#tasks-panel")).to_be_hidden()
    await expect(two.locator("#conv-title")).to_have_text("Petr Client")
    watch_one.assert_clean()
    watch_two.assert_clean()


async def test_a_task_the_system_made_reads_as_such_with_its_due_time_in_the_readers_zone(
    browser, web_hub, login
):
    """A task nobody in particular made (a rule, a bot, a missed call) is "created automatically", not "Система
    создал(а)", and its due time is the reader's local time (Moscow here), not UTC."""
    message = await web_hub.push("Перезвоните мне, пожалуйста", name="Olga Client", email="olga@example.com")
    sales = next(d for d in await web_hub.hub.store.departments.list() if d.name == "Sales")
    await create_task(
        web_hub.hub, None, title="Перезвонить", client_id=message["client_id"],
        conversation_id=message["conversation_id"], department_id=sales.id,
        due_at=datetime(2031, 5, 4, 7, 30, tzinfo=UTC),
    )  # fmt: skip
    context = await browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        page = await context.new_page()
        page.set_default_timeout(10_000)
        watch = PageWatch()
        watch.attach(page)
        await login(page, "agent1@example.com")
        await page.locator(f'.conv-item[data-conversation-id="{message["conversation_id"]}"]').click()
        note = page.locator("#timeline .entry-note .entry-text")
        await expect(note).to_have_text(
            re.compile(
                r"^Задача «Перезвонить» создана автоматически для Sales, срок 4 мая 2031( г\.)?,? 10:30$"
            )
        )
        await page.select_option("select[data-lang-switch]", "en")
        await expect(note).to_have_text(
            "Task “Перезвонить” created automatically for Sales, due 4 May 2031, 10:30"
        )
        watch.assert_clean()
    finally:
        await context.close()


async def test_a_half_typed_checklist_item_survives_a_colleagues_change_to_the_task(web_hub, new_page, login):
    """The panel draws a task again on every change pushed to it (a colleague's edit here): what the agent is
    typing into its checklist's field stays there, focused, the keystrokes go on, and Enter adds the item."""
    message = await web_hub.push("Where is my parcel?", name="Ivan Client", email="ivan@example.com")
    agent2 = await web_hub.hub.store.users.get_by_email("agent2@example.com")
    task = await create_task(
        web_hub.hub, None, title="Track the parcel", client_id=message["client_id"],
        conversation_id=message["conversation_id"], assignee_id=agent2.id,
    )  # fmt: skip
    two, watch = await new_page()
    await login(two, "agent2@example.com")
    await two.click("#my-tasks")
    item = two.locator("#tasks-list .task")
    await expect(item.locator(".task-client")).to_have_text("Ivan Client")
    field = item.locator(".task-check-input")
    await field.click()
    await field.press_sequentially("Call the cour")

    # the admin raises the priority meanwhile: the pushed change draws the task again
    await web_hub.api("PATCH", f"/api/v1/tasks/{task.id}", {"priority": "urgent"})
    await expect(item.locator(".priority")).to_have_text("Urgent")
    await expect(field).to_have_value("Call the cour")
    await expect(field).to_be_focused()
    await field.press_sequentially("ier")
    await expect(field).to_have_value("Call the courier")

    await field.press("Enter")
    await expect(item.locator(".task-checklist li")).to_have_text("Call the courier")
    await expect(field).to_have_value("")
    await expect(field).to_be_focused()  # ready for the next item
    watch.assert_clean()


async def test_a_half_typed_checklist_item_on_the_card_survives_the_customers_next_message(
    web_hub, new_page, login
):
    """The client card is drawn again when the customer writes (their conversation changes): the agent's
    half-typed checklist item on the card, the focus and the caret stay."""
    message = await web_hub.push("My order is late", name="Nina Client", email="nina@example.com")
    conversation_id = message["conversation_id"]
    agent1 = await web_hub.hub.store.users.get_by_email("agent1@example.com")
    await create_task(
        web_hub.hub, None, title="Chase the order", client_id=message["client_id"],
        conversation_id=conversation_id, assignee_id=agent1.id,
    )  # fmt: skip
    one, watch = await new_page()
    await login(one, "agent1@example.com")
    await one.click("[data-tab=unassigned]")
    await one.locator(f'.conv-item[data-conversation-id="{conversation_id}"]').click()
    await expect(one.locator("#timeline .entry-in")).to_have_count(1)
    status = await web_hub.resolve_on_card(one, conversation_id)
    field = one.locator("#card-tasks .task-check-input")
    await field.click()
    await field.press_sequentially("Ask the wareho")

    # the customer writes again: their conversation reopens, and the card is drawn again with it
    await web_hub.push("Any news?", name="Nina Client", email="nina@example.com")
    await expect(one.locator("#timeline .entry-in")).to_have_count(2)
    await expect(status).to_have_text("Open")
    await expect(field).to_have_value("Ask the wareho")
    await expect(field).to_be_focused()
    await field.press_sequentially("use")
    await field.press("Enter")
    await expect(one.locator("#card-tasks .task-checklist li")).to_have_text("Ask the warehouse")
    watch.assert_clean()
