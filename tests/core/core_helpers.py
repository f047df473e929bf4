"""Small helpers for the action tests: inbound messages, staff, a fake channel sender, a settable clock."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.actions import staff
from hub.actions.ingest import IngestResult, ingest
from hub.context import Hub
from hub.domain import Department, Identity, IdentityKind, Role, User
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.outbound import OutboundMessage

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)
_seq = itertools.count(1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(milliseconds=round(seconds * 1000))


def phone(raw: str) -> Identity:
    return make_identity(IdentityKind.phone, raw)


def email(raw: str) -> Identity:
    return make_identity(IdentityKind.email, raw)


def tg(user_id: int) -> Identity:
    return make_identity(IdentityKind.telegram, user_id)


def inbound(
    *identities: Identity,
    pid: str | None = None,
    channel: str = "telegram",
    thread_key: str = "chat-1",
    **kw: Any,
) -> InboundMessage:
    """An inbound message from `identities` (default: Telegram user 100)."""
    kw.setdefault("text", "hello")
    return InboundMessage(
        channel=channel,
        provider_message_id=pid or f"m{next(_seq)}",
        thread_key=thread_key,
        identities=identities or (tg(100),),
        **kw,
    )


async def receive(hub: Hub, *identities: Identity, **kw: Any) -> IngestResult:
    return await ingest(hub, inbound(*identities, **kw))


async def make_department(hub: Hub, name: str) -> Department:
    return await staff.create_department(hub, name)


async def make_user(
    hub: Hub,
    role: Role = Role.agent,
    *,
    departments: tuple[Department, ...] | list[Department] = (),
    name: str | None = None,
    email: str | None = None,
) -> User:
    n = next(_seq)
    return await staff.create_user(
        hub,
        email=email or f"{role.value}{n}@example.com",
        name=name or f"{role.value.title()} {n}",
        role=role,
        password="password-123",
        department_ids=[d.id for d in departments],
    )


class FakeSender:
    """Stands in for a connector: records what it is asked to send; `script` decides each call's outcome
    (an exception instance to raise, or a provider id to return); after the script it returns ids."""

    def __init__(
        self, channel: str = "telegram", script: list[Any] | None = None, delay: float = 0.0
    ) -> None:
        self.channel = channel
        self.script = list(script or [])
        self.delay = delay
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> str | None:
        self.sent.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        outcome = self.script.pop(0) if self.script else f"prov-{len(self.sent)}"
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class Clock:
    """A settable clock for `hub.clock`."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(milliseconds=round(seconds * 1000))
        return self.now


async def eventually(check: Callable[[], Any], *, within: float = 5.0, interval: float = 0.01) -> Any:
    """Await `check()` (sync or async) until it returns something truthy; fail after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


def recording_hub(store, settings, clock: Clock, *recorded: type) -> Hub:
    """A hub process on `store` (its own bus, the given clock) whose `recorded` keeps the events of these types:
    a timer test's worker."""
    from hub.auth import Tokens
    from hub.events import EventBus, EventRecorder

    hub = Hub(
        settings=settings, store=store, bus=EventBus(), tokens=Tokens(settings.secret_key, 3600), clock=clock
    )
    hub.recorded = EventRecorder()  # type: ignore[attr-defined]
    for event_type in recorded:
        hub.bus.subscribe(event_type, hub.recorded)
    return hub
