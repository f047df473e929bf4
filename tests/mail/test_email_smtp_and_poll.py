"""The email channel against real servers where they misbehave: an SMTP server that answers 4xx (the reply is
retried and goes out once the server takes it) or 5xx (the reply is marked failed with the server's text, nothing
is resent); and a Dovecot that offers no IDLE (the worker polls, says so in its health, and still takes each mail
once); and an IDLE renewed every second (the worker re-issues it on one connection and still hears new mail)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from mail_helpers import MailHub, mailbox_config
from mail_servers import start_dovecot, stop_dovecot
from support import eventually
from test_email_channel import all_entries, arrived, mail, stored

from hub.domain import DeliveryStatus, Direction

NO_IDLE = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS\n"


async def _reply(running, conversation_id: str, text: str) -> str:
    headers = await running.login()
    async with running.http.post(
        f"{running.url}/api/v1/conversations/{conversation_id}/replies", json={"text": text}, headers=headers
    ) as response:
        assert response.status == 201, await response.text()
        return (await response.json())["id"]


async def _delivery(mail_hub, entry_id: str):
    return (await mail_hub.store.timeline.get(entry_id)).delivery


async def test_a_4xx_is_retried_until_the_server_takes_the_mail_and_a_5xx_fails_with_its_text(
    mail_hub, dovecot, smtp
):
    keeper, _port = smtp
    running = await mail_hub.start()
    await mail_hub.synced()
    dovecot.deliver("support", mail(21, subject="Where is my parcel"))
    first = await arrived(mail_hub.store, "<m21@client.example>")

    keeper.refuse = (451, "4.3.0 Mailbox busy, try again later")
    reply_id = await _reply(running, first.conversation_id, "It left the warehouse today.")

    async def retried():
        delivery = await _delivery(mail_hub, reply_id)
        return delivery if delivery.attempts >= 2 else None

    delivery = await eventually(retried, within=30, what="a second attempt after the 451")
    assert delivery.status is DeliveryStatus.queued and "451" in (delivery.error or "")
    assert keeper.received == []
    keeper.refuse = None

    async def sent():
        delivery = await _delivery(mail_hub, reply_id)
        return delivery if delivery.status is DeliveryStatus.sent else None

    await eventually(sent, within=30, what="the reply sent once the server takes it")
    mails = await keeper.wait(1)
    assert len(mails) == 1 and b"It left the warehouse today." in mails[0]

    keeper.refuse = (550, "5.1.1 No such user here")
    failed_id = await _reply(running, first.conversation_id, "One more thing.")

    async def failed():
        delivery = await _delivery(mail_hub, failed_id)
        return delivery if delivery.status is DeliveryStatus.failed else None

    delivery = await eventually(failed, within=30, what="the reply marked failed on a 550")
    assert "No such user here" in (delivery.error or "")
    assert delivery.attempts == 1  # a permanent refusal is not retried
    assert len(keeper.received) == 1


@pytest.fixture
def dovecot_without_idle():
    base = Path(tempfile.mkdtemp(prefix="hub-dovecot-noidle-"))
    try:
        server = start_dovecot(base, {"support": "imap-password"}, extra_conf=NO_IDLE)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        stop_dovecot(server)


async def test_without_idle_the_worker_polls_and_takes_each_mail_once(tmp_path, dovecot_without_idle, smtp):
    from hub.store.sqlite import open_sqlite_store

    _keeper, smtp_port = smtp
    store = await open_sqlite_store(tmp_path / "hub.db")
    box = mailbox_config(dovecot_without_idle.port, smtp_port, poll_interval=0.5)
    hub = MailHub(tmp_path, store, {"mailboxes": [box]})
    try:
        await hub.start()
        await hub.synced()

        async def polling():
            state = await store.mailboxes.get("support")
            return state if state is not None and state.connected and state.mode == "poll" else None

        await eventually(polling, within=20, what="the worker polling (the server offers no IDLE)")
        dovecot_without_idle.deliver("support", mail(31, subject="Poll one"))
        dovecot_without_idle.deliver("support", mail(32, subject="Poll two"))
        one = await arrived(store, "<m31@client.example>")
        two = await arrived(store, "<m32@client.example>")
        assert one.conversation_id != two.conversation_id  # two subjects: two conversations
        dovecot_without_idle.deliver("support", mail(33, subject="Poll three"))
        await arrived(store, "<m33@client.example>")  # a barrier: later polls have run over the first two
        three = await stored(store, "<m33@client.example>")
        inbound = [e.id for e in await all_entries(store, one.client_id) if e.direction is Direction.inbound]
        assert sorted(inbound) == sorted([one.id, two.id, three.id])  # each mail once
    finally:
        await hub.stop()
        await store.close()


async def test_idle_is_reissued_on_the_same_connection_and_still_hears_new_mail(
    tmp_path, dovecot, proxy, smtp
):
    from hub.store.sqlite import open_sqlite_store

    _keeper, smtp_port = smtp
    store = await open_sqlite_store(tmp_path / "hub.db")
    hub = MailHub(tmp_path, store, {"mailboxes": [mailbox_config(proxy.port, smtp_port, idle_renew=1.0)]})
    try:
        await hub.start()
        state = await hub.synced()
        assert state.mode == "idle"

        async def renewed():
            return proxy.upstream.count(b" IDLE\r\n") >= 4 or None  # the first IDLE and three renewals

        await eventually(renewed, within=30, what="IDLE re-issued three times")
        assert proxy.connections == 1  # renewed in place, not by reconnecting
        dovecot.deliver("support", mail(41, subject="After the renewals"))
        entry = await arrived(store, "<m41@client.example>")
        assert "After the renewals" in (entry.meta.get("subject") or entry.text)
        assert proxy.connections == 1
    finally:
        await hub.stop()
        await store.close()
