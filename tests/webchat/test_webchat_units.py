"""Pieces of the web chat connector without a server: visitor tokens, the rate limiter, what a visitor sees."""

from __future__ import annotations

from datetime import UTC, datetime

from itsdangerous import URLSafeTimedSerializer

from connectors.webchat.limits import RateLimiter
from connectors.webchat.outbound import WebchatSender
from connectors.webchat.visitors import (
    TOKEN_SALT,
    Visitor,
    VisitorTokens,
    new_visitor,
    visitor_entry_json,
    visitor_of_thread,
)
from hub.domain import (
    Author,
    AuthorType,
    Client,
    Conversation,
    Delivery,
    Direction,
    EntryKind,
    TimelineEntry,
)
from hub.outbound import Button, OutboundMessage, buttons_meta

SECRET = "unit-test-secret-" + "z" * 32


def test_a_visitor_token_round_trips_with_the_prechat_answers():
    tokens = VisitorTokens(SECRET)
    visitor = Visitor(new_visitor().id, "Maria", "maria@example.org")
    assert tokens.verify(tokens.issue(visitor)) == visitor
    plain = new_visitor()
    assert tokens.verify(tokens.issue(plain)) == plain
    assert plain.id != new_visitor().id


def test_forged_foreign_expired_and_malformed_tokens_are_rejected():
    tokens = VisitorTokens(SECRET)
    good = tokens.issue(new_visitor())
    # one character in the middle of the signature (the last one may only carry padding bits)
    i = len(good) - 10
    assert tokens.verify(good[:i] + ("x" if good[i] != "x" else "y") + good[i + 1 :]) is None
    assert VisitorTokens("another-secret-" + "q" * 32).verify(good) is None
    assert tokens.verify(URLSafeTimedSerializer(SECRET, salt="hub.user").dumps({"v": "v" + "a" * 24})) is None
    assert VisitorTokens(SECRET, max_age=-1).verify(good) is None
    signer = URLSafeTimedSerializer(SECRET, salt=TOKEN_SALT)
    for payload in ({"v": "../../etc"}, {"v": 42}, ["v", "abcdefgh"], {"v": "abcdefgh", "n": 5}):
        assert tokens.verify(signer.dumps(payload)) is None
    for junk in ("", None, 42, "x" * 3000):
        assert tokens.verify(junk) is None  # type: ignore[arg-type]


def test_the_rate_limiter_is_a_token_bucket_per_key():
    now = [0.0]
    limiter = RateLimiter(3, 3.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another key has its own bucket
    now[0] += 1.0  # one token back
    assert limiter.allow("a") and not limiter.allow("a")
    now[0] += 100.0  # never more than the capacity
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_the_rate_limiter_forgets_the_least_recently_used_keys():
    limiter = RateLimiter(1, 60.0, max_keys=2, clock=lambda: 0.0)
    assert limiter.allow("a") and limiter.allow("b")
    assert not limiter.allow("a")  # "a" is now the most recently used
    assert limiter.allow("c")  # evicts "b"
    assert len(limiter) == 2
    assert limiter.allow("b")  # forgotten: a fresh bucket
    assert not limiter.allow("c")


def _entry(**overrides) -> TimelineEntry:
    values = dict(
        client_id="c" * 24,
        conversation_id="d" * 24,
        direction=Direction.outbound,
        channel="webchat",
        author=Author(type=AuthorType.user, id="u" * 24, name="Anna"),
        text="Hello",
        delivery=Delivery(),
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        meta={"secret": "internal", **buttons_meta([[Button(id="yes", text="Yes")]])},
        mentions=["u" * 24],
    )
    values.update(overrides)
    return TimelineEntry(**values)


def test_a_visitor_sees_no_internal_fields():
    shown = visitor_entry_json(_entry())
    assert shown == {
        "id": shown["id"],
        "text": "Hello",
        "author": {"type": "user", "name": "Anna"},
        "occurred_at": "2026-01-02T03:04:05Z",
        "buttons": [[{"id": "yes", "text": "Yes"}]],
        "client_msg_id": None,
        "lang": None,
    }
    # the language a bot reply is in (the widget's labels follow it), and nothing else of its meta
    said = visitor_entry_json(_entry(meta={"language": "ru", "bot": {"flow": "default"}}))
    assert said["lang"] == "ru" and "bot" not in said
    own = visitor_entry_json(
        _entry(
            direction=Direction.inbound,
            provider_id="v123456789:abc",
            delivery=None,
            author=Author(type=AuthorType.client, id="c" * 24, name="Maria"),
        )
    )
    assert own["client_msg_id"] == "abc"
    assert visitor_entry_json(_entry(direction=Direction.inbound, meta={"language": "ru"}))["lang"] is None


class FakeSio:
    def __init__(self) -> None:
        self.emitted: list[tuple] = []

    async def emit(self, event, data, to=None, namespace=None):
        self.emitted.append((event, data, to, namespace))


async def test_the_sender_emits_to_the_visitor_room_and_never_sends_a_note():
    sio = FakeSio()
    sender = WebchatSender(sio)  # type: ignore[arg-type]
    conversation = Conversation(
        client_id="c" * 24, channel="webchat", thread_key="vabcdef123#merged:" + "e" * 24
    )
    client = Client(id="c" * 24)
    assert await sender.send(OutboundMessage(_entry(), conversation, client)) is None
    assert sio.emitted[0][0] == "message"
    assert sio.emitted[0][2:] == ("visitor:vabcdef123", "/widget")
    note = _entry(kind=EntryKind.note, direction=Direction.internal, delivery=None)
    await sender.send(OutboundMessage(note, conversation, client))
    assert len(sio.emitted) == 1


def test_a_merged_thread_key_still_names_its_visitor():
    assert visitor_of_thread("vabc12345") == "vabc12345"
    assert visitor_of_thread("vabc12345#merged:" + "f" * 24) == "vabc12345"
