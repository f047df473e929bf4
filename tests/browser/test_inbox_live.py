"""Scenario A and the inbox's live behaviour, in a real Chromium: log in, messages arrive without reloading,
replies show their delivery status, customer text stays text, reconnects miss nothing and duplicate nothing."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from hub.domain import Handler

pytestmark = pytest.mark.asyncio(loop_scope="module")

EVIL = "<img src=x onerror=alert(1)> <b>bold?</b> <script>alert(2)</script>"


def item(page, conversation_id: str):
    return page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]')


def entry(page, entry_id: str):
    return page.locator(f'#timeline .entry[data-entry-id="{entry_id}"]')


async def test_scenario_a_live_message_reply_sent_and_html_shown_as_text(web_hub, new_page, login, tmp_path):
    page, watch = await new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # not logged in: / leads to the login page; a wrong password is refused in place
    await page.goto(f"{web_hub.url}/")
    assert page.url == f"{web_hub.url}/login"
    await page.fill("#login-email", "agent1@example.com")
    await page.fill("#login-password", "not-the-password")
    await page.click("#login-submit")
    await expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
    await page.screenshot(path=tmp_path / "a1-login-refused.png")

    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await expect(page.locator("#list-empty")).to_be_visible()
    await page.screenshot(path=tmp_path / "a2-inbox-empty.png")

    # a customer writes: the conversation appears live, with its unread badge
    first = await web_hub.push("Hello, is the blue sofa in stock?")
    olga = item(page, first["conversation_id"])
    await expect(olga.locator(".conv-item-preview")).to_have_text("Hello, is the blue sofa in stock?")
    await expect(olga.locator(".conv-item-name")).to_have_text("Olga Customer")
    await expect(olga.locator(".unread-badge")).to_have_text("1")
    await expect(olga.locator("[data-channel=api]")).to_be_visible()

    # opening it shows the timeline and the client card, and reads it (the badge goes)
    await olga.click()
    await expect(entry(page, first["entry_id"]).locator(".entry-text")).to_have_text(
        "Hello, is the blue sofa in stock?"
    )
    await expect(page.locator("#conv-title")).to_have_text("Olga Customer")
    await expect(page.locator("#client-card .card-name")).to_have_text("Olga Customer")
    await expect(page.locator("#client-card .identity-value")).to_have_text(["olga@example.com"])
    await expect(olga.locator(".unread-badge")).to_have_count(0)

    # another customer writes: a new item on top of the list
    other = await web_hub.push("I need an invoice", name="Ivan Buyer", email="ivan@example.com")
    await expect(page.locator(".conv-item").first).to_have_attribute(
        "data-conversation-id", other["conversation_id"]
    )
    await expect(item(page, other["conversation_id"]).locator(".unread-badge")).to_have_text("1")
    assert await page.locator(f'#timeline .entry[data-entry-id="{other["entry_id"]}"]').count() == 0

    # Olga writes markup: it shows as literal text in the open timeline and in the list, nothing is created
    evil = await web_hub.push(EVIL)
    evil_text = entry(page, evil["entry_id"]).locator(".entry-text")
    await expect(evil_text).to_have_text(EVIL)
    assert await evil_text.evaluate("el => el.textContent") == EVIL
    assert await evil_text.evaluate("el => el.childElementCount") == 0
    await expect(page.locator(".conv-item").first).to_have_attribute(
        "data-conversation-id", first["conversation_id"]
    )
    await expect(olga.locator(".conv-item-preview")).to_have_text(EVIL)
    assert await page.locator("img").count() == 0
    assert await page.locator("#timeline b, #conversation-list b, #timeline script").count() == 0
    await page.screenshot(path=tmp_path / "a3-live-messages.png")

    # the agent replies: the entry shows at the bottom and its delivery status becomes "sent"
    await page.fill("#composer-text", "Yes, it is in stock! Shall I reserve one?")
    await page.click("#composer-send")
    reply = page.locator("#timeline .entry-out").filter(has_text="Yes, it is in stock! Shall I reserve one?")
    await expect(reply).to_have_count(1)
    await expect(reply.locator(".delivery")).to_have_attribute("data-status", "sent")
    await expect(reply.locator(".delivery")).to_contain_text("Sent")
    await expect(page.locator("#timeline .entry").last).to_contain_text("Yes, it is in stock!")
    await expect(page.locator("#composer-text")).to_have_value("")
    stored = await web_hub.api("GET", f"/api/v1/conversations/{first['conversation_id']}/timeline")
    outgoing = [e for e in stored["items"] if e["direction"] == "out"]
    assert [e["delivery"]["status"] for e in outgoing] == ["sent"]
    assert await reply.get_attribute("data-entry-id") == outgoing[0]["id"]
    await page.screenshot(path=tmp_path / "a4-replied.png")

    assert dialogs == []
    watch.assert_clean(allow="HTTP 401")  # the refused login


async def test_a_failed_reply_shows_the_reason_and_retry_sends_it(web_hub, new_page, login, tmp_path):
    """Delivery failure through the api channel's webhook: shown with the reason; Retry requeues it."""
    page, watch = await new_page()
    first = await web_hub.push("Please call me back")
    # the api channel pushes replies to this URL; nothing listens there, and only 1 attempt is allowed
    web_hub.hub.settings.delivery_max_attempts = 1
    sender = web_hub.hub.channels.get("api")
    sender.webhook_url = "http://127.0.0.1:9/unreachable"

    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await item(page, first["conversation_id"]).click()
    await page.fill("#composer-text", "We will call you at six")
    await page.keyboard.press("Control+Enter")
    reply = page.locator("#timeline .entry-out").filter(has_text="We will call you at six")
    await expect(reply.locator(".delivery")).to_have_attribute("data-status", "failed")
    await expect(reply.locator(".delivery-reason")).to_contain_text("The webhook is unreachable")
    await page.screenshot(path=tmp_path / "failed.png")

    sender.webhook_url = ""  # the other side is back: the retry goes through
    await reply.locator("button.retry").click()
    await expect(reply.locator(".delivery")).to_have_attribute("data-status", "sent")
    await expect(reply.locator("button.retry")).to_have_count(0)
    watch.assert_clean()


