"""The inbox with a mailbox configured (issue #9): "Write email" on the client card sends a new email (through a local
aiosmtpd server) and opens its conversation, the API's error text shows in the form; the admins' "Channels" button
turns red for a mailbox whose IMAP server cannot be reached, and its panel says why.

The mailbox's IMAP points at a port nothing listens on (its worker stays disconnected, with an error); SMTP is
aiosmtpd, which keeps what it receives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from conftest import ADMIN, WebHub, mail_web_hub
from support import SmtpKeeper, start_smtp

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[SmtpKeeper, int]]:
    controller, keeper, port = start_smtp()
    try:
        yield keeper, port
    finally:
        controller.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path, smtp) -> AsyncIterator[WebHub]:
    """Overrides conftest's web_hub: the same hub with the support mailbox."""
    async with mail_web_hub(tmp_path, smtp[1]) as running:
        yield running


async def test_write_email_from_the_card_opens_the_new_conversation(web_hub, smtp, new_page, login):
    keeper, _port = smtp
    await web_hub.push("Do you ship abroad?", name="Olga Customer", email="olga@example.com")
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("#conversation-list >> text=Olga Customer")
    await page.click("#write-email")

    # an empty subject: the API's own error text shows in the form
    await page.fill("#outreach-text", "We do.")
    await page.click("#outreach-send")
    error = page.locator("#outreach-error")
    await error.wait_for()
    assert "subject" in (await error.inner_text()).lower()

    await page.fill("#outreach-subject", "Shipping abroad")
    await page.click("#outreach-send")
    await page.wait_for_selector("#outreach-form", state="detached")
    # the new email conversation is open, with the mail in its timeline, and the mail went out
    await page.wait_for_selector("#timeline >> text=We do.")
    assert "Shipping abroad" in await page.locator("#conv").inner_text()
    mails = await keeper.wait(1)
    assert any(b"Shipping abroad" in mail and b"olga@example.com" in mail for mail in mails)
    watch.assert_clean(allow="/emails")  # the 400 of the empty subject


async def test_an_email_being_written_keeps_the_focus_when_the_customer_writes_meanwhile(
    web_hub, new_page, login
):
    """The customer's next message draws the client card again (their conversation changed): the agent writing an
    email on that card goes on typing where they were."""
    from playwright.async_api import expect

    message = await web_hub.push("Is my parcel insured?", name="Ilya Customer", email="ilya@example.com")
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("#conversation-list >> text=Ilya Customer")
    status = await web_hub.resolve_on_card(page, message["conversation_id"])
    await page.click("#write-email")
    text = page.locator("#outreach-text")
    await text.click()
    await text.press_sequentially("Yes, up to")
    await web_hub.push("And the return shipping?", name="Ilya Customer", email="ilya@example.com")
    await expect(status).to_have_text("Open")  # the card was drawn again
    await expect(text).to_be_focused()
    await text.press_sequentially(" 500 EUR.")
    await expect(text).to_have_value("Yes, up to 500 EUR.")
    watch.assert_clean()


async def test_a_client_without_email_has_no_write_email(web_hub, new_page, login):
    await web_hub.api(
        "POST",
        "/api/v1/inbound",
        {
            "external_id": "phone-only",
            "sender": {"name": "Phone Only", "phone": "+7 903 111-22-33"},
            "text": "Hi",
        },
    )
    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click("#conversation-list >> text=Phone Only")
    await page.wait_for_selector("#card-name")
    assert await page.locator("#write-email").count() == 0
    watch.assert_clean()


async def test_the_admins_channels_button_turns_red_for_an_unreachable_mailbox(web_hub, new_page, login):
    page, watch = await new_page()
    await login(page, *ADMIN)
    button = page.locator("#health-button")
    await page.wait_for_selector("#health-button[data-state=bad]")  # the IMAP server cannot be reached
    assert await button.is_visible()
    await button.click()
    row = page.locator("#health-panel .health-mailbox[data-mailbox=support]")
    await row.wait_for()
    text = await row.inner_text()
    assert "support@shop.example" in text and "disconnected" in text
    assert await row.get_attribute("data-state") == "bad"
    watch.assert_clean()

    agent, agent_watch = await new_page()
    await login(agent, "agent1@example.com")
    assert not await agent.locator("#health-button").is_visible()
    agent_watch.assert_clean()
