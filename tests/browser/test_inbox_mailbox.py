"""The inbox with a mailbox configured (issue #9): "Write email" on the client card sends a new email (through a local
aiosmtpd server) and opens its conversation, the API's error text shows in the form; the admins' "Channels" button
turns red for a mailbox whose IMAP server cannot be reached, and its panel says why.

The mailbox's IMAP points at a port nothing listens on (its worker stays disconnected, with an error); SMTP is
aiosmtpd, which keeps what it receives."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from conftest import ADMIN, AGENT_PASSWORD, WebHub
from support import start_app

from hub.actions import staff
from hub.config import Settings
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

SUPPORT = "support@shop.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Keeper:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(bytes(envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Keeper, int]]:
    keeper, port = Keeper(), free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield keeper, port
    finally:
        controller.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path, smtp) -> AsyncIterator[WebHub]:
    """Overrides conftest's web_hub: the same hub with the support mailbox (IMAP unreachable, SMTP aiosmtpd)."""
    from aiohttp import ClientSession

    from hub.app import create_app
    from hub.store.sqlite import open_sqlite_store

    _keeper, smtp_port = smtp
    mailbox = {
        "name": "support",
        "address": SUPPORT,
        "display_name": "Shop support",
        "imap": {
            "host": "127.0.0.1",
            "port": free_port(),
            "security": "none",
            "user": "support",
            "password": "x",
        },
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
    }
    settings = Settings(
        sqlite_path=tmp_path / "hub.db",
        files_dir=tmp_path / "files",
        bots_dir=tmp_path / "no-bots",
        secret_key="browser-test-secret-" + "x" * 32,
        admin_email=ADMIN[0],
        admin_password=ADMIN[1],
        delivery_base_delay=0.05,
        language="en",
        mailboxes=[mailbox],
    )
    store = await open_sqlite_store(settings.sqlite_path)
    app = await create_app(settings, store=store, poll_interval=0.05)
    app.on_cleanup.append(lambda _app: store.close())
    runner, url = await start_app(app)
    running = WebHub(url, app, ClientSession())
    sales = await staff.create_department(running.hub, "Sales")
    await staff.create_user(
        running.hub,
        email="agent1@example.com",
        name="Agent One",
        role=Role.agent,
        password=AGENT_PASSWORD,
        department_ids=[sales.id],
    )
    try:
        yield running
    finally:
        await running.http.close()
        await runner.cleanup()


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
    for _ in range(100):
        if keeper.received:
            break
        await asyncio.sleep(0.1)
    assert any(b"Shipping abroad" in mail and b"olga@example.com" in mail for mail in keeper.received)
    watch.assert_clean(allow="/emails")  # the 400 of the empty subject


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
    assert SUPPORT in text and "disconnected" in text
    assert await row.get_attribute("data-state") == "bad"
    watch.assert_clean()

    agent, agent_watch = await new_page()
    await login(agent, "agent1@example.com")
    assert not await agent.locator("#health-button").is_visible()
    agent_watch.assert_clean()
