"""Editing one's own note in the inbox: the author changes the text in place, a colleague with the conversation
open sees the new text live, the earlier text stays on the note's "edited" mark, and nobody gets an Edit button
on someone else's note. A note being edited keeps what is typed in it when the note is drawn again (a change to it
pushed from elsewhere, a language switch)."""

from __future__ import annotations

import pytest
from conftest import AGENT_PASSWORD
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_agent_edits_their_note_and_a_colleague_sees_it_live(web_hub, new_page, login):
    message = await web_hub.push("The invoice is wrong", name="Irina Client", email="irina@example.com")
    conversation_id = message["conversation_id"]
    one, _ = await new_page()
    two, _ = await new_page()
    await login(one, "agent1@example.com")
    await login(two, "agent2@example.com")
    for page in (one, two):
        await page.click("[data-tab=unassigned]")
        await page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]').click()
        await expect(page.locator("#timeline .entry")).to_have_count(1)

    await one.click("#composer [data-mode=note]")
    await one.locator("#composer-text").fill("the total is 1200")
    await one.click("#composer-send")
    mine = one.locator("#timeline .entry-note")
    await expect(mine.locator(".entry-text")).to_have_text("the total is 1200")
    theirs = two.locator("#timeline .entry-note")
    await expect(theirs.locator(".entry-text")).to_have_text("the total is 1200")
    await expect(theirs.locator(".entry-edit")).to_have_count(0)  # not agent2's note

    await mine.locator(".entry-edit").click()
    box = mine.locator("textarea.note-edit-text")
    await expect(box).to_have_value("the total is 1200")
    await box.fill("the total is 1250 with delivery")
    await mine.locator(".note-edit button[type=submit]").click()
    await expect(mine.locator(".entry-text")).to_have_text("the total is 1250 with delivery")
    await expect(mine.locator(".entry-edited")).to_be_visible()
    assert "the total is 1200" in await mine.locator(".entry-edited").get_attribute("title")
    # live on the colleague's screen, without a reload
    await expect(theirs.locator(".entry-text")).to_have_text("the total is 1250 with delivery")
    await expect(theirs.locator(".entry-edited")).to_be_visible()


async def test_a_note_being_edited_keeps_its_text_through_a_push_and_a_language_switch(
    web_hub, new_page, login
):
    message = await web_hub.push("Where is my parcel?", name="Pavel Client", email="pavel@example.com")
    conversation_id = message["conversation_id"]
    page, _ = await new_page()
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]').click()
    await page.click("#composer [data-mode=note]")
    await page.locator("#composer-text").fill("call the courier")
    await page.click("#composer-send")
    mine = page.locator("#timeline .entry-note")
    await expect(mine.locator(".entry-text")).to_have_text("call the courier")
    entry_id = await mine.get_attribute("data-entry-id")

    await mine.locator(".entry-edit").click()
    box = mine.locator("textarea.note-edit-text")
    await box.fill("call the courier before 5 pm")
    # the author changes it in another tab meanwhile: pushed here as timeline:updated, the note drawn again
    await web_hub.api(
        "PATCH", f"/api/v1/entries/{entry_id}", {"text": "call the courier today"},
        as_user=("agent1@example.com", AGENT_PASSWORD),
    )  # fmt: skip
    await expect(mine.locator(".entry-edited")).to_be_visible()  # the redraw happened
    await expect(box).to_have_value("call the courier before 5 pm")
    await expect(box).to_be_focused()

    await page.select_option("select[data-lang-switch]", "ru")
    await expect(mine.locator(".note-edit button[type=submit]")).to_have_text(
        "Сохранить"
    )  # drawn again, in Russian
    await expect(box).to_have_value("call the courier before 5 pm")

    await mine.locator(".note-edit button[type=submit]").click()
    await expect(mine.locator(".entry-text")).to_have_text("call the courier before 5 pm")
    await expect(box).to_have_count(0)
    history = await mine.locator(".entry-edited").get_attribute("title")
    assert "call the courier today" in history  # the text it replaced: the other tab's
