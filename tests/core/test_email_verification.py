"""Action tests for hub.actions.email_verification: one-time codes that prove a pre-chat email (mailed once, only
an HMAC stored, single use, 10 minutes, 5 tries, 3 codes an hour per visitor and per address) and what a right
code does (the visitor becomes part of the address's client)."""

from __future__ import annotations

import asyncio
import re

import pytest
from core_helpers import Clock, email, receive

from hub.actions import email_verification as ev
from hub.domain import Identity, IdentityKind
from hub.mailer import MailerError


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.fail = False

    async def send(self, to: str, subject: str, text: str) -> None:
        if self.fail:
            raise MailerError("unreachable")
        self.sent.append((to, subject, text))

    def last_code(self) -> str:
        return re.search(r"\b(\d{6})\b", self.sent[-1][2])[1]


@pytest.fixture
def outbox(hub) -> Outbox:
    box = Outbox()
    hub.mailer = box
    hub.clock = Clock()
    return box


def webchat(visitor_id: str) -> Identity:
    return Identity(kind=IdentityKind.webchat, value=visitor_id)


async def test_a_code_is_mailed_in_the_visitors_language_and_only_its_hmac_is_stored(hub, outbox):
    offer = await ev.offer_code(hub, "v-ann", "ann@example.com", language="ru")
    assert offer == ev.Offer("sent", "a…@example.com", 600)
    (to, subject, text) = outbox.sent[0]
    assert to == "ann@example.com" and subject == "Код подтверждения для чата"
    code = outbox.last_code()
    stored = await hub.store.email_codes.latest("v-ann")
    assert code not in stored.model_dump_json()
    assert len(stored.code_hash) == 64 and stored.attempts == 0
    await ev.offer_code(hub, "v-bob", "bob@example.com", language="xx")  # unknown: the hub's language
    assert outbox.sent[-1][1] == "Your chat verification code"


async def test_the_right_code_works_once(hub, outbox):
    await ev.offer_code(hub, "v1", "ann@example.com")
    code = outbox.last_code()
    assert await ev.check_code(hub, "v1", f" {code[:3]} {code[3:]} ") == ev.Check(
        "ok", address="ann@example.com"
    )
    assert (await ev.check_code(hub, "v1", code)).status == "none"
    # another visitor cannot use it either
    assert (await ev.check_code(hub, "v2", code)).status == "none"


async def test_five_tries_then_the_code_is_void_even_when_right(hub, outbox):
    await ev.offer_code(hub, "v1", "ann@example.com")
    code = outbox.last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [await ev.check_code(hub, "v1", wrong) for _ in range(5)]
    assert [(a.status, a.attempts_left) for a in answers] == [
        ("wrong", 4),
        ("wrong", 3),
        ("wrong", 2),
        ("wrong", 1),
        ("too_many", 0),
    ]
    assert (await ev.check_code(hub, "v1", code)).status == "too_many"
    # malformed input takes no try
    assert (await ev.check_code(hub, "v1", "12ab56")).status == "invalid"


async def test_a_code_expires_after_ten_minutes(hub, outbox):
    await ev.offer_code(hub, "v1", "ann@example.com")
    code = outbox.last_code()
    hub.clock.advance(10 * 60)
    assert (await ev.check_code(hub, "v1", code)).status == "expired"


async def test_a_newer_code_replaces_the_older(hub, outbox):
    await ev.offer_code(hub, "v1", "ann@example.com")
    first = outbox.last_code()
    hub.clock.advance(1)
    await ev.offer_code(hub, "v1", "ann@example.com")
    second = outbox.last_code()
    if first != second:
        assert (await ev.check_code(hub, "v1", first)).status == "wrong"
    assert (await ev.check_code(hub, "v1", second)).status == "ok"


async def test_three_codes_an_hour_per_visitor_and_per_address(hub, outbox):
    for i in range(3):
        assert (await ev.offer_code(hub, "v1", f"a{i}@example.com")).status == "sent"
    assert (await ev.offer_code(hub, "v1", "a9@example.com")).status == "rate_limited"
    # per address, whoever asks
    for i in range(3):
        assert (await ev.offer_code(hub, f"w{i}", "target@example.com")).status == "sent"
    assert (await ev.offer_code(hub, "w9", "target@example.com")).status == "rate_limited"
    assert len(outbox.sent) == 6
    hub.clock.advance(3601)
    assert (await ev.offer_code(hub, "v1", "a9@example.com")).status == "sent"
    assert (await ev.offer_code(hub, "w9", "target@example.com")).status == "sent"


async def test_concurrent_requests_never_mail_more_than_the_limit(hub, outbox):
    offers = await asyncio.gather(*(ev.offer_code(hub, f"v{i}", "target@example.com") for i in range(10)))
    assert [o.status for o in offers].count("sent") == 3
    assert len(outbox.sent) == 3
    assert await hub.store.email_codes.count_since(since=hub.clock(), address="target@example.com") == 3


async def test_without_a_mailer_or_when_mail_fails_nothing_is_offered(hub, outbox):
    outbox.fail = True
    assert (await ev.offer_code(hub, "v1", "ann@example.com")).status == "unavailable"
    hub.mailer = None
    assert (await ev.offer_code(hub, "v1", "ann@example.com")).status == "unavailable"


async def test_attaching_a_visitor_who_wrote_merges_their_client_into_the_owner(hub):
    owner = (await receive(hub, email("ann@example.com"), channel="email")).entry.client_id
    visit = await receive(hub, webchat("v1"), channel="webchat", thread_key="v1", text="where is my order?")
    assert visit.entry.client_id != owner
    assert await ev.attach_visitor(hub, webchat("v1"), "ann@example.com") == owner
    assert await hub.store.clients.get(visit.entry.client_id) is None
    moved = await hub.store.timeline.get(visit.entry.id)
    assert moved.client_id == owner
    conversation = await hub.store.conversations.get(visit.entry.conversation_id)
    assert conversation.client_id == owner
    # the next message of the visitor lands there too
    again = await receive(hub, webchat("v1"), channel="webchat", thread_key="v1", text="still there?")
    assert (again.entry.client_id, again.entry.conversation_id) == (owner, visit.entry.conversation_id)


async def test_attaching_a_visitor_without_a_client_and_an_address_nobody_has(hub):
    owner = (await receive(hub, email("ann@example.com"), channel="email")).entry.client_id
    assert await ev.attach_visitor(hub, webchat("v2"), "ann@example.com") == owner
    first = await receive(hub, webchat("v2"), channel="webchat", thread_key="v2")
    assert first.entry.client_id == owner
    # nobody has the address: it becomes the visitor's own
    mine = (await receive(hub, webchat("v3"), channel="webchat", thread_key="v3")).entry.client_id
    assert await ev.attach_visitor(hub, webchat("v3"), "new@example.com") == mine
    client = await hub.store.clients.get(mine)
    assert email("new@example.com") in client.identities
