"""The email channel end to end, on real Dovecot (IMAP IDLE) and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from mail_helpers import SUPPORT, MailHub, mailbox_config
from support import eventually

from hub.domain import ConversationStatus, DeliveryStatus, EntryKind, dedupe_key


def mail(n: int | str, *, sender="olga@client.example", subject=None, body=None, **headers) -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"Olga <{sender}>"
    m["To"] = SUPPORT
    m["Subject"] = subject if subject is not None else f"Order {n}"
    m["Message-ID"] = f"<m{n}@client.example>"
    m["Date"] = "Mon, 01 Dec 2025 10:00:00 +0300"
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body if body is not None else f"Hello, this is mail {n}.")
    return m


async def stored(store, message_id: str):
    return await store.timeline.get_by_dedupe_key(dedupe_key("email", message_id))


async def arrived(store, message_id: str, within: float = 20.0):
    async def probe():
        return await stored(store, message_id)

    return await eventually(probe, within=within, what=f"{message_id} in the timeline")


async def all_entries(store, client_id: str):
    return await store.timeline.page(client_id, limit=500)


async def test_a_mail_dropped_into_the_mailbox_reaches_the_timeline_through_idle(mail_hub, dovecot):
    await mail_hub.start()
    state = await mail_hub.synced()
    assert state.mode == "idle"
    dovecot.deliver("support", mail(1, subject="Где мой заказ?", body="Здравствуйте! Заказ 42 не пришёл."))
    entry = await arrived(mail_hub.store, "<m1@client.example>")
    assert entry.text == "Здравствуйте! Заказ 42 не пришёл."
    assert entry.kind is EntryKind.message
    conversation = await mail_hub.store.conversations.get(entry.conversation_id)
    assert conversation.channel == "email" and conversation.subject == "Где мой заказ?"
    assert conversation.unread == 1
    client = await mail_hub.store.clients.get(entry.client_id)
    assert client.name == "Olga" and [i.key for i in client.identities] == ["email:olga@client.example"]
    # the server's flags stay as users set them: the hub read it with BODY.PEEK
    box = dovecot.maildir("support")
    assert all("S" not in message.get_flags() for message in box)


async def test_mail_that_arrived_while_the_hub_was_down_is_stored_once_after_restart(mail_hub, dovecot):
    await mail_hub.start()
    await mail_hub.synced()
    await mail_hub.stop()
    for n in range(30):
        dovecot.deliver("support", mail(n, sender=f"c{n % 3}@client.example"))
    await mail_hub.start()
    state = await mail_hub.synced(last_uid=30)
    assert state.last_uid == 30 and state.backlog == 0
    for n in range(30):
        assert await stored(mail_hub.store, f"<m{n}@client.example>") is not None
    # restarting again fetches nothing twice
    await mail_hub.stop()
    await mail_hub.start()
    await mail_hub.synced(last_uid=30)
    total = 0
    for n in range(3):
        client_id = (await stored(mail_hub.store, f"<m{n}@client.example>")).client_id
        total += len(await all_entries(mail_hub.store, client_id))
    assert total == 30


async def test_reply_threads_on_the_smtp_server_and_the_answer_threads_back(mail_hub, dovecot, smtp):
    keeper, _port = smtp
    running = await mail_hub.start()
    await mail_hub.synced()
    dovecot.deliver("support", mail(7, subject="Refund", references="<earlier@client.example>"))
    first = await arrived(mail_hub.store, "<m7@client.example>")
    headers = await running.login()
    async with running.http.post(
        f"{running.url}/api/v1/conversations/{first.conversation_id}/replies",
        json={"text": "Hello Olga,\n\nyour refund is on its way."},
        headers=headers,
    ) as response:
        assert response.status == 201, await response.text()
        reply_id = (await response.json())["id"]
    await eventually(lambda: _true(keeper.received), within=20, what="the reply at the SMTP server")
    _from, rcpt, data = keeper.received[0]
    sent = email.message_from_bytes(data, policy=email.policy.default)
    assert rcpt == ["olga@client.example"]
    assert sent["In-Reply-To"] == "<m7@client.example>"
    assert sent["References"].split() == ["<earlier@client.example>", "<m7@client.example>"]
    assert sent["Subject"].startswith("Re: Refund [#")
    assert SUPPORT in sent["From"]
    assert sent.get_content_type() == "multipart/alternative"
    assert "your refund is on its way." in sent.get_body(("plain",)).get_content()
    assert "<p" in sent.get_body(("html",)).get_content()

    async def delivered():
        entry = await mail_hub.store.timeline.get(reply_id)
        return entry if entry.delivery.status is DeliveryStatus.sent else None

    assert (await eventually(delivered, within=20)).provider_id == sent["Message-ID"]
    # the customer answers the hub's mail with a new subject: it threads by In-Reply-To
    answer = mail(8, subject="another question", in_reply_to=sent["Message-ID"])
    dovecot.deliver("support", answer)
    second = await arrived(mail_hub.store, "<m8@client.example>")
    assert second.conversation_id == first.conversation_id
    # a different sender with the same subject never joins Olga's conversation
    dovecot.deliver("support", mail(9, sender="boris@other.example", subject="Refund"))
    other = await arrived(mail_hub.store, "<m9@client.example>")
    assert other.conversation_id != first.conversation_id and other.client_id != first.client_id
    # Olga's own follow-up with the same subject and no threading headers joins her conversation
    dovecot.deliver("support", mail(10, subject="RE: Refund"))
    follow = await arrived(mail_hub.store, "<m10@client.example>")
    assert follow.conversation_id == first.conversation_id


async def _true(value):
    return value


async def test_a_new_uidvalidity_syncs_again_without_duplicates(mail_hub, dovecot):
    await mail_hub.start()
    for n in range(3):
        dovecot.deliver("support", mail(n))
    before = await mail_hub.synced(last_uid=3)
    await mail_hub.stop()
    dovecot.reset_uidvalidity("support")
    dovecot.deliver("support", mail(3))
    await mail_hub.start()

    async def resynced():
        state = await mail_hub.store.mailboxes.get("support")
        return (
            state
            if state.uidvalidity != before.uidvalidity and state.last_uid >= 4 and not state.backlog
            else None
        )

    await eventually(resynced, within=20, what="the resync")
    client_id = (await stored(mail_hub.store, "<m0@client.example>")).client_id
    entries = await all_entries(mail_hub.store, client_id)
    assert sorted(e.provider_id for e in entries) == [f"<m{n}@client.example>" for n in range(4)]


async def test_a_connection_killed_mid_fetch_reconnects_and_loses_nothing(tmp_path, dovecot, smtp, proxy):
    from hub.store.sqlite import open_sqlite_store

    store = await open_sqlite_store(tmp_path / "hub.db")
    hub = MailHub(tmp_path, store, {"mailboxes": [mailbox_config(proxy.port, smtp[1])]})
    try:
        for n in range(30):
            dovecot.deliver("support", mail(n, body=f"mail {n}\n" + "x" * 2000))
        proxy.cut_after(20_000)  # in the middle of the first UID FETCH
        await hub.start()
        state = await hub.synced(last_uid=30, within=40)
        assert proxy.cuts == 1
        assert state.last_uid == 30
        client_id = (await stored(store, "<m0@client.example>")).client_id
        assert len(await all_entries(store, client_id)) == 30
    finally:
        await hub.stop()
        await store.close()


async def test_an_auto_reply_and_a_bounce_are_stored_but_reopen_nothing(mail_hub, dovecot, smtp):
    keeper, _port = smtp
    running = await mail_hub.start()
    await mail_hub.synced()
    dovecot.deliver("support", mail(1, subject="Question"))
    first = await arrived(mail_hub.store, "<m1@client.example>")
    headers = await running.login()
    async with running.http.post(
        f"{running.url}/api/v1/conversations/{first.conversation_id}/replies",
        json={"text": "Answer"},
        headers=headers,
    ) as response:
        reply_id = (await response.json())["id"]
    await eventually(lambda: _true(keeper.received), within=20, what="the reply")
    sent_id = email.message_from_bytes(keeper.received[0][2], policy=email.policy.default)["Message-ID"]
    await mail_hub.store.conversations.update(first.conversation_id, {"status": "resolved", "unread": 0})

    auto = mail(
        2,
        subject="Automatic reply: Re: Question",
        body="I am away until Monday.",
        auto_submitted="auto-replied",
        in_reply_to=sent_id,
    )
    dovecot.deliver("support", auto)
    entry = await arrived(mail_hub.store, "<m2@client.example>")
    assert entry.kind is EntryKind.system and entry.meta["automated"] == "Auto-Submitted: auto-replied"
    conversation = await mail_hub.store.conversations.get(entry.conversation_id)
    assert entry.conversation_id == first.conversation_id
    assert conversation.status is ConversationStatus.resolved and conversation.unread == 0

    dovecot.deliver("support", bounce_of(sent_id))
    report = await arrived(mail_hub.store, "<dsn1@mx.shop.example>")
    assert report.kind is EntryKind.system and report.conversation_id == first.conversation_id
    assert report.meta["bounce"]["status"] == "5.1.1"

    async def failed():
        entry = await mail_hub.store.timeline.get(reply_id)
        return entry if entry.delivery.status is DeliveryStatus.failed else None

    original = await eventually(failed, within=10, what="the reply marked failed")
    assert "5.1.1" in original.delivery.error
    conversation = await mail_hub.store.conversations.get(first.conversation_id)
    assert conversation.status is ConversationStatus.resolved and conversation.unread == 0


def bounce_of(message_id: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.shop.example>\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn1@mx.shop.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.shop.example\r\n\r\n"
        "Final-Recipient: rfc822; olga@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {SUPPORT}\r\nTo: olga@client.example\r\nSubject: Re: Question\r\nMessage-ID: {message_id}\r\n"
        "--B--\r\n"
    ).encode()


async def test_admins_see_the_mailbox_health_and_agents_do_not(mail_hub):
    running = await mail_hub.start()
    await mail_hub.synced()
    headers = await running.login()
    async with running.http.get(f"{running.url}/api/v1/channels/health", headers=headers) as response:
        assert response.status == 200
        body = await response.json()
    (box,) = body["email"]["mailboxes"]
    assert (box["name"], box["address"], box["connected"], box["mode"], box["backlog"]) == (
        "support",
        SUPPORT,
        True,
        "idle",
        0,
    )
    assert body["email"]["configured"] is True
    assert "imap-password" not in str(body)
    await running.hub.store.users.create(_agent())
    agent = await running.login("agent@example.com", "agent-password")
    async with running.http.get(f"{running.url}/api/v1/channels/health", headers=agent) as response:
        assert response.status == 403


def _agent():
    from hub.auth import hash_password
    from hub.domain import Role, User

    return User(
        email="agent@example.com",
        name="Agent",
        role=Role.agent,
        password_hash=hash_password("agent-password"),
    )
