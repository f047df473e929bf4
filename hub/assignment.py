"""The assignment engine: listens to the bus and hands conversations to agents (hub.actions.assignment writes).

- A conversation enters a department (ConversationCreated / ConversationUpdated: a rule, a bot hand-off, a
  person's re-route, an unassign, a reopen): hand it out by the department's policy, else queue it.
- An agent frees up (resolves, is unassigned, re-assigned away, comes online, gets more capacity or a
  department): hand out their departments' queues.
- People's changes move the load counters (ConversationAssigned, the engine's own, has counted already).
- An agent who replies to an unassigned conversation takes it (HUB_ASSIGN_ON_REPLY); replying accepts an offer;
  an offer nobody accepts in time moves on (a timer on the nearest due offer, claimed with a lease).

Who is online: Presence events (the realtime layer publishes them) are written to a presence book (hub.presence:
this process's memory, or Redis shared by every process with HUB_REDIS_URL); an offline agent gets nothing. The
load counters are recounted from the conversations at start-up and every RECOUNT_EVERY seconds (two looks
RECOUNT_SETTLE apart, see hub.actions.assignment). Wired in by hub.app with one line
(`AssignmentEngine(hub).attach()`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hub import access
from hub.actions import assignment as actions
from hub.context import Hub
from hub.domain import AuthorType, Direction
from hub.events import (
    ConversationAssigned,
    ConversationCreated,
    ConversationUpdated,
    EntryAdded,
    Presence,
    StaffChanged,
)
from hub.presence import PresenceBook, presence_book

log = logging.getLogger(__name__)

MAX_SLEEP = 15.0
RECOUNT_EVERY = 60.0
RECOUNT_SETTLE = 2.0


class AssignmentEngine:
    def __init__(self, hub: Hub, presence: PresenceBook | None = None) -> None:
        self.hub = hub
        self.presence = presence if presence is not None else presence_book(hub.settings.redis_url)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._recount_task: asyncio.Task[None] | None = None

    def attach(self) -> AssignmentEngine:
        bus = self.hub.bus
        bus.subscribe(ConversationCreated, self.on_created)
        bus.subscribe(ConversationUpdated, self.on_updated)
        bus.subscribe(EntryAdded, self.on_entry)
        bus.subscribe(Presence, self.on_presence)
        bus.subscribe(StaffChanged, self.on_staff)
        return self

    # --- events ---------------------------------------------------------------------------------------------------

    async def on_created(self, event: ConversationCreated) -> None:
        if actions.wants_agent(event.conversation):
            await self._hand_out(event.conversation.id)

    async def on_updated(self, event: ConversationUpdated) -> None:
        after = event.conversation
        if isinstance(event, ConversationAssigned):
            if after.assignee_id is not None:
                self._wake.set()  # an offer may have started
            return
        keys = set(event.changes)
        if not keys & {"assignee_id", "status", "department_id", "handler"}:
            return
        before = after.model_copy(update={k: old for k, (old, _new) in event.changes.items()})
        was, now = actions.counts_for(before), actions.counts_for(after)
        freed: list[str] = []
        if was != now:
            if was is not None:
                await self.hub.store.assignment.add_load(was, -1)
                freed.append(was)
            if now is not None:
                await self.hub.store.assignment.add_load(now, 1)
        if before.assignee_id is not None and before.assignee_id != after.assignee_id:
            await self.hub.store.assignment.drop_offer(after.id)
        if actions.wants_agent(after):
            exclude = [before.assignee_id] if before.assignee_id and after.assignee_id is None else []
            await self._hand_out(after.id, exclude=exclude)
        else:
            await self.hub.store.assignment.dequeue(after.id)
        for user_id in freed:
            await self._freed(user_id)

    async def on_entry(self, event: EntryAdded) -> None:
        entry, conversation = event.entry, event.conversation
        if (
            conversation is None
            or entry.direction is not Direction.outbound
            or entry.author.type is not AuthorType.user
        ):
            return
        if conversation.assignee_id == entry.author.id:
            await self.hub.store.assignment.drop_offer(conversation.id)  # they answered: accepted
        elif conversation.assignee_id is None and self.hub.settings.assign_on_reply and entry.author.id:
            user = await self.hub.store.users.get(entry.author.id)
            if user is not None:
                await actions.take_on_reply(self.hub, conversation, user)

    async def on_presence(self, event: Presence) -> None:
        try:
            await self.presence.set(event.user_id, event.online)
        except Exception:
            log.exception(
                "could not record that %s is %s", event.user_id, "on" if event.online else "offline"
            )
        if event.online:
            await self._freed(event.user_id)

    async def on_staff(self, event: StaffChanged) -> None:
        before, user = event.before, event.user
        if before is None or user.id not in await self._online():
            return
        if not user.active:
            return  # hand-outs pass over inactive users; their sockets are disconnected, which ends presence
        grew = (
            before.capacity is not None and (user.capacity is None or user.capacity > before.capacity)
        ) or set(user.department_ids) - set(before.department_ids)
        if grew:
            await self._freed(user.id)

    # --- work -----------------------------------------------------------------------------------------------------

    async def _online(self) -> set[str]:
        return await self.presence.online()

    async def _hand_out(self, conversation_id: str, *, exclude: list[str] | None = None) -> None:
        try:
            await actions.hand_out(self.hub, conversation_id, await self._online(), exclude=exclude or ())
        except Exception:
            log.exception("could not hand out conversation %s", conversation_id)

    async def _freed(self, user_id: str) -> None:
        """Someone may take more: hand out the queues of their departments."""
        user = await self.hub.store.users.get(user_id)
        online = await self._online()
        if user is None or user.id not in online:
            return
        for department_id in user.department_ids:
            try:
                await actions.drain(self.hub, department_id, online)
            except Exception:
                log.exception("could not hand out the queue of department %s", department_id)

    async def expire_offers(self) -> int:
        """Move on the offers that are due (each claimed with a lease: one process moves it, once)."""
        store = self.hub.store
        moved = 0
        for offer in await store.assignment.due_offers(now=self.hub.clock()):
            now = self.hub.clock()
            claimed = await store.assignment.claim_offer(
                offer.conversation_id, now=now, lease_until=now + actions.OFFER_LEASE
            )
            if claimed is not None and await actions.expire_offer(self.hub, claimed, await self._online()):
                moved += 1
        return moved

    # --- the offer timer ------------------------------------------------------------------------------------------

    # --- the load recount -----------------------------------------------------------------------------------------

    async def look_at_loads(self) -> actions.LoadLook:
        """The first look of a recount: every active staff member's counter and conversations counted."""
        users = await self.hub.directory.active_users(self.hub.store)
        return await actions.look_at_loads(self.hub, [u.id for u in users if access.is_staff(u)])

    async def recount_loads(self, earlier: actions.LoadLook | None = None) -> list[str]:
        """Correct the counters that drifted (after a crash between two writes) and did not move since `earlier`
        (taken now when not given); whoever got capacity back is handed their departments' queues."""
        corrected = await actions.correct_loads(self.hub, earlier or await self.look_at_loads())
        for user_id in corrected:
            await self._freed(user_id)
        return corrected

    async def _recount(self) -> None:
        while True:
            try:
                earlier = await self.look_at_loads()
                await asyncio.sleep(RECOUNT_SETTLE)
                await self.recount_loads(earlier)
            except Exception:
                log.exception("the load recount failed; trying again")
            await asyncio.sleep(RECOUNT_EVERY)

    async def start(self) -> None:
        await self.presence.start()
        self._task = asyncio.create_task(self._run(), name="assignment-offers")
        self._recount_task = asyncio.create_task(self._recount(), name="assignment-recount")

    async def stop(self) -> None:
        for task in (self._task, self._recount_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._recount_task = None
        await self.presence.stop()

    async def _run(self) -> None:
        while True:
            try:
                await self.expire_offers()
                nearest = await self.hub.store.assignment.next_offer_at()
            except Exception:
                log.exception("the offer timer failed; trying again")
                nearest = None
            delay = MAX_SLEEP
            if nearest is not None:
                delay = min(MAX_SLEEP, max(0.05, (nearest - self.hub.clock()).total_seconds()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