async def test_after_a_reconnect_missed_messages_show_exactly_once(web_hub, new_page, login, tmp_path):
    page, watch = await new_page()
    first = await web_hub.push("First message")
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await item(page, first["conversation_id"]).click()
    await expect(entry(page, first["entry_id"])).to_have_count(1)

    # the connection drops; the customer writes meanwhile
    await page.evaluate("window.hubInbox.socket.disconnect()")
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "offline")
    missed = await web_hub.push("Written while you were offline")
    other = await web_hub.push("A new customer while offline", name="Nina", email="nina@example.com")
    await page.wait_for_timeout(300)
    assert await entry(page, missed["entry_id"]).count() == 0, "the socket was supposed to be down"

    # back online: sync fills the open timeline, the list is fetched again
    await page.evaluate("window.hubInbox.socket.connect()")
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    await expect(page.locator("body")).to_have_attribute("data-syncs", "1")
    await expect(entry(page, missed["entry_id"])).to_have_count(1)
    await expect(item(page, other["conversation_id"])).to_have_count(1)
    await expect(item(page, first["conversation_id"]).locator(".conv-item-preview")).to_have_text(
        "Written while you were offline"
    )

    # live again, and a second reconnect duplicates nothing
    live = await web_hub.push("And now live again")
    await expect(entry(page, live["entry_id"])).to_have_count(1)
    await page.evaluate("window.hubInbox.socket.disconnect()")
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "offline")
    await page.evaluate("window.hubInbox.socket.connect()")
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "live")
    await expect(page.locator("body")).to_have_attribute("data-syncs", "2")
    texts = await page.locator("#timeline .entry .entry-text").all_text_contents()
    assert texts == ["First message", "Written while you were offline", "And now live again"]
    assert await page.locator("#conversation-list .conv-item").count() == 2
    await page.screenshot(path=tmp_path / "reconnected.png")
    watch.assert_clean()


