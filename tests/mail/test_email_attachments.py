"""An agent's files on an email reply: sent as MIME parts with their names (RFC 2231 for non-ASCII names) to a real
SMTP server (aiosmtpd); a file over HUB_MAX_FILE_BYTES is refused with 413 and nothing is sent."""

from __future__ import annotations

import email
import email.policy

import aiohttp
from mail_helpers import MailHub, mailbox_config
from support import eventually
from test_email_channel import arrived, mail

from hub.domain import DeliveryStatus

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8  # binary content survives base64


async def _reply(running, headers, conversation_id, text, files, *, quote=True):
    form = aiohttp.FormData(quote_fields=quote)
    form.add_field("text", text)
    for name, data, content_type in files:
        form.add_field("file", data, filename=name, content_type=content_type)
    async with running.http.post(
        f"{running.url}/api/v1/conversations/{conversation_id}/replies", data=form, headers=headers
    ) as response:
        return response.status, await response.json()


async def test_reply_files_reach_the_smtp_server_as_named_mime_parts(tmp_path, dovecot, smtp):
    from hub.store.sqlite import open_sqlite_store

    keeper, smtp_port = smtp
    store = await open_sqlite_store(tmp_path / "hub.db")
    overrides = {
        "mailboxes": [mailbox_config(dovecot.port, smtp_port)],
        "files_dir": tmp_path / "files",
        "max_file_bytes": 4096,
    }
    hub = MailHub(tmp_path, store, overrides)
    try:
        running = await hub.start()
        await hub.synced()
        dovecot.deliver("support", mail(1, subject="Invoice"))
        first = await arrived(store, "<m1@client.example>")
        headers = await running.login()
        status, body = await _reply(
            running,
            headers,
            first.conversation_id,
            "The invoice and the terms are attached.",
            [
                ("счёт №5.pdf", PDF, "application/pdf"),
                ("terms.txt", "Условия: оплата за 5 дней".encode(), ""),
            ],
        )
        # as a browser sends it: the name in raw UTF-8
        status_raw, raw_body = await _reply(
            running, headers, first.conversation_id, "raw", [("договор.txt", b"x", "text/plain")], quote=False
        )
        assert status_raw == 201 and raw_body["attachments"][0]["name"] == "договор.txt"
        assert status == 201, body
        assert [a["name"] for a in body["attachments"]] == ["счёт №5.pdf", "terms.txt"]
        assert body["attachments"][1]["content_type"] == "text/plain"
        # the agent's file is served back through its entry
        async with running.http.get(running.url + body["attachments"][0]["url"], headers=headers) as got:
            assert got.status == 200 and await got.read() == PDF

        await eventually(lambda: _at_least(keeper, 2), within=20, what="the replies at the SMTP server")
        raw = next(r[2] for r in keeper.received if b"The invoice" in r[2] or b"VGhlIGludm9pY2U" in r[2])
        sent = email.message_from_bytes(raw, policy=email.policy.default)
        assert sent.get_content_type() == "multipart/mixed"
        assert "The invoice and the terms" in sent.get_body(("plain",)).get_content()
        parts = list(sent.iter_attachments())
        assert [p.get_filename() for p in parts] == ["счёт №5.pdf", "terms.txt"]
        assert [p.get_content_type() for p in parts] == ["application/pdf", "text/plain"]
        assert parts[0].get_content() == PDF
        assert "Условия: оплата" in parts[1].get_content()
        # the non-ASCII name is written as RFC 2231 says (filename*=utf-8''...), readable by any mail client
        assert b"filename*=utf-8''%D1%81%D1%87%D1%91%D1%82" in raw

        async def sent_entry():
            entry = await store.timeline.get(body["id"])
            return entry if entry.delivery.status is DeliveryStatus.sent else None

        await eventually(sent_entry, within=20, what="the reply marked sent")

        # a file over HUB_MAX_FILE_BYTES: 413 naming it, no entry, nothing sent
        before = len(await store.timeline.conversation_page(first.conversation_id, limit=50))
        status, body = await _reply(
            running, headers, first.conversation_id, "too big", [("big.bin", b"x" * 5000, "application/zip")]
        )
        assert status == 413 and "big.bin" in body["error"]["message"]
        async with running.http.post(
            f"{running.url}/api/v1/conversations/{first.conversation_id}/replies",
            json={"text": "  "},
            headers=headers,
        ) as response:
            assert response.status == 400 and "empty" in (await response.json())["error"]["message"]
        assert len(await store.timeline.conversation_page(first.conversation_id, limit=50)) == before
        assert len(keeper.received) == 2
    finally:
        await hub.stop()
        await store.close()


async def _at_least(keeper, count):
    return keeper.received if len(keeper.received) >= count else None
