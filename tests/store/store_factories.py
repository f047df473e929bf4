"""Small factories for the store contract tests (plain functions, no store access)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.domain import (
    Author,
    AuthorType,
    Client,
    Conversation,
    Delivery,
    DeliveryStatus,
    Direction,
    Identity,
    IdentityKind,
    TimelineEntry,
    User,
    new_id,
)
from hub.identities import make_identity

# A fixed, millisecond-aligned instant, so every datetime the tests build round-trips exactly.
T0 = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 shifted by a number of seconds (ms precision)."""
    return T0 + timedelta(milliseconds=round(seconds * 1000))


def phone(raw: str) -> Identity:
    return make_identity(IdentityKind.phone, raw)


def email(raw: str) -> Identity:
    return make_identity(IdentityKind.email, raw)


def telegram(raw: str | int) -> Identity:
    return make_identity(IdentityKind.telegram, raw)


def client(name: str = "", *identities: Identity, **kw: Any) -> Client:
    kw.setdefault("created_at", T0)
    kw.setdefault("updated_at", T0)
    return Client(name=name, identities=list(identities), **kw)


def conversation(
    client_id: str, channel: str = "telegram", thread_key: str | None = None, **kw: Any
) -> Conversation:
    kw.setdefault("created_at", T0)
    kw.setdefault("updated_at", T0)
    return Conversation(client_id=client_id, channel=channel, thread_key=thread_key or new_id(), **kw)


def entry(
    client_id: str,
    *,
    conversation_id: str | None = None,
    occurred_at: datetime | None = None,
    direction: Direction = Direction.inbound,
    channel: str = "telegram",
    text: str = "hello",
    **kw: Any,
) -> TimelineEntry:
    author = kw.pop("author", None) or (
        Author(type=AuthorType.client, id=client_id, name="Client")
        if direction is Direction.inbound
        else Author(type=AuthorType.user, id="u1", name="Agent")
    )
    occurred = occurred_at or T0
    kw.setdefault("created_at", occurred)
    return TimelineEntry(
        client_id=client_id,
        conversation_id=conversation_id,
        direction=direction,
        channel=channel,
        author=author,
        text=text,
        occurred_at=occurred,
        **kw,
    )


def outbound(client_id: str, *, delivery: Delivery | None = None, **kw: Any) -> TimelineEntry:
    """An outbound message waiting to be sent (queued, no lease) unless `delivery` says otherwise."""
    return entry(
        client_id,
        direction=Direction.outbound,
        delivery=delivery or Delivery(status=DeliveryStatus.queued, updated_at=T0),
        **kw,
    )


def user(email_: str, name: str = "Agent", **kw: Any) -> User:
    kw.setdefault("created_at", T0)
    return User(email=email_, name=name, **kw)


def ids(items: list[Any]) -> list[str]:
    return [item.id for item in items]