async def test_conversation_changes_move_items_between_tabs_live(web_hub, new_page, login, tmp_path):
    page, watch = await new_page()
    first = await web_hub.push("Where is my order?")
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    olga = item(page, first["conversation_id"])
    await olga.click()
    await expect(page.locator("#conv-badges [data-status=open]")).to_be_visible()

    # "Assign to me": it leaves Unassigned and is in Mine
    await page.click("#act-assign-me")
    await expect(olga).to_have_count(0)
    await page.click("[data-tab=mine]")
    await expect(olga).to_have_count(1)
    await expect(page.locator("#act-assignee")).to_have_value(await _user_id(web_hub, "agent1@example.com"))

    # someone else (the admin, through the API) routes it to Sales: it shows under My department too
    sales = (await web_hub.api("GET", "/api/v1/departments"))["items"][0]
    await web_hub.api(
        "PATCH", f"/api/v1/conversations/{first['conversation_id']}", {"department_id": sales["id"]}
    )
    await expect(page.locator("#act-department")).to_have_value(sales["id"])
    await page.click("[data-tab=department]")
    await expect(olga).to_have_count(1)

    # no bot flow answers on the api channel here: there is no "hand back to the bot" to press
    await expect(page.locator("#act-bot")).to_be_hidden()
    # with a flow on the channel there is: hand back to the bot, the badge shows in the header and the list
    web_hub.hub.initial_handler = lambda channel: Handler.bot if channel == "api" else Handler.human
    await page.reload()
    await page.wait_for_selector("#conn-status[data-state=live]")
    await page.click("[data-tab=department]")
    await olga.click()
    await page.click("#act-bot")
    await expect(page.locator("#conv-badges [data-handler=bot]")).to_be_visible()
    await expect(olga.locator("[data-handler=bot]")).to_be_visible()
    await expect(page.locator("#act-bot")).to_be_hidden()
    await page.screenshot(path=tmp_path / "bot-handler.png")
    await page.click("#act-human")
    await expect(page.locator("#conv-badges [data-handler=bot]")).to_have_count(0)

    # resolve: it leaves the Open filter, shows under Resolved; reopen brings it back
    await page.click("#act-resolve")
    await expect(olga).to_have_count(0)
    await page.select_option("#status-filter", "resolved")
    await expect(olga).to_have_count(1)
    await expect(page.locator("#act-reopen")).to_be_visible()
    await page.click("#act-reopen")
    await expect(olga).to_have_count(0)
    await page.select_option("#status-filter", "open")
    await expect(olga).to_have_count(1)

    # the admin assigns it to agent2 elsewhere: it leaves agent1's Mine live
    agent2 = await _user_id(web_hub, "agent2@example.com")
    await page.click("[data-tab=mine]")
    await expect(olga).to_have_count(1)
    await web_hub.api("PATCH", f"/api/v1/conversations/{first['conversation_id']}", {"assignee_id": agent2})
    await expect(olga).to_have_count(0)
    await expect(page.locator("#act-assignee")).to_have_value(agent2)
    watch.assert_clean()


async def test_language_follows_the_browser_and_the_switch_is_remembered(web_hub, new_page, login, tmp_path):
    page, watch = await new_page(locale="ru-RU")
    await page.goto(f"{web_hub.url}/login")
    await expect(page.locator("h1")).to_have_text("Вход во входящие")
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await login(page, "agent1@example.com")
    await expect(page.locator("[data-tab=unassigned]")).to_have_text("Без исполнителя")
    await page.screenshot(path=tmp_path / "ru.png")

    await page.select_option("select[data-lang-switch]", "en")
    await expect(page.locator("[data-tab=unassigned]")).to_have_text("Unassigned")
    await page.reload()
    await expect(page.locator("[data-tab=unassigned]")).to_have_text("Unassigned")
    await expect(page.locator("#logout")).to_have_text("Log out")

    # with nothing chosen and an English browser, the hub's setting decides
    web_hub.hub.settings.language = "ru"
    fresh, fresh_watch = await new_page(locale="en-US")
    await fresh.goto(f"{web_hub.url}/login")
    await expect(fresh.locator("h1")).to_have_text("Вход во входящие")
    await expect(fresh).to_have_title("Вход · Hub")
    await fresh.select_option("select[data-lang-switch]", "en")
    await expect(fresh.locator("h1")).to_have_text("Log in to the inbox")
    await expect(fresh).to_have_title("Log in · Hub")
    fresh_watch.assert_clean()

    # logging out ends the session: the inbox sends back to the login page
    await page.click("#logout")
    await page.wait_for_url(f"{web_hub.url}/login")
    await page.goto(f"{web_hub.url}/inbox")
    assert page.url == f"{web_hub.url}/login"
    watch.assert_clean()


