"""The bot's after-hours hand-off note, seen by a Russian-speaking agent in Chromium (the hub's language is
English): the note is rendered from its code in Russian with the @support mention highlighted, and the bell and
the desktop notification about that mention show the note in Russian too, not the stored English rendering."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from conftest import AGENT_PASSWORD, WebHub, start_web_hub
from playwright.async_api import expect
from support import eventually
from test_inbox_desktop_notifications import RECORDER

from hub.actions import staff
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

# the API channel's bot, always closed (no open day): every hand-off leaves Support a callback note with @support
FLOW = """
name: closed
channels: [api]
start: hello
handoff: {keywords: [operator], department: Support}
business_hours:
  timezone: Europe/Moscow
  weekly: {}
  closed_say: "We are closed now."
states:
  hello:
    say: "Hello!"
"""
AGENT = "olga.agent@example.com"


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path) -> AsyncIterator[WebHub]:
    bots = tmp_path / "bots"
    bots.mkdir()
    (bots / "closed.yaml").write_text(FLOW, "utf-8")
    runner, running = await start_web_hub(tmp_path, bots_dir=bots)
    support = await staff.create_department(running.hub, "Support")
    await staff.create_user(
        running.hub,
        email=AGENT,
        name="Olga Agent",
        role=Role.agent,
        password=AGENT_PASSWORD,
        department_ids=[support.id],
    )
    try:
        yield running
    finally:
        await running.http.close()
        await runner.cleanup()


async def test_the_after_hours_note_highlights_its_mention_and_the_bell_speaks_the_readers_language(
    web_hub, new_page, login, tmp_path
):
    page, watch = await new_page(locale="ru-RU")
    await page.context.grant_permissions(["notifications"], origin=web_hub.url)
    await page.context.add_init_script(RECORDER)
    await login(page, AGENT)
    await page.click("#bell")
    await page.locator("#bell-desktop").check()
    await page.keyboard.press("Escape")
    await page.evaluate("window.dispatchEvent(new Event('blur'))")  # the agent looks elsewhere

    await web_hub.push("Hi")
    await web_hub.push("operator")  # handed off after hours: the note mentions @support
    opening = "Бот передал разговор: клиент попросил человека («operator»)."
    callback = "@support Обращение вне рабочего времени"

    # the bell: the mention, in Russian (the stored text is the English rendering)
    await expect(page.locator("#bell-count")).to_have_text("2")  # the mention and the hand-off itself
    # polled from here: wait_for_function's later polls run eval in the page, which the inbox's CSP refuses
    await eventually(
        lambda: page.evaluate("window.__desktop.some((n) => n.body.includes('Бот передал'))"),
        what="the desktop notification of the hand-off note",
    )
    shown = {n["title"]: n["body"] for n in await page.evaluate("window.__desktop")}
    # the body: which conversation (client · subject), then the note's text
    mention_body = next(body for body in shown.values() if "Бот передал" in body)
    assert mention_body.split("\n")[-1].startswith(opening) and callback in mention_body, shown
    assert not any("Bot handoff" in body for body in shown.values()), shown
    await page.click("#bell")
    item = page.locator("#bell-list li[data-kind=mention]")
    await expect(item.locator(".bell-item-text")).to_contain_text(opening)
    await expect(item.locator(".bell-item-text")).to_contain_text(callback)
    await page.screenshot(path=tmp_path / "handoff-mention-bell-ru.png")

    # the note itself: Russian, @support highlighted as in any note
    await item.locator("button").click()
    note = page.locator("#timeline .entry[data-kind=note][data-author-type=bot] .entry-text")
    await expect(note).to_contain_text(opening)
    await expect(note.locator(".mention")).to_have_text("@support")
    await page.screenshot(path=tmp_path / "handoff-note-mention-ru.png")
    watch.assert_clean()
