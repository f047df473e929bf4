"""Helpers of the SLA tests: the policies they use, a settable clock, hubs on one store, a customer message."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from support import SLA_TEST_POLICIES

from hub.actions.ingest import IngestResult, ingest
from hub.auth import Tokens
from hub.context import Hub
from hub.domain import IdentityKind
from hub.events import EventBus, EventRecorder, NotificationCreated
from hub.identities import make_identity
from hub.inbound import InboundMessage
from hub.sla import load_sla_text
from hub.sla_timers import SlaTimers

# Monday 3 March 2025, 10:00 UTC (the business hours below are UTC weekdays 09:00-18:00)
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
MINUTE = 60

POLICIES = SLA_TEST_POLICIES
CONFIG, _problems = load_sla_text(POLICIES, "test-sla.yaml")
assert CONFIG is not None, _problems


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


class ConnectedTelegram:
    """The customers' channel is connected (an agent's reply to an unconnected one is refused); no worker runs."""

    channel = "telegram"

    async def send(self, message) -> None:
        return None


def make_hub(store, settings, clock: Clock) -> Hub:
    """A hub process on `store` with the SLA listeners (its timer is not started: tests call run_due)."""
    hub = Hub(
        settings=settings, store=store, bus=EventBus(), tokens=Tokens(settings.secret_key, 3600), clock=clock
    )
    hub.channels.register(ConnectedTelegram())
    hub.sla = CONFIG
    hub.recorded = EventRecorder()  # type: ignore[attr-defined]
    hub.bus.subscribe(NotificationCreated, hub.recorded)
    hub.timers = SlaTimers(hub).listen()  # type: ignore[attr-defined]
    return hub


_ids = itertools.count(1)


async def customer_writes(hub: Hub, *, user: int = 100, text: str = "hello", **kw) -> IngestResult:
    return await ingest(
        hub,
        InboundMessage(
            channel="telegram",
            provider_message_id=f"sla-{next(_ids)}",
            thread_key=f"chat-{user}",
            identities=(make_identity(IdentityKind.telegram, user),),
            text=text,
            **kw,
        ),
    )


async def kinds_for(store, user_id: str) -> list[str]:
    return [n.kind for n in reversed(await store.notifications.page(user_id, limit=100))]
