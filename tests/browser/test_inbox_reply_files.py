"""Files on a reply, in a real Chromium: the agent attaches files in the composer, sees their names before sending,
and the reply goes out as multipart with them (an email conversation: the customer's mail, received by a local
aiosmtpd server, carries the file); a file over HUB_MAX_FILE_BYTES shows the API's 413 text and nothing is sent.
Notes take no files: the button is not offered there."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from conftest import ADMIN, AGENT_PASSWORD, WebHub
from playwright.async_api import expect
from support import start_app

from hub.actions import staff
from hub.config import Settings
from hub.domain import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAX_FILE_BYTES = 4096


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Mails:
    """What the SMTP server received (aiosmtpd runs in its own thread)."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self._arrived:
            self.received.append(bytes(envelope.content))
            self._arrived.notify_all()
        return "250 OK"

    def _wait(self, count: int) -> list[bytes]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout=60)  # a guard, not a bound
            return list(self.received)

    async def wait(self, count: int) -> list[bytes]:
        received = await asyncio.to_thread(self._wait, count)
        assert len(received) >= count, f"{len(received)} mails arrived, {count} expected"
        return received


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[_Mails, int]]:
    mails, port = _Mails(), _free_port()
    controller = Controller(mails, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mails, port
    finally:
        controller.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path, smtp) -> AsyncIterator[WebHub]:
    """Overrides conftest's web_hub: a hub with a mailbox (IMAP unreachable, SMTP aiosmtpd) and a 4 KB file limit."""
    from aiohttp import ClientSession

    from hub.app import create_app
    from hub.store.sqlite import open_sqlite_store

    _mails, smtp_port = smtp
    mailbox = {
        "name": "support",
        "address": "support@shop.example",
        "imap": {"host": "127.0.0.1", "port": _free_port(), "security": "none", "user": "s", "password": "x"},
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
        max_file_bytes=MAX_FILE_BYTES,
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


async def _choose(page, *files: dict) -> None:
    async with page.expect_file_chooser() as chooser:
        await page.click("#composer-attach")
    await (await chooser.value).set_files(list(files))


async def test_a_reply_with_files_goes_out_with_them(web_hub, smtp, new_page, login, tmp_path):
    mails, _port = smtp
    pushed = await web_hub.push("Do you ship abroad?", name="Olga Customer", email="olga@example.com")
    conversation = await web_hub.api("GET", f"/api/v1/conversations/{pushed['conversation_id']}")
    created = await web_hub.api(
        "POST",
        f"/api/v1/clients/{conversation['client_id']}/emails",
        {"subject": "Shipping", "text": "Hello"},
    )
    email_id = created["conversation"]["id"]
    await mails.wait(1)  # the first mail: the reply's is the next one

    page, watch = await new_page()
    await login(page, "agent1@example.com")
    await page.click(f'.conv-item[data-conversation-id="{email_id}"]')
    await expect(page.locator("#timeline")).to_contain_text("Hello")

    # too large: the API's 413 text, the file stays listed, nothing is sent
    await _choose(page, {"name": "big.bin", "mimeType": "application/octet-stream", "buffer": b"x" * 5000})
    files = page.locator("#composer-files .composer-file")
    await expect(files).to_have_count(1)
    await expect(files.first).to_contain_text("big.bin")
    await page.fill("#composer-text", "Here is the price list")
    await page.click("#composer-send")
    await expect(page.locator("#composer-error")).to_contain_text("over the limit of 4096 bytes")
    await expect(files).to_have_count(1)
    await page.click("#composer-files button[aria-label='Remove big.bin']")
    await expect(files).to_have_count(0)

    # two small files: their names before sending, then the reply with both in the timeline and in the mail
    await _choose(
        page,
        {"name": "price-list.txt", "mimeType": "text/plain", "buffer": b"Tea 5 EUR\n"},
        {"name": "счёт.csv", "mimeType": "text/csv", "buffer": b"item,price\ntea,5\n"},
    )
    await expect(files).to_have_count(2)
    await expect(page.locator("#composer-files")).to_contain_text("price-list.txt")
    await expect(page.locator("#composer-files")).to_contain_text("счёт.csv")
    await page.screenshot(path=tmp_path / "reply-files-chosen.png")
    await page.click("#composer-send")
    reply = page.locator("#timeline .entry", has_text="Here is the price list")
    await expect(reply.locator(".attachment")).to_have_count(2)
    await expect(reply).to_contain_text("price-list.txt")
    await expect(reply).to_contain_text("счёт.csv")
    await expect(files).to_have_count(0)
    await expect(page.locator("#composer-text")).to_have_value("")
    await page.screenshot(path=tmp_path / "reply-files-sent.png")
    mail = (await mails.wait(2))[1]
    assert b"Here is the price list" in mail and b"price-list.txt" in mail
    assert b"Tea 5 EUR" in mail or b"VGVhIDUgRVVSCg==" in mail  # the file, as it is or in base64

    # notes take no files
    await page.click("#composer [data-mode=note]")
    await expect(page.locator("#composer-attach")).to_be_hidden()
    await page.click("#composer [data-mode=reply]")
    await expect(page.locator("#composer-attach")).to_have_text("Attach files")
    watch.assert_clean(allow="/replies")  # the 413
