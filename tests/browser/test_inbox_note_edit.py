"""Editing one's own note in the inbox: the author changes the text in place, a colleague with the conversation
open sees the new text live, the earlier text stays on the note's "edited" mark, and nobody gets an Edit button
on someone else's note."""

from __future__ import annotations

import pytest
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
