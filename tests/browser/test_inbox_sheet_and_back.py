"""Between a phone and a desktop (1000x800) the client card has no column: a "Client card" toggle in the
conversation's header opens it as a side sheet (closed by the toggle, its × or Escape), with no sideways scroll.
On a phone (390x844) the browser's back (the phone's back gesture) goes back a level: card -> conversation -> list.

Screenshots: tests/browser/screenshots/mid-width-*.png (ignored by git)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from test_inbox_small_screen import PHONE, SHOTS, inside_viewport, no_horizontal_scroll, open_page

pytestmark = pytest.mark.asyncio(loop_scope="module")

MID = {"width": 1000, "height": 800}


async def test_the_card_opens_as_a_side_sheet_at_mid_width(browser, web_hub, login):
    SHOTS.mkdir(exist_ok=True)
    pushed = await web_hub.push("A question asked on a small laptop")
    context, page, watch = await open_page(browser, MID)
    try:
        await login(page, "agent1@example.com")
        await page.locator(f'.conv-item[data-conversation-id="{pushed["conversation_id"]}"]').click()
        await expect(page.locator("#conv-title")).to_have_text("Olga Customer")
        card, toggle = page.locator("#client-card"), page.locator("#card-toggle")
        await expect(card).to_be_hidden()  # no room for its column
        await expect(page.locator("#view-bar")).to_be_hidden()  # not the phone layout
        await expect(toggle).to_be_visible()
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await no_horizontal_scroll(page)

        await toggle.click()
        await expect(card).to_be_visible()
        await expect(card).to_contain_text("olga@example.com")
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        await inside_viewport(page, card)
        await inside_viewport(page, page.locator("#card-sheet-close"))
        await no_horizontal_scroll(page)
        await page.screenshot(path=SHOTS / "mid-width-card-sheet.png")

        await page.keyboard.press("Escape")
        await expect(card).to_be_hidden()
        await expect(toggle).to_be_focused()
        await toggle.click()
        await expect(card).to_be_visible()
        await page.locator("#card-sheet-close").click()
        await expect(card).to_be_hidden()
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        # the conversation is still there to work on
        await expect(page.locator("#composer-send")).to_be_visible()
        watch.assert_clean()
    finally:
        await context.close()


async def test_no_toggle_where_the_card_has_its_column_or_its_own_view(browser, web_hub, login):
    pushed = await web_hub.push("Another question")
    for viewport in ({"width": 1440, "height": 900}, PHONE):
        context, page, watch = await open_page(browser, viewport)
        try:
            await login(page, "agent1@example.com")
            await page.locator(f'.conv-item[data-conversation-id="{pushed["conversation_id"]}"]').click()
            await expect(page.locator("#conv-title")).to_have_text("Olga Customer")
            await expect(page.locator("#card-toggle")).to_be_hidden()
            watch.assert_clean()
        finally:
            await context.close()


async def test_the_phones_back_gesture_goes_back_a_level(browser, web_hub, login):
    pushed = await web_hub.push("A question from a phone")
    context, page, watch = await open_page(browser, PHONE, has_touch=True, is_mobile=True)
    try:
        await login(page, "agent1@example.com")
        row = page.locator(f'.conv-item[data-conversation-id="{pushed["conversation_id"]}"]')
        main, card, listing = (
            page.locator(".col-main"),
            page.locator("#client-card"),
            page.locator(".col-list"),
        )

        await row.tap()
        await expect(main).to_be_visible()
        await expect(listing).to_be_hidden()
        await page.go_back()
        await expect(listing).to_be_visible()
        await expect(main).to_be_hidden()
        await expect(row).to_be_focused()
        assert page.url.startswith(f"{web_hub.url}/inbox")  # still in the inbox, not back on the login page

        # list -> conversation -> card, then back twice by the browser
        await row.tap()
        await expect(main).to_be_visible()
        await page.locator("#view-card").tap()
        await expect(card).to_be_visible()
        await expect(main).to_be_hidden()
        await page.go_back()
        await expect(main).to_be_visible()
        await expect(card).to_be_hidden()
        await page.go_back()
        await expect(listing).to_be_visible()
        await expect(main).to_be_hidden()
        await no_horizontal_scroll(page)

        # the bar's back and the browser's back share the same history: forward returns to the conversation
        await row.tap()
        await expect(main).to_be_visible()
        await page.locator("#view-back").tap()
        await expect(listing).to_be_visible()
        await page.go_forward()
        await expect(main).to_be_visible()
        watch.assert_clean()
    finally:
        await context.close()
