"""STARTTLS on both sides of the email channel, with a CA made in the fixture: the IMAP worker against Dovecot
(ssl = required: no login before STARTTLS) and SMTP replies against aiosmtpd (require_starttls). The mailbox trusts
the CA through `ca_file`; without it the certificate is refused — verification is never switched off."""

from __future__ import annotations

import email
import email.policy
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from mail_helpers import MailHub, mailbox_config
from mail_servers import Dovecot, make_certificates, start_dovecot, stop_dovecot
from support import eventually, start_smtp
from test_email_channel import arrived, mail

from hub.domain import DeliveryStatus


@pytest.fixture
def certificates(tmp_path) -> tuple[Path, Path, Path]:
    try:
        return make_certificates(tmp_path / "tls")
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def tls_dovecot(certificates) -> Iterator[Dovecot]:
    _ca, cert, key = certificates
    base = Path(tempfile.mkdtemp(prefix="hub-dovecot-tls-"))
    try:
        server = start_dovecot(base, {"support": "imap-password"}, tls=(cert, key))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        stop_dovecot(server)


@pytest.fixture
def tls_smtp(certificates):
    _ca, cert, key = certificates
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    controller, keeper, port = start_smtp(tls_context=context)
    try:
        yield keeper, port
    finally:
        controller.stop()


def _config(dovecot, smtp_port, ca=None):
    config = mailbox_config(dovecot.port, smtp_port)
    config["imap"].update(security="starttls", **({"ca_file": str(ca)} if ca else {}))
    config["smtp"].update(security="starttls", **({"ca_file": str(ca)} if ca else {}))
    return config


async def test_starttls_on_imap_and_smtp_with_a_trusted_ca(tmp_path, certificates, tls_dovecot, tls_smtp):
    from hub.store.sqlite import open_sqlite_store

    ca, _cert, _key = certificates
    keeper, smtp_port = tls_smtp
    store = await open_sqlite_store(tmp_path / "hub.db")
    hub = MailHub(tmp_path, store, {"mailboxes": [_config(tls_dovecot, smtp_port, ca)]})
    try:
        running = await hub.start()
        state = await hub.synced()
        assert state.mode == "idle" and state.last_error is None
        tls_dovecot.deliver("support", mail(1, subject="Over TLS", body="Зашифровано"))
        first = await arrived(store, "<m1@client.example>")
        assert first.text == "Зашифровано"
        headers = await running.login()
        async with running.http.post(
            f"{running.url}/api/v1/conversations/{first.conversation_id}/replies",
            json={"text": "Received, over STARTTLS"},
            headers=headers,
        ) as response:
            assert response.status == 201
            reply_id = (await response.json())["id"]

        async def sent():
            entry = await store.timeline.get(reply_id)
            return entry if entry.delivery.status is DeliveryStatus.sent else None

        await eventually(sent, within=20, what="the reply sent over STARTTLS")
        message = email.message_from_bytes(keeper.received[0][2], policy=email.policy.default)
        assert "over STARTTLS" in message.get_body(("plain",)).get_content()
        # Dovecot logged the login as a TLS one
        log = (tls_dovecot.base / "dovecot.log").read_text()
        assert "user=<support>" in log and "TLS" in log
    finally:
        await hub.stop()
        await store.close()


async def test_without_the_ca_the_certificate_is_refused_on_both_sides(tmp_path, tls_dovecot, tls_smtp):
    from hub.store.sqlite import open_sqlite_store

    keeper, smtp_port = tls_smtp
    store = await open_sqlite_store(tmp_path / "hub.db")
    hub = MailHub(tmp_path, store, {"mailboxes": [_config(tls_dovecot, smtp_port)]})
    try:
        running = await hub.start()

        async def refused():
            state = await store.mailboxes.get("support")
            return state if state is not None and state.last_error else None

        state = await eventually(refused, within=20, what="the IMAP certificate refused")
        assert "CERTIFICATE_VERIFY_FAILED" in state.last_error and not state.connected
        assert not hub.worker.connected
        # SMTP: the reply is not sent to an unverified server; its failure says why
        status, pushed = await _inbound(running)
        assert status == 201
        headers = await running.login()
        async with running.http.post(
            f"{running.url}/api/v1/clients/{pushed['client_id']}/emails",
            json={"subject": "Hello", "text": "Hi"},
            headers=headers,
        ) as response:
            assert response.status == 201
            entry_id = (await response.json())["entry"]["id"]

        async def attempted():
            entry = await store.timeline.get(entry_id)
            return entry if entry.delivery.error else None

        entry = await eventually(attempted, within=20, what="a failed attempt")
        assert "certificate" in entry.delivery.error.lower()
        assert entry.delivery.status is not DeliveryStatus.sent and keeper.received == []
    finally:
        await hub.stop()
        await store.close()


async def _inbound(running):
    headers = await running.login()
    async with running.http.post(
        f"{running.url}/api/v1/inbound",
        json={
            "external_id": "tls-1",
            "sender": {"name": "Olga", "email": "olga@client.example"},
            "text": "hi",
        },
        headers=headers,
    ) as response:
        return response.status, await response.json()
