"""The inbox on a phone (390x844) and on a desktop (1440x900), and the web-chat widget at both sizes: no horizontal
scroll, every control on the screen, a reply sent from the phone layout; list -> conversation -> card and back. On
the phone the conversation's actions are one row with "More" for the rest, so the timeline has at least 45% of the
screen, and coming back from the card does not put the focus (the phone's keyboard) in the composer.

Screenshots: tests/browser/screenshots/small-screen-*.png (ignored by git)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS, PageWatch  # noqa: F401  (the same launch as every browser test)
from playwright.async_api import expect

pytestmark = pytest.mark.asyncio(loop_scope="module")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SHOTS = Path(__file__).resolve().parent / "screenshots"


async def open_page(browser, viewport, **options):
    context = await browser.new_context(viewport=viewport, locale="en-US", **options)
    page = await context.new_page()
    page.set_default_timeout(10_000)
    watch = PageWatch()
    watch.attach(page)
    return context, page, watch


WIDER = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5)
  .slice(0, 8).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)"""


async def no_horizontal_scroll(page) -> None:
    widths = await page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        wider = await page.evaluate(WIDER)
        raise AssertionError(
            f"the page scrolls sideways: scrollWidth {widths[0]} > innerWidth {widths[1]}: {wider}"
        )


async def inside_viewport(page, locator) -> None:
    """Every visible element of the locator lies wholly inside the window (reachable without scrolling sideways)."""
    viewport = page.viewport_size
    count = await locator.count()
    assert count > 0
    for i in range(count):
        one = locator.nth(i)
        if not await one.is_visible():
            continue
        box = await one.bounding_box()
        assert box is not None
        what = await one.evaluate("e => e.id || e.textContent.trim().slice(0, 30)")
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, (what, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5, (what, box)


async def test_phone_layout_list_conversation_card_and_a_reply(browser, web_hub, login):
    SHOTS.mkdir(exist_ok=True)
    pushed = await web_hub.push(
        "Hello! A long question from a phone: is the blue corner sofa with the washable covers in stock in Kazan?",
        name="Olga Customer-With-A-Rather-Long-Double-Barrelled-Name",
    )
    context, page, watch = await open_page(browser, PHONE, has_touch=True, is_mobile=True)
    try:
        await login(page, "agent1@example.com")
        row = page.locator(f'.conv-item[data-conversation-id="{pushed["conversation_id"]}"]')
        await expect(row).to_be_visible()
        # the list alone: no conversation pane, no card, no bar
        await expect(page.locator(".col-main")).to_be_hidden()
        await expect(page.locator("#client-card")).to_be_hidden()
        await expect(page.locator("#view-bar")).to_be_hidden()
        await no_horizontal_scroll(page)
        await inside_viewport(
            page, page.locator(".topbar button, .topbar select, #tabs [data-tab], #status-filter")
        )
        await page.screenshot(path=SHOTS / "small-screen-1-list.png")

        # the bell's menu opens on the screen, not half off it
        await page.click("#bell")
        await inside_viewport(page, page.locator("#bell-menu"))
        await page.click("#bell")

        await row.tap()
        await expect(page.locator("#conv-title")).to_contain_text("Olga Customer")
        await expect(page.locator(".col-list")).to_be_hidden()
        await expect(page.locator("#view-back")).to_be_visible()
        await no_horizontal_scroll(page)
        # Send and every control of the conversation are on the screen
        controls = (
            "#conv-actions button, #conv-actions select, #composer button, #composer-text, #view-bar button"
        )
        await inside_viewport(page, page.locator(controls))
        # the actions are one row, "Internal note" one line: the timeline has most of the screen
        await expect(page.locator("#act-more")).to_have_attribute("aria-expanded", "false")
        await expect(page.locator("#act-assignee")).to_be_hidden()
        rows = await page.evaluate(
            """() => new Set([...document.querySelectorAll("#conv-actions > *")]
                .filter((e) => e.getClientRects().length).map((e) => Math.round(e.getBoundingClientRect().top))).size"""
        )
        assert rows == 1, f"the conversation's actions take {rows} rows"
        modes = [
            await page.locator(f".composer-modes [data-mode={m}]").bounding_box() for m in ("reply", "note")
        ]
        assert modes[1]["height"] <= modes[0]["height"] + 1, "'Internal note' wraps"
        timeline = await page.locator("#timeline-scroll").bounding_box()
        assert timeline["height"] >= 0.45 * PHONE["height"], f"the timeline is {timeline['height']} px of 844"
        await page.screenshot(path=SHOTS / "small-screen-2-conversation.png")
        # "More" shows the other actions, each on the screen and named
        await page.locator("#act-more").tap()
        await expect(page.locator("#act-more")).to_have_attribute("aria-expanded", "true")
        for control in ("#act-assignee", "#act-department", "#act-task", "#act-snooze", "#act-pending"):
            await expect(page.locator(control)).to_be_visible()
            await expect(page.locator(control)).to_have_accessible_name(re.compile(r"\S"))
        await expect(page.locator("#act-more")).to_have_accessible_name(re.compile("^More actions"))
        await inside_viewport(page, page.locator(controls))
        await no_horizontal_scroll(page)
        await page.screenshot(path=SHOTS / "small-screen-2b-more.png")
        await page.locator("#act-more").tap()
        await expect(page.locator("#act-assignee")).to_be_hidden()

        await page.locator("#composer-text").fill("Yes, it is in stock in Kazan. Shall I reserve one?")
        await page.locator("#composer-send").tap()
        await expect(page.locator("#timeline .entry-out .entry-text")).to_have_text(
            "Yes, it is in stock in Kazan. Shall I reserve one?"
        )
        await expect(page.locator("#composer-text")).to_have_value("")
        timeline = await web_hub.api("GET", f"/api/v1/conversations/{pushed['conversation_id']}/timeline")
        assert "Yes, it is in stock in Kazan. Shall I reserve one?" in [
            e.get("text") for e in timeline["items"]
        ]
        await no_horizontal_scroll(page)

        await page.locator("#view-card").tap()
        await expect(page.locator("#client-card")).to_be_visible()
        await expect(page.locator("#client-card")).to_contain_text("Olga Customer")
        await expect(page.locator(".col-main")).to_be_hidden()
        await expect(page.locator("#view-back")).to_have_text("← Conversation")
        await no_horizontal_scroll(page)
        await page.screenshot(path=SHOTS / "small-screen-3-card.png")

        await page.locator("#view-back").tap()
        await expect(page.locator("#composer-send")).to_be_visible()
        # back on the conversation, the focus is on the card's button, not in the composer (no phone keyboard)
        await expect(page.locator("#view-card")).to_be_focused()
        await expect(page.locator("#composer-text")).not_to_be_focused()
        await page.locator("#view-back").tap()
        await expect(row).to_be_visible()
        await expect(row).to_be_focused()
        await expect(page.locator(".col-main")).to_be_hidden()
        watch.assert_clean()
    finally:
        await context.close()


async def test_desktop_layout_keeps_its_three_columns(browser, web_hub, login):
    SHOTS.mkdir(exist_ok=True)
    pushed = await web_hub.push("A question from a desktop customer")
    context, page, watch = await open_page(browser, DESKTOP)
    try:
        await login(page, "agent1@example.com")
        await page.locator(f'.conv-item[data-conversation-id="{pushed["conversation_id"]}"]').click()
        await expect(page.locator("#conv-title")).to_have_text("Olga Customer")
        await expect(page.locator("#client-card")).to_contain_text("olga@example.com")
        # list, conversation and card side by side, no phone bar
        boxes = [await page.locator(sel).bounding_box() for sel in (".col-list", ".col-main", "#client-card")]
        assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1
        assert boxes[1]["x"] + boxes[1]["width"] <= boxes[2]["x"] + 1
        assert boxes[0]["width"] == 320 and boxes[2]["width"] == 300
        await expect(page.locator("#view-bar")).to_be_hidden()
        await expect(page.locator(".conv-item")).to_be_visible()
        # what a screen reader gets: the rows are options of a listbox, every field and button has a name
        conversations = page.get_by_role("listbox", name="Conversations")
        await expect(conversations.get_by_role("option")).to_have_count(1)
        await expect(conversations.get_by_role("option", selected=True)).to_contain_text("Olga Customer")
        controls = page.locator("input, select, textarea, button")
        for i in range(await controls.count()):
            if await controls.nth(i).is_visible():
                await expect(controls.nth(i)).to_have_accessible_name(re.compile(r"\S"))
        await no_horizontal_scroll(page)
        await page.screenshot(path=SHOTS / "small-screen-4-desktop.png")
        watch.assert_clean()
    finally:
        await context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_the_web_chat_widget_stays_inside_the_window(browser, web_hub, viewport):
    SHOTS.mkdir(exist_ok=True)
    context, page, watch = await open_page(browser, viewport)
    try:
        await page.goto(f"{web_hub.url}/demo/site")
        bubble = page.locator("[data-hub-widget=bubble]")
        await inside_viewport(page, bubble)
        await bubble.click()
        panel = page.locator("[data-hub-widget=panel]")
        await expect(panel).to_be_visible()
        await inside_viewport(page, panel)
        await no_horizontal_scroll(page)
        await page.screenshot(path=SHOTS / f"small-screen-widget-{viewport['width']}.png")
        watch.assert_clean()
    finally:
        await context.close()
