"""Scenario B: an internal note with @agent2 lights agent2's bell live; opening it shows the note. Two agents in
two browser contexts (separate cookies), one Chromium."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_scenario_b_a_mention_lights_the_bell_and_opens_the_note(web_hub, new_page, login, tmp_path):
    message = await web_hub.push("My parcel arrived damaged", name="Pavel Client", email="pavel@example.com")
    conversation_id = message["conversation_id"]
    one, watch_one = await new_page()
    two, watch_two = await new_page()
    await login(one, "agent1@example.com")
    await login(two, "agent2@example.com")
    await expect(two.locator("#bell-count")).to_be_hidden()

    # agent1 opens the conversation and writes a note, picking @agent2 from the autocomplete
    await one.click("[data-tab=unassigned]")
    await one.locator(f'.conv-item[data-conversation-id="{conversation_id}"]').click()
    await expect(one.locator("#timeline .entry")).to_have_count(1)
    await one.click("#composer [data-mode=note]")
    await one.locator("#composer-text").press_sequentially("@agent")
    menu = one.locator("#mention-menu")
    await expect(menu).to_be_visible()
    # agent1 is not offered to themself; departments are offered by their handle
    await expect(menu.locator("li[data-kind=user]")).to_have_count(1)
    await expect(menu.locator("li[data-kind=user]")).to_contain_text("Agent Two")
    await one.locator("#composer-text").press("Backspace")
    await one.locator("#composer-text").press_sequentially("t2")
    await expect(menu.locator("li")).to_have_count(1)
    await one.locator("#composer-text").fill("")
    await one.locator("#composer-text").press_sequentially("@sa")
    await expect(menu.locator("li[data-kind=department]")).to_have_attribute("data-handle", "sales")
    await one.locator("#composer-text").fill("")
    await one.locator("#composer-text").press_sequentially("@agen")
    await one.screenshot(path=tmp_path / "b1-mention-menu.png")
    await one.locator("#composer-text").press("Enter")  # picks the highlighted (only) candidate
    await expect(one.locator("#composer-text")).to_have_value("@agent2 ")
    await expect(menu).to_be_hidden()
    await one.locator("#composer-text").press_sequentially("could you check the courier's photos?")
    await one.click("#composer-send")
    note_text = "@agent2 could you check the courier's photos?"
    note = one.locator("#timeline .entry-note")
    await expect(note.locator(".entry-text")).to_have_text(note_text)
    await expect(note.locator(".mention")).to_have_text("@agent2")

    # agent2's bell lights up live with one notification; agent1's stays dark
    await expect(two.locator("#bell-count")).to_have_text("1")
    await expect(two.locator("#bell")).to_have_class("bell lit")
    await expect(one.locator("#bell-count")).to_be_hidden()
    await two.click("#bell")
    notification = two.locator("#bell-list li").first
    await expect(notification).to_contain_text("Agent One mentioned you")
    await expect(notification).to_contain_text("could you check the courier's photos?")
    await two.screenshot(path=tmp_path / "b2-bell.png")

    # clicking it opens the conversation at the note, and the count goes down
    await notification.locator("button").click()
    await expect(two.locator("#bell-count")).to_be_hidden()
    await expect(two.locator("#conv-title")).to_have_text("Pavel Client")
    note_two = two.locator("#timeline .entry-note")
    await expect(note_two.locator(".entry-text")).to_have_text(note_text)
    await expect(note_two.locator(".entry-author")).to_have_text("Agent One")
    await expect(two.locator("#timeline .entry-in .entry-text")).to_have_text("My parcel arrived damaged")
    await two.screenshot(path=tmp_path / "b3-note-opened.png")

    # the read state is the server's: after a reload the notification is listed, read, and the bell stays dark
    await two.reload()
    await two.wait_for_selector("#conn-status[data-state=live]")
    await expect(two.locator("#bell-list li")).to_have_count(1)  # the list came from the server ...
    await expect(two.locator("#bell-list li.unread")).to_have_count(0)  # ... read
    await expect(two.locator("#bell-count")).to_be_hidden()

    # with both in the conversation, agent1 typing a reply shows on agent2's screen
    await one.click("#composer [data-mode=reply]")
    await one.locator("#composer-text").press_sequentially("We are sorry")
    await expect(two.locator("#typing")).to_have_text("Agent One is typing…")

    watch_one.assert_clean()
    watch_two.assert_clean()


async def test_a_mention_made_while_away_lights_the_bell_on_return(web_hub, new_page, login, tmp_path):
    message = await web_hub.push("Where is the invoice?", name="Irina Client", email="irina@example.com")
    two, watch = await new_page()
    await login(two, "agent2@example.com")  # this browser has been here before
    await expect(two.locator("#bell-count")).to_be_hidden()
    await two.goto("about:blank")  # agent2 leaves; the browser keeps its storage

    await web_hub.api("POST", f"/api/v1/conversations/{message['conversation_id']}/notes",
                      {"text": "@agent2 the client needs the invoice today"},
                      as_user=("agent1@example.com", "agent-password"))  # fmt: skip

    await two.goto(f"{web_hub.url}/inbox")
    await expect(two.locator("#bell-count")).to_have_text("1")
    await two.click("#bell")
    await expect(two.locator("#bell-list li").first).to_contain_text("the client needs the invoice today")
    await two.screenshot(path=tmp_path / "bell-after-return.png")
    watch.assert_clean()
