"""The portal's task list in Chromium (Russian interface): a partner sees the tasks assigned to their organisation
on the clients granted to it, moves one to "done" with the status menu (the hub records it), and a task staff assign
to the organisation meanwhile appears live; another organisation's task never shows."""

from __future__ import annotations

import pytest

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEALER = ("tasks-dealer@example.com", "dealer-password")


async def test_a_partner_moves_a_task_to_done_and_sees_a_new_one_arrive(browser, web_hub):
    hub = web_hub.hub
    north = await partner_actions.create_partner(hub, SYSTEM, name="Dealer North")
    south = await partner_actions.create_partner(hub, SYSTEM, name="Dealer South")
    await staff.create_user(
        hub, email=DEALER[0], name="Dana Dealer", role=Role.partner, password=DEALER[1], partner_id=north.id
    )
    shared = await web_hub.push("Need a delivery", name="Shared Customer", email="shared@example.com")
    await web_hub.api("POST", f"/api/v1/partners/{north.id}/grants", {"client_id": shared["client_id"]})
    first = await web_hub.api(
        "POST",
        "/api/v1/tasks",
        {"title": "Deliver 3 units", "client_id": shared["client_id"], "partner_id": north.id},
    )
    await web_hub.api(
        "POST",
        "/api/v1/tasks",
        {"title": "South's own job", "client_id": shared["client_id"], "partner_id": south.id},
    )

    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    try:
        page = await context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        await page.goto(f"{web_hub.url}/login")
        await page.fill("#login-email", DEALER[0])
        await page.fill("#login-password", DEALER[1])
        await page.click("#login-submit")
        await page.wait_for_url(f"{web_hub.url}/portal")
        await page.wait_for_selector("#conn-status[data-state=live]")

        task = page.locator(f"#portal-tasks li[data-task-id='{first['id']}']")
        await task.wait_for()
        assert await page.locator("#portal-tasks-heading").inner_text() == "Ваши задачи"
        assert "Клиент: Shared Customer" in await task.inner_text()
        assert await page.locator("#portal-tasks li").count() == 1  # South's task is not North's
        assert "South's own job" not in await page.locator("#portal-tasks").inner_text()

        await task.locator("select").select_option("done")
        await page.wait_for_selector(f"#portal-tasks li[data-task-id='{first['id']}'][data-status=done]")
        stored = await web_hub.api("GET", f"/api/v1/tasks/{first['id']}")
        assert stored["status"] == "done" and stored["done_at"]
        options = await task.locator("option").all_inner_texts()
        assert options == ["Открыта", "В работе", "Выполнена"]  # a partner may set these three only

        # staff assign another one: it appears without a reload
        await web_hub.api(
            "POST",
            "/api/v1/tasks",
            {"title": "Call the customer", "client_id": shared["client_id"], "partner_id": north.id},
        )
        await page.wait_for_selector("#portal-tasks >> text=Call the customer")
        assert await page.locator("#portal-tasks li").count() == 2
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert not errors, errors
    finally:
        await context.close()
