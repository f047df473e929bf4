"""The inbox by keyboard alone: j/k and the arrows move through the list, Enter opens a conversation with the cursor
in the composer, r / n pick reply or note, a assigns to me, e resolves, / goes to search, ? shows the shortcuts in
English and Russian; letters typed into a field are text, never shortcuts."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")
SHOTS = Path(__file__).resolve().parent / "screenshots"  # ignored by git


def row(page, conversation_id: str):
    return page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]')


async def test_the_keyboard_path_through_the_inbox(web_hub, new_page, login):
    older = await web_hub.push("Where is my order?", name="Olga Customer", email="olga@example.com")
    newer = await web_hub.push("Do you deliver on Sundays?", name="Ivan Buyer", email="ivan@example.com")
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await expect(page.locator(".conv-item")).to_have_count(2)
    keyboard = page.keyboard

    # ? shows the shortcuts; Esc closes them
    await keyboard.press("?")
    dialog = page.locator("#keys-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("h2")).to_have_text("Keyboard shortcuts")
    await expect(dialog).to_contain_text("Assign to me")
    await keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # j / k and the arrows move through the list (newest first), nothing opens yet
    await keyboard.press("j")
    await expect(row(page, newer["conversation_id"])).to_be_focused()
    await keyboard.press("j")
    await expect(row(page, older["conversation_id"])).to_be_focused()
    await keyboard.press("j")  # the last row stays
    await expect(row(page, older["conversation_id"])).to_be_focused()
    await keyboard.press("ArrowUp")
    await expect(row(page, newer["conversation_id"])).to_be_focused()
    await keyboard.press("ArrowDown")
    await expect(row(page, older["conversation_id"])).to_be_focused()
    await keyboard.press("k")
    await expect(row(page, newer["conversation_id"])).to_be_focused()
    await expect(page.locator("#conv")).to_be_hidden()

    # Enter opens it and puts the cursor in the composer; letters typed there are text, not shortcuts
    await keyboard.press("Enter")
    await expect(page.locator("#conv-title")).to_have_text("Ivan Buyer")
    text = page.locator("#composer-text")
    await expect(text).to_be_focused()
    await keyboard.type("Yes, we deliver every day: see you on Sunday")
    await expect(text).to_have_value("Yes, we deliver every day: see you on Sunday")
    await expect(page.locator("#keys-dialog")).to_be_hidden()
    await keyboard.press("Control+Enter")
    await expect(page.locator("#timeline .entry-out .entry-text")).to_have_text(
        "Yes, we deliver every day: see you on Sunday"
    )
    conversation = await web_hub.api("GET", f"/api/v1/conversations/{newer['conversation_id']}")
    assert conversation["status"] == "open" and conversation["assignee_id"] is None  # no 'e' or 'a' fired

    # Esc leaves the box; n writes a note, r goes back to replying
    await keyboard.press("Escape")
    await expect(text).not_to_be_focused()
    await keyboard.press("n")
    await expect(page.locator("#composer")).to_have_attribute("data-mode", "note")
    await expect(text).to_be_focused()
    await expect(text).to_have_value("")  # the n was a shortcut, not a letter
    await keyboard.type("Asked about Sunday delivery")
    await keyboard.press("Control+Enter")
    await expect(page.locator("#timeline .entry-note .entry-text")).to_have_text(
        "Asked about Sunday delivery"
    )
    await keyboard.press("Escape")
    await keyboard.press("r")
    await expect(page.locator("#composer")).to_have_attribute("data-mode", "reply")
    await keyboard.press("Escape")

    # a assigns the open conversation to me, e resolves it
    await keyboard.press("a")
    me = (await web_hub.api("GET", "/api/v1/me", as_user=("agent1@example.com", "agent-password")))["user"]

    async def assignee() -> str | None:
        return (await web_hub.api("GET", f"/api/v1/conversations/{newer['conversation_id']}"))["assignee_id"]

    await expect(page.locator("#act-assign-me")).to_be_hidden()
    assert await assignee() == me["id"]
    # the push of the change can come before the PATCH's answer: the buttons are pressable again once it is in
    await expect(page.locator("#act-resolve")).to_be_enabled()
    await keyboard.press("e")
    await expect(page.locator("#act-reopen")).to_be_visible()
    resolved = await web_hub.api("GET", f"/api/v1/conversations/{newer['conversation_id']}")
    assert resolved["status"] == "resolved"

    # / goes to the search box when the page has one (and the slash is not typed into it)
    search = page.locator("#search-input")
    if await search.count():
        await keyboard.press("/")
        await expect(search).to_be_focused()
        await expect(search).to_have_value("")
        await keyboard.type("k")
        await expect(search).to_have_value("k")  # typing in the search box is text too
        await keyboard.press("Escape")
        await page.locator("#conv-title").click()

    # the shortcuts in Russian
    await page.select_option("select[data-lang-switch]", "ru")
    await page.locator("#conv-title").click()
    await keyboard.press("?")
    await expect(dialog.locator("h2")).to_have_text("Клавиши")
    await expect(dialog).to_contain_text("Взять себе")
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=SHOTS / "keyboard-help-ru.png")
    await dialog.locator("#keys-close").click()
    await expect(dialog).to_be_hidden()
    watch.assert_clean()
