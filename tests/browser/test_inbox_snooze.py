"""Snooze and pending in the inbox: the header's Snooze menu (a preset, `z` and a picked date and time) snoozes the
open conversation, the header and the list's "Snoozed or pending" filter show the wake time as a chip, and when the
server's timer wakes it (the hub's clock moved to the wake time) the open page shows it open again, live, with the
"snooze ended" line on the timeline and the bell lit. Pending from the header; RU texts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import expect
from support import SLA_TEST_POLICIES

from hub.app import SNOOZE_TIMERS_KEY
from hub.sla import load_sla_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


async def open_conversation(page, pushed) -> None:
    await page.click("[data-tab=unassigned]")
    await page.click(f'.conv-item[data-conversation-id="{pushed["conversation_id"]}"]')
    await expect(page.locator("#conv-title")).to_have_text("Olga Customer")


async def test_snooze_from_the_header_shows_the_chip_and_comes_back_live(web_hub, new_page, login):
    pushed = await web_hub.push("Please call me back next week")
    cid = pushed["conversation_id"]
    path = f"/api/v1/conversations/{cid}"
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await open_conversation(page, pushed)
    row = page.locator(f'.conv-item[data-conversation-id="{cid}"]')
    await page.click("#act-assign-me")  # the assignee hears when the snooze ends
    await expect(page.locator("#act-assign-me")).to_be_hidden()
    await page.click("[data-tab=mine]")
    await expect(row).to_be_visible()
    await expect(page.locator("#bell-count")).to_be_hidden()

    await page.click("#act-snooze")
    menu = page.locator("#snooze-menu")
    await expect(menu).to_be_visible()
    before = datetime.now(UTC)
    await menu.get_by_role("button", name="In 1 hour").click()
    await expect(menu).to_be_hidden()
    header_chip = page.locator("#conv-badges .snooze-chip")
    await expect(header_chip).to_be_visible()
    await expect(page.locator("#conv-badges [data-status=snoozed]")).to_be_visible()
    snoozed = await web_hub.api("GET", path)
    until = parse(snoozed["snoozed_until"])
    assert 3590 <= (until - before).total_seconds() <= 3700  # in one hour
    await expect(page.locator(".timeline .entry", has_text="snoozed it until")).to_have_count(1)

    # the Open list no longer holds it; "Snoozed or pending" does, with the wake time
    await expect(row).to_have_count(0)
    await page.select_option("#status-filter", "snoozed,pending")
    await expect(row.locator(".snooze-chip")).to_be_visible()
    assert await row.locator(".snooze-chip").get_attribute("data-snoozed-until") == snoozed["snoozed_until"]

    # the wake time comes: the server's timer wakes it and the page follows without a reload
    web_hub.hub.clock = lambda: until
    web_hub.app[SNOOZE_TIMERS_KEY].wake()
    await expect(page.locator("#conv-badges [data-status=open]")).to_be_visible()
    await expect(header_chip).to_have_count(0)
    await expect(row).to_have_count(0)  # not snoozed any more: out of this filter
    await expect(page.locator(".timeline .entry", has_text="snooze ended")).to_have_count(1)
    await expect(page.locator("#bell-count")).to_have_text("1")
    await page.click("#bell")
    await expect(page.locator("#bell-list li").first).to_contain_text("A snoozed conversation is back")
    await page.click("#bell")
    await page.select_option("#status-filter", "open")
    await expect(row).to_be_visible()
    await expect(row.locator(".snooze-chip")).to_have_count(0)
    assert (await web_hub.api("GET", path))["status"] == "open"
    watch.assert_clean()


async def test_z_and_a_picked_time_then_pending(web_hub, new_page, login):
    web_hub.hub.sla, problems = load_sla_text(SLA_TEST_POLICIES, "test policies")
    assert not problems
    pushed = await web_hub.push("Is the blue one in stock?")
    cid = pushed["conversation_id"]
    await web_hub.api("PATCH", f"/api/v1/conversations/{cid}", {"priority": "urgent"})  # 10 minutes to answer
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await open_conversation(page, pushed)

    await page.locator("body").click(position={"x": 5, "y": 5})  # the keyboard to the page, not a field
    await page.keyboard.press("z")
    await expect(page.locator("#snooze-menu")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#snooze-menu")).to_be_hidden()
    await page.keyboard.press("?")
    await expect(page.locator("#keys-dialog")).to_contain_text("Snooze")
    await page.keyboard.press("Escape")

    await page.click("#act-snooze")
    picked = await page.evaluate(
        """() => { const d = new Date(Date.now() + 3 * 86400000); d.setHours(14, 30, 0, 0);
        const p = (n) => String(n).padStart(2, "0");
        return [`${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T14:30`, d.toISOString()]; }"""
    )
    await page.fill("#snooze-at", picked[0])
    await page.click("#snooze-apply")
    await expect(page.locator("#conv-badges .snooze-chip")).to_be_visible()
    snoozed = await web_hub.api("GET", f"/api/v1/conversations/{cid}")
    assert parse(snoozed["snoozed_until"]) == parse(picked[1])

    header_sla = page.locator("#conv-badges .sla")
    await expect(header_sla).to_have_attribute("data-sla", "paused")  # the customer's turn: the clock waits
    await expect(header_sla).to_contain_text("SLA paused")
    await page.click("#act-pending")
    await expect(page.locator("#conv-badges [data-status=pending]")).to_be_visible()
    await expect(header_sla).to_have_attribute("data-sla", "paused")
    await expect(page.locator("#conv-badges .snooze-chip")).to_have_count(0)
    await expect(page.locator("#act-pending")).to_be_hidden()
    await expect(page.locator(".timeline .entry", has_text="set it pending")).to_have_count(1)
    # the customer answers: open again, live
    await web_hub.push("Also in red?")
    await expect(page.locator("#conv-badges [data-status=open]")).to_be_visible()
    await expect(header_sla).to_have_attribute("data-sla", "ok")  # counting again
    await expect(header_sla).to_contain_text("left")
    watch.assert_clean()


async def test_the_snooze_menu_in_russian(web_hub, new_page, login):
    pushed = await web_hub.push("Перезвоните завтра")
    page, watch = await new_page(locale="ru-RU")
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await page.click(f'.conv-item[data-conversation-id="{pushed["conversation_id"]}"]')
    await expect(page.locator("#act-snooze")).to_have_text("Отложить")
    await page.click("#act-snooze")
    await page.locator("#snooze-menu").get_by_role("button", name="Завтра в 9:00").click()
    await expect(page.locator("#conv-badges .snooze-chip")).to_contain_text("до ")
    await expect(page.locator(".timeline .entry", has_text="отложил(а) до")).to_have_count(1)
    watch.assert_clean()
