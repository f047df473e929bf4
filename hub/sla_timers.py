"""SLA clocks follow the conversations, and their warnings and breach notices go out on time.

The listeners (on the bus; the actions that changed a conversation know nothing of SLA) call `hub.actions.sla`:
a customer message starts a clock (or restarts resolution on a resolved one), the first reply of a person of the
staff meets the first-response target (a bot's answer or a note does not), resolving meets the resolution target,
reopening restarts it, a change of department or priority moves the due times. Snoozed or pending (the customer's
turn) pauses it: no due times and no notices until it is open again, when each running target is extended by the
open time the pause lasted.

The timer is `hub.timers.LeasedTimer`, the design of the task reminders: it sleeps until the earliest pending notice
(`SlaRepo.next_notice_at`), is woken by `SlaChanged` in this process, claims a notice with a lease and records it
conditionally, so each warning and breach goes out once across processes and restarts.
"""

from __future__ import annotations

from datetime import datetime

from hub.actions import sla as sla_actions
from hub.context import Hub
from hub.domain import AuthorType, ConversationStatus, Direction, EntryKind
from hub.domain_sla import SlaClock
from hub.events import ConversationUpdated, EntryAdded, SlaChanged
from hub.timers import LeasedTimer

_REOPENED_FROM = {ConversationStatus.resolved.value, ConversationStatus.resolved}
# the customer's turn: the clock is paused while a conversation is in one of these
_PAUSED = {ConversationStatus.snoozed, ConversationStatus.pending, "snoozed", "pending"}


class SlaTimers(LeasedTimer):
    what = "SLA notices"

    def __init__(self, hub: Hub, *, lease_seconds: float = 30.0) -> None:
        super().__init__(hub, lease_seconds=lease_seconds)
        self.lease_seconds = lease_seconds
        hub.bus.subscribe(SlaChanged, self._on_change)

    def listen(self) -> SlaTimers:
        """Subscribe the clocks to the conversations' events (one process's bus: each event is handled once)."""
        self.hub.bus.subscribe(EntryAdded, self._entry_added)
        self.hub.bus.subscribe(ConversationUpdated, self._conversation_updated)
        return self

    async def _entry_added(self, event: EntryAdded) -> None:
        entry, conversation = event.entry, event.conversation
        if conversation is None or entry.kind is not EntryKind.message or not sla_actions.enabled(self.hub):
            return
        if entry.direction is Direction.inbound and entry.author.type is AuthorType.client:
            await sla_actions.customer_message(self.hub, conversation)
        elif entry.direction is Direction.outbound and entry.author.type is AuthorType.user:
            await sla_actions.agent_replied(self.hub, conversation)

    async def _conversation_updated(self, event: ConversationUpdated) -> None:
        if not sla_actions.enabled(self.hub):
            return
        conversation, changes = event.conversation, event.changes
        if "status" in changes:
            old, new = changes["status"]
            if new in (ConversationStatus.resolved, ConversationStatus.resolved.value):
                await sla_actions.resolved(self.hub, conversation)
                return
            if old in _REOPENED_FROM:
                await sla_actions.reopened(self.hub, conversation)
            if new in _PAUSED:
                await sla_actions.paused(self.hub, conversation)
            elif old in _PAUSED:
                await sla_actions.resumed(self.hub, conversation)
        if "department_id" in changes or "priority" in changes:
            await sla_actions.follow(self.hub, conversation)

    async def due(self, now: datetime) -> list[SlaClock]:
        return await self.hub.store.sla.due_notices(now=now, limit=100)

    async def nearest(self, now: datetime) -> datetime | None:
        return await self.hub.store.sla.next_notice_at(now=now)

    async def fire(self, clock: SlaClock) -> bool | None:
        return await sla_actions.send_notice(self.hub, clock, lease_seconds=self.lease_seconds)
