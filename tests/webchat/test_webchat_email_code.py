"""A web chat visitor proves a pre-chat email by the code the hub mails to it (real aiosmtpd behind the hub's
mailbox): a wrong code is refused, the right one attaches the visitor's chat to the address's client, which the
agents then see as one client. Without a mailbox nothing is mailed and the email stays a merge suggestion."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import Iterator
from email import policy

import pytest
from support import SmtpKeeper, free_port, start_smtp

from hub.domain import Identity, IdentityKind
from hub.store.port import ConversationQuery

OWNER_EMAIL = "owner@example.org"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpKeeper, int]]:
    controller, keeper, port = start_smtp()
    try:
        yield keeper, port
    finally:
        controller.stop()


@pytest.fixture
def settings(settings, smtp):
    """The support mailbox: SMTP the local aiosmtpd, IMAP where nothing listens (its worker stays disconnected)."""
    mailbox = {
        "name": "support",
        "address": "support@shop.example",
        "display_name": "Shop support",
        "imap": {"host": "127.0.0.1", "port": free_port(), "security": "none", "user": "s", "password": "x"},
        "smtp": {"host": "127.0.0.1", "port": smtp[1], "security": "none"},
    }
    return settings.model_copy(update={"mailboxes": [mailbox]})


async def _owner(server, admin_headers) -> str:
    async with server.http.post(
        f"{server.url}/api/v1/inbound",
        headers=admin_headers,
        json={"external_id": "own-1", "sender": {"email": OWNER_EMAIL}, "text": "my private order 42"},
    ) as r:
        assert r.status == 201, await r.text()
        return (await r.json())["client_id"]


async def _texts_of(server, client_id: str) -> list[str]:
    texts = []
    for conversation in await server.hub.store.conversations.query(ConversationQuery(client_id=client_id)):
        texts += [
            e.text for e in await server.hub.store.timeline.conversation_page(conversation.id, limit=100)
        ]
    return texts


async def _mailed_code(keeper: SmtpKeeper, count: int, to: str) -> tuple[str, email.message.EmailMessage]:
    mail = email.message_from_bytes((await keeper.wait(count))[count - 1], policy=policy.default)
    assert mail["To"] == to
    assert "support@shop.example" in mail["From"]
    return re.search(r"\b(\d{6})\b", mail.get_content())[1], mail


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_the_right_mailed_code_attaches_the_visitors_chat_to_the_owner(
    server, visitor, admin_headers, smtp
):
    keeper, _port = smtp
    owner_id = await _owner(server, admin_headers)
    guest = await visitor()
    await guest.wait_for("session")
    first = await guest.say("where is my order?")
    ack = await guest.call("prechat", {"name": "Olga", "email": OWNER_EMAIL.upper(), "lang": "ru"})
    assert ack == {"ok": True, "verification": {"sent": True, "to": "o…@example.org", "expires_in": 600}}
    code, mail = await _mailed_code(keeper, 1, OWNER_EMAIL)
    assert mail["Subject"] == "Код подтверждения для чата"

    # until the code comes back, the email is only a merge suggestion
    mine = (await server.hub.store.timeline.get(first["entry_id"])).client_id
    assert mine != owner_id
    assert "where is my order?" not in await _texts_of(server, owner_id)
    assert (await server.hub.store.merges.for_pair(owner_id, mine)).status == "open"

    wrong = await guest.call("verify_email", {"code": _wrong(code)})
    assert (wrong["ok"], wrong["code"], wrong["attempts_left"]) == (False, "wrong_code", 4)
    assert "where is my order?" not in await _texts_of(server, owner_id)

    assert await guest.call("verify_email", {"code": code}) == {"ok": True}
    # the agents see one client: the owner's, with the visitor's chat on its timeline
    assert "where is my order?" in await _texts_of(server, owner_id)
    async with server.http.get(f"{server.url}/api/v1/clients/{mine}", headers=admin_headers) as r:
        assert r.status == 404
    assert (await server.hub.store.merges.for_pair(owner_id, mine)).status == "merged"
    # the visitor's chat goes on where it was (and shows nothing of the owner's other channels)
    assert [m["text"] for m in await guest.history()] == ["where is my order?"]
    later = await guest.say("thanks!")
    entry = await server.hub.store.timeline.get(later["entry_id"])
    before = await server.hub.store.timeline.get(first["entry_id"])
    assert (entry.client_id, entry.conversation_id) == (owner_id, before.conversation_id)
    # the code was single use
    assert (await guest.call("verify_email", {"code": code}))["code"] == "no_code"


async def test_an_address_nobody_has_gets_the_same_answer_and_stays_the_visitors(server, visitor, smtp):
    keeper, _port = smtp
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.call("prechat", {"email": "fresh@example.org"})
    assert ack == {"ok": True, "verification": {"sent": True, "to": "f…@example.org", "expires_in": 600}}
    code, mail = await _mailed_code(keeper, 1, "fresh@example.org")
    assert mail["Subject"] == "Your chat verification code"
    # proven before the first message: that message still brings it to the visitor's new client
    assert await guest.call("verify_email", {"code": code}) == {"ok": True}
    sent = await guest.say("hi")
    client = await server.hub.store.clients.get(
        (await server.hub.store.timeline.get(sent["entry_id"])).client_id
    )
    assert Identity(kind=IdentityKind.email, value="fresh@example.org") in client.identities


async def test_a_code_proven_before_the_first_message_brings_it_to_the_owner(
    server, visitor, admin_headers, smtp
):
    keeper, _port = smtp
    owner_id = await _owner(server, admin_headers)
    guest = await visitor()
    await guest.wait_for("session")
    assert (await guest.call("prechat", {"email": OWNER_EMAIL}))["verification"]["sent"] is True
    code, _mail = await _mailed_code(keeper, 1, OWNER_EMAIL)
    assert await guest.call("verify_email", {"code": code}) == {"ok": True}
    sent = await guest.say("hello again")
    assert (await server.hub.store.timeline.get(sent["entry_id"])).client_id == owner_id


async def test_five_wrong_codes_void_it_and_a_fourth_code_in_an_hour_is_not_mailed(
    server, visitor, admin_headers, smtp
):
    keeper, _port = smtp
    await _owner(server, admin_headers)
    guest = await visitor()
    await guest.wait_for("session")
    await guest.call("prechat", {"email": OWNER_EMAIL})
    code, _mail = await _mailed_code(keeper, 1, OWNER_EMAIL)
    answers = [(await guest.call("verify_email", {"code": _wrong(code)}))["code"] for _ in range(5)]
    assert answers == ["wrong_code"] * 4 + ["too_many_attempts"]
    assert (await guest.call("verify_email", {"code": code}))["code"] == "too_many_attempts"
    for n in (2, 3):
        assert (await guest.call("prechat", {"email": OWNER_EMAIL}))["verification"]["sent"] is True
        await _mailed_code(keeper, n, OWNER_EMAIL)
    assert (await guest.call("prechat", {"email": OWNER_EMAIL}))["verification"] == {
        "sent": False,
        "code": "rate_limited",
    }
    assert len(keeper.mails) == 3


async def test_without_a_mailbox_the_email_stays_a_merge_suggestion(server, visitor, admin_headers, smtp):
    server.hub.mailer = None  # what the composition root leaves without HUB_MAILBOXES
    owner_id = await _owner(server, admin_headers)
    guest = await visitor()
    await guest.wait_for("session")
    assert await guest.call("prechat", {"email": OWNER_EMAIL}) == {"ok": True}
    sent = await guest.say("where is my order?")
    mine = (await server.hub.store.timeline.get(sent["entry_id"])).client_id
    assert mine != owner_id
    assert (await server.hub.store.merges.for_pair(owner_id, mine)).status == "open"
    assert (await guest.call("verify_email", {"code": "123456"}))["code"] == "no_code"


async def test_a_slow_mail_server_still_gets_the_code_after_the_widget_was_answered(
    server, visitor, widget_ns, monkeypatch
):
    import connectors.webchat.namespace as namespace

    arrived: list[tuple[str, str]] = []
    release, sent = asyncio.Event(), asyncio.Event()

    class SlowMailer:
        async def send(self, to: str, subject: str, text: str) -> None:
            await release.wait()
            arrived.append((to, text))
            sent.set()

    server.hub.mailer = SlowMailer()
    monkeypatch.setattr(namespace, "CODE_MAIL_WAIT", 0.2)
    guest = await visitor()
    await guest.wait_for("session")
    ack = await guest.call("prechat", {"email": "slow@example.org"})
    assert ack["verification"] == {"sent": True, "to": "s…@example.org", "expires_in": 600}
    assert widget_ns._mailing  # the mail is still on its way
    release.set()
    await asyncio.wait_for(sent.wait(), 5)
    code = re.search(r"\b(\d{6})\b", arrived[0][1])[1]
    assert await guest.call("verify_email", {"code": code}) == {"ok": True}
