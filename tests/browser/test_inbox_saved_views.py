"""Saved views in the inbox, in a real Chromium: an agent creates a view from the form (channel API, priority
normal), sees its count and only its conversations; a new matching message arrives and the count and the list
follow live; a conversation changed out of the view drops out; a tab click leaves the view. An admin's shared view
(share with everyone) reaches the agent live, counted through the agent's access."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")


def item(page, conversation_id: str):
    return page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]')


def view_row(page, name: str):
    return page.locator(".view-item", has=page.locator(".view-name", has_text=name))


async def test_a_view_made_in_the_form_lists_and_counts_live(web_hub, new_page, login, tmp_path):
    olga = await web_hub.push("Where is my order?")
    ivan = await web_hub.push("Low priority question", name="Ivan Customer", email="ivan@example.com")
    await web_hub.api("PATCH", f"/api/v1/conversations/{ivan['conversation_id']}", {"priority": "low"})

    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await expect(page.locator("#views-heading")).to_have_text("Views")
    await page.click("#views-new")
    dialog = page.locator("#view-dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Name").fill("API, normal")
    await dialog.locator("[data-filter=channel] input[value=api]").check()
    await dialog.locator("[data-filter=priority] input[value=normal]").check()
    await expect(dialog.locator("input[name=share]")).to_have_count(0)  # agents keep personal views only
    await page.screenshot(path=tmp_path / "view-form.png")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()

    row = view_row(page, "API, normal")
    await expect(row).to_have_class("view-item active")
    await expect(row.locator(".view-count")).to_have_text("1")
    await expect(item(page, olga["conversation_id"])).to_have_count(1)
    await expect(item(page, ivan["conversation_id"])).to_have_count(0)
    await expect(page.locator("#tabs .active")).to_have_count(0)

    # a new matching message: into the list and the count, without a reload
    petr = await web_hub.push("Hello from Petr", name="Petr Customer", email="petr@example.com")
    await expect(item(page, petr["conversation_id"])).to_have_count(1)
    await expect(row.locator(".view-count")).to_have_text("2")
    await page.screenshot(path=tmp_path / "view-live.png")
    # Olga's conversation becomes urgent: out of the view, and out of the count
    await web_hub.api("PATCH", f"/api/v1/conversations/{olga['conversation_id']}", {"priority": "urgent"})
    await expect(item(page, olga["conversation_id"])).to_have_count(0)
    await expect(row.locator(".view-count")).to_have_text("1")

    # a tab leaves the view; the view keeps its count
    await page.click("[data-tab=unassigned]")
    await expect(row).to_have_class("view-item")
    await expect(item(page, ivan["conversation_id"])).to_have_count(1)
    await expect(row.locator(".view-count")).to_have_text("1")
    # after a reload the view is still there (the server keeps it), and the page opens on the view shown last
    await view_row(page, "API, normal").locator(".view-select").click()
    await page.reload()
    await expect(view_row(page, "API, normal").locator(".view-count")).to_have_text("1")
    await expect(view_row(page, "API, normal")).to_have_class("view-item active")
    await expect(item(page, petr["conversation_id"])).to_have_count(1)
    await expect(item(page, ivan["conversation_id"])).to_have_count(0)

    # edited in the same form (it opens with the view's filters): any priority now, so Olga counts again
    await view_row(page, "API, normal").locator(".view-edit").click()
    await expect(dialog.locator("[data-filter=priority] input[value=normal]")).to_be_checked()
    await dialog.locator("[data-filter=priority] input[value=normal]").uncheck()
    await dialog.get_by_label("Name").fill("API, any priority")
    today = await page.evaluate("(() => { const d = new Date(); return d.toLocaleDateString('sv-SE'); })()")
    await dialog.locator("input[name=last_message_from]").fill(today)  # from today's start to tomorrow's
    await dialog.locator("input[name=last_message_to]").fill(today)
    await dialog.get_by_role("button", name="Save").click()
    edited = view_row(page, "API, any priority")
    await expect(edited.locator(".view-count")).to_have_text("3")
    saved = (await web_hub.api("GET", "/api/v1/views", as_user=("agent1@example.com", "agent-password")))[
        "items"
    ]
    assert set(saved[0]["filters"]) == {"channel", "last_message_from", "last_message_to"}
    await expect(item(page, olga["conversation_id"])).to_have_count(1)
    await expect(item(page, ivan["conversation_id"])).to_have_count(1)
    # and deleted: gone from the section, the list back on a tab
    await edited.locator(".view-edit").click()
    await dialog.get_by_role("button", name="Delete").click()
    await expect(page.locator(".view-item")).to_have_count(0)
    await expect(page.locator("#tabs .active")).to_have_count(1)
    watch.assert_clean()


async def test_an_admins_shared_view_arrives_live_and_counts_what_the_agent_may_see(web_hub, new_page, login):
    sales = next(d for d in await web_hub.hub.store.departments.list() if d.name == "Sales")
    support = (await web_hub.api("POST", "/api/v1/departments", {"name": "Support"}))["id"]
    ours = await web_hub.push("Sales question", name="Anna", email="anna@example.com")
    theirs = await web_hub.push("Support question", name="Boris", email="boris@example.com")
    for sent, department in ((ours, sales.id), (theirs, support)):
        await web_hub.api(
            "PATCH", f"/api/v1/conversations/{sent['conversation_id']}", {"department_id": department}
        )

    admin_page, admin_watch = await new_page()
    await login(admin_page, "admin@example.com", "admin-password")
    page, watch = await new_page(locale="ru-RU")
    await login(page, "agent1@example.com")

    await admin_page.click("#views-new")
    dialog = admin_page.locator("#view-dialog")
    await dialog.get_by_label("Name").fill("Everything open")
    await dialog.locator("[data-filter=status] input[value=open]").check()
    await dialog.locator("input[name=share]").check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(view_row(admin_page, "Everything open").locator(".view-count")).to_have_text("2")

    # the agent (Sales; the page in Russian) gets it live, counted through their access: Boris's is Support's
    shared = view_row(page, "Everything open")
    await expect(page.locator("#views-heading")).to_have_text("Представления")
    await expect(shared.locator(".view-count")).to_have_text("1")
    await expect(shared.locator(".view-edit")).to_have_count(0)  # not theirs to change
    await shared.locator(".view-select").click()
    await expect(item(page, ours["conversation_id"])).to_have_count(1)
    await expect(item(page, theirs["conversation_id"])).to_have_count(0)
    watch.assert_clean()
    admin_watch.assert_clean()
