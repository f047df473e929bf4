"""Files on a reply, in a real Chromium: the agent attaches files in the composer, sees their names before sending,
and the reply goes out as multipart with them (an email conversation: the customer's mail, received by a local
aiosmtpd server, carries the file); a file over HUB_MAX_FILE_BYTES shows the API's 413 text and nothing is sent.
Notes take no files: the button is not offered there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from conftest import WebHub, mail_web_hub
from playwright.async_api import expect
from support import SmtpKeeper, start_smtp

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAX_FILE_BYTES = 4096


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[SmtpKeeper, int]]:
    controller, mails, port = start_smtp()
    try:
        yield mails, port
    finally:
        controller.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def web_hub(tmp_path, smtp) -> AsyncIterator[WebHub]:
    """Overrides conftest's web_hub: a hub with a mailbox and a 4 KB file limit."""
    async with mail_web_hub(tmp_path, smtp[1], max_file_bytes=MAX_FILE_BYTES) as running:
        yield running


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
