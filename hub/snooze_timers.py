"""Snoozed conversations wake at their time (`Conversation.snoozed_until`), exactly once across hub processes and
restarts: `hub.timers.LeasedTimer`, the design of the task reminders and SLA notices. It sleeps until the earliest
wake time (`ConversationRepo.next_wake_at`, an indexed query), is woken early by a ConversationUpdated in this
process that changed `snoozed_until` (a snooze set, moved or cancelled), re-reads the store at least every
`task_timer_max_sleep_seconds` (what another process snoozed), and `hub.actions.snooze.wake` claims each wake with
a lease. A process that was down at the time wakes it when it starts."""

from __future__ import annotations

from datetime import datetime

from hub.actions import snooze
from hub.context import Hub
from hub.domain import Conversation
from hub.events import ConversationUpdated
from hub.timers import LeasedTimer


class SnoozeTimers(LeasedTimer):
    what = "snooze wakes"

    def __init__(self, hub: Hub, *, lease_seconds: float = 30.0) -> None:
        super().__init__(hub, lease_seconds=lease_seconds)
        self.lease_seconds = lease_seconds
        hub.bus.subscribe(ConversationUpdated, self._conversation_updated)

    async def _conversation_updated(self, event: ConversationUpdated) -> None:
        if "snoozed_until" in event.changes:  # snoozed, moved or cancelled: the nearest wake may have changed
            self.wake()

    async def due(self, now: datetime) -> list[Conversation]:
        return await self.hub.store.conversations.due_wakes(now=now, limit=100)

    async def nearest(self, now: datetime) -> datetime | None:
        return await self.hub.store.conversations.next_wake_at(now=now)

    async def fire(self, item: Conversation) -> bool | None:
        return await snooze.wake(self.hub, item, lease_seconds=self.lease_seconds)