async def _user_id(web_hub, email: str) -> str:
    users = (await web_hub.api("GET", "/api/v1/users"))["items"]
    return next(u["id"] for u in users if u["email"] == email)


async def test_email_html_is_shown_only_sanitized_inside_a_sandboxed_frame(
    web_hub, new_page, login, tmp_path
):
    from hub.actions.ingest import ingest
    from hub.domain import Attachment
    from hub.identities import make_identity
    from hub.inbound import InboundMessage

    html = (
        '<p>Invoice for <b>order 4512</b></p><img src=x onerror="parent.alert(1)">'
        '<script>parent.alert(2)</script><a href="javascript:alert(3)">pay</a>'
    )
    result = await ingest(
        web_hub.hub,
        InboundMessage(
            channel="email",
            provider_message_id="<m1@mail.example>",
            thread_key="<m1@mail.example>",
            identities=(make_identity("email", "ivan@mail.example"),),
            display_name='Ivan <b>"Boss"</b>',
            text="Invoice for order 4512",
            html=html,
            subject="Invoice",
            attachments=(
                Attachment(name="<img src=x onerror=alert(4)>.pdf", size=2048, url="javascript:alert(5)"),
            ),
        ),
    )
    page, watch = await new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await item(page, result.entry.conversation_id).click()
    email = entry(page, result.entry.id)
    await expect(email.locator(".entry-text")).to_have_text("Invoice for order 4512")
    await expect(email.locator(".entry-author")).to_have_text('Ivan <b>"Boss"</b>')
    await expect(page.locator("#conv-title")).to_have_text('Ivan <b>"Boss"</b>')
    # the file name is text, and a javascript: URL gets no link
    await expect(email.locator(".attachments li")).to_contain_text("<img src=x onerror=alert(4)>.pdf")
    await expect(email.locator(".attachments a")).to_have_count(0)
    await expect(email.locator("iframe")).to_have_count(0)

    # "Show formatted": the server-cleaned HTML, in a frame with every sandbox restriction
    await email.locator(".email-toggle").click()
    frame_el = email.locator("iframe.email-frame")
    await expect(frame_el).to_have_attribute("sandbox", "")
    await expect(email.locator(".entry-text")).to_be_hidden()
    frame = email.frame_locator("iframe.email-frame")
    await expect(frame.locator("b")).to_have_text("order 4512")
    await expect(frame.locator("script")).to_have_count(0)
    assert (
        await frame.locator("img").evaluate_all("els => els.filter(e => e.hasAttribute('onerror')).length")
        == 0
    )
    assert await frame.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href') || '')") in (
        [],
        [""],
    )
    # nothing of it reached the page itself
    assert (
        await page.locator(
            "#timeline b, #timeline img, #timeline script, .conv-list b, #conv-title b"
        ).count()
        == 0
    )
    await page.screenshot(path=tmp_path / "email-formatted.png")
    await email.locator(".email-toggle").click()
    await expect(email.locator(".entry-text")).to_be_visible()
    await expect(frame_el).to_be_hidden()
    assert dialogs == []
    watch.assert_clean(allow="/x")  # the <img src=x> inside the frame is a harmless 404


async def test_earlier_messages_load_on_demand_in_order(web_hub, new_page, login, tmp_path):
    pushed = [await web_hub.push(f"message {n}") for n in range(1, 56)]
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("[data-tab=unassigned]")
    await item(page, pushed[0]["conversation_id"]).click()
    texts = page.locator("#timeline .entry .entry-text")
    await expect(texts).to_have_count(50)
    await expect(texts.first).to_have_text("message 6")
    await expect(texts.last).to_have_text("message 55")
    await page.click("#timeline-more")
    await expect(texts).to_have_count(55)
    await expect(page.locator("#timeline-more")).to_be_hidden()
    assert await texts.all_text_contents() == [f"message {n}" for n in range(1, 56)]
    watch.assert_clean()
