"""One listener per concern: each turns a typed hub event into Socket.IO emits to the users who may see it.

Recipients are decided when the event is sent (Zulip's `send_event`): the access policy is asked about the
active users of the directory at that moment, so a user who lost a department a second ago is simply not on the
next list, and a socket whose token was revoked sits in a room (`user:<id>:<token version>`) nobody emits to."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import socketio

from hub import access, relay
from hub.context import Hub
from hub.domain import Client, Conversation, TimelineEntry, User
from hub.events import (
    ClientsMerged,
    ClientUpdated,
    ConversationCreated,
    ConversationRead,
    ConversationUpdated,
    DeliveryChanged,
    EntriesMoved,
    EntryAdded,
    EntryEdited,
    MergeSuggested,
    Presence,
    SlaChanged,
    StaffChanged,
    Typing,
)
from hub.queries import clients as client_queries
from hub.queries import conversations as conversation_queries
from hub.queries import sla as sla_queries
from hub.queries import staff as staff_queries
from hub.representations import (
    client_json,
    conversation_json,
    entry_json,
    merge_json,
    user_json,
)
from realtime.lanes import local_only
from realtime.rooms import AGENT_NS, STAFF, room_of, rooms_of, user_room

log = logging.getLogger(__name__)


class AgentListeners:
    def __init__(self, hub: Hub, sio: socketio.AsyncServer) -> None:
        self.hub = hub
        self.sio = sio

    def subscribe(self, bus: Any = None) -> None:
        """On the hub's bus, inline; or through `bus` (realtime.dispatch.DispatchingBus: off the publisher's path, in
        publication order per conversation)."""
        bus = bus or self.hub.bus
        bus.subscribe(EntryAdded, self.entry_added)
        bus.subscribe(EntryEdited, self.entry_changed)
        bus.subscribe(DeliveryChanged, self.entry_changed)
        bus.subscribe(ConversationCreated, self.conversation_created)
        bus.subscribe(EntriesMoved, self.entries_moved)
        bus.subscribe(ConversationUpdated, self.conversation_updated)
        bus.subscribe(ConversationRead, self.conversation_read)
        bus.subscribe(SlaChanged, self.sla_changed)
        bus.subscribe(Typing, self.typing)
        bus.subscribe(Presence, self.presence)
        bus.subscribe(ClientUpdated, self.client_updated)
        bus.subscribe(ClientsMerged, self.clients_merged)
        bus.subscribe(MergeSuggested, self.merge_suggested)
        bus.subscribe(StaffChanged, self.staff_changed)

    async def emit(self, event: str, data: object, rooms: list[str]) -> None:
        if rooms:  # a lane's event (realtime.lanes) runs in every process: each emits to its own sockets
            await self.sio.emit(event, data, to=rooms, namespace=AGENT_NS, ignore_queue=local_only.get())

    async def _staff(self) -> list[User]:
        return [u for u in await staff_queries.active_users(self.hub) if access.is_staff(u)]

    async def _conversation_viewers(self, conversation: Conversation) -> list[User]:
        return access.conversation_viewers(await self._staff(), conversation, None)

    async def _client_viewers(self, client: Client) -> list[User]:
        return await access.client_viewers(self.hub, await self._staff(), client)

    # --- timeline -------------------------------------------------------------------------------------------------

    async def _entry_viewers(self, entry: TimelineEntry, conversation: Conversation | None) -> list[User]:
        if conversation is not None:  # staff see a conversation's entries with the conversation
            return await self._conversation_viewers(conversation)
        client = await client_queries.find(self.hub, entry.client_id)
        return await access.entry_viewers(self.hub, await self._staff(), entry, client, None)

    def nobody_here(self) -> bool:
        """No agent socket is connected to this process. Every emit of these listeners goes to this process's own
        sockets (one process; with Redis each process runs them for its own: realtime.lanes), so then there is
        nobody to work out recipients, unread counts and payloads for (issue #13: an ingest with no agent online).
        Without Redis their events are not even queued then (`DispatchingBus(skip=...)`): a socket that connects
        later loads what it shows after its connect, and gets the pushes from then on."""
        return not self.sio.manager.rooms.get(AGENT_NS, {}).get(None)

    async def entry_added(self, event: EntryAdded) -> None:
        if self.nobody_here():
            return
        entry, conversation = event.entry, event.conversation
        viewers = await self._entry_viewers(entry, conversation)
        if conversation is None:
            await self.emit(
                "timeline:new", {"entry": entry_json(entry), "conversation": None}, rooms_of(viewers)
            )
            return
        data = entry_json(entry)
        await self._per_reader(
            "timeline:new",
            conversation,
            viewers,
            lambda c: {"entry": data, "conversation": conversation_json(c)},
        )

    async def _per_reader(
        self,
        event: str,
        conversation: Conversation,
        viewers: list[User],
        payload: Callable[[Conversation], dict[str, Any]],
    ) -> None:
        """Emit with each recipient's own unread count (one query for the read markers of all of them; one emit
        per distinct count)."""
        unread = await conversation_queries.unread_by_user(self.hub, conversation, viewers)
        groups: dict[int, list[User]] = {}
        for user in viewers:
            groups.setdefault(unread[user.id], []).append(user)
        sla = await sla_queries.of_conversation(self.hub, access.SYSTEM, conversation) if viewers else None
        for count, users in groups.items():
            data = payload(conversation.model_copy(update={"unread": count}))
            if isinstance(data.get("conversation"), dict):
                data["conversation"]["sla"] = sla  # viewers are staff: the same clock for all of them
            await self.emit(event, data, rooms_of(users))

    async def conversation_read(self, event: ConversationRead) -> None:
        current = {u.id: u for u in await self._staff()}.get(event.user_id)
        if current is None or not access.can_view_conversation(current, event.conversation):
            return
        await self.emit(
            "conversation:updated",
            {
                "conversation": conversation_json(
                    event.conversation,
                    await sla_queries.of_conversation(self.hub, current, event.conversation),
                ),
                "changes": ["unread"],
                "actor_id": current.id,
            },
            [room_of(current)],
        )

    async def entry_changed(self, event: EntryEdited | DeliveryChanged) -> None:
        entry = event.entry
        conversation = (
            await conversation_queries.find(self.hub, entry.conversation_id)
            if entry.conversation_id
            else None
        )
        viewers = await self._entry_viewers(entry, conversation)
        await self.emit("timeline:updated", {"entry": entry_json(entry)}, rooms_of(viewers))

    async def entries_moved(self, event: EntriesMoved) -> None:
        """`timeline:moved`: those who see the target get the entries; those who saw them only in the source learn
        their ids left it (no content). Then `conversation:updated` with both rows (previews recomputed)."""
        target, source = event.conversation, event.source
        staff = await self._staff()
        viewers = access.conversation_viewers(staff, target, None)
        ids = [e.id for e in event.entries]
        base = {"conversation_id": target.id, "from_conversation_id": source.id, "entry_ids": ids}
        entries = [entry_json(e) for e in event.entries]
        await self.emit("timeline:moved", {**base, "entries": entries}, rooms_of(viewers))
        now = {u.id for u in viewers}
        lost = [u for u in access.conversation_viewers(staff, source, None) if u.id not in now]
        await self.emit("timeline:moved", {**base, "entries": []}, rooms_of(lost))
        for conversation, readers in (
            (target, viewers),
            (source, access.conversation_viewers(staff, source, None)),
        ):
            # both rows as recomputed: the source's preview without the entries, the target's with them
            await self._per_reader(
                "conversation:updated",
                conversation,
                readers,
                lambda c: {
                    "conversation": conversation_json(c),
                    "changes": ["moved"],
                    "actor_id": event.actor_id,
                },
            )

    # --- conversations --------------------------------------------------------------------------------------------

    async def conversation_created(self, event: ConversationCreated) -> None:
        if event.first_entry_follows:
            return  # the timeline:new right behind it (same lane) carries the conversation: one frame, not two
        await self._per_reader(
            "conversation:updated",
            event.conversation,
            await self._conversation_viewers(event.conversation),
            lambda c: {"conversation": conversation_json(c), "changes": ["created"]},
        )

    async def conversation_updated(self, event: ConversationUpdated) -> None:
        conversation = event.conversation
        staff = await self._staff()
        viewers = access.conversation_viewers(staff, conversation, None)
        await self._per_reader(
            "conversation:updated",
            conversation,
            viewers,
            lambda c: {
                "conversation": conversation_json(c),
                "changes": sorted(event.changes),
                "actor_id": event.actor_id,
            },
        )
        moved = {k: old for k, (old, _new) in event.changes.items() if k in ("department_id", "assignee_id")}
        if moved:
            # those who saw it before a re-route or re-assignment learn that it left them (without its content)
            before = conversation.model_copy(update=moved)
            now = {u.id for u in viewers}
            lost = [u for u in access.conversation_viewers(staff, before, None) if u.id not in now]
            await self.emit("conversation:removed", {"conversation_id": conversation.id}, rooms_of(lost))

    async def sla_changed(self, event: SlaChanged) -> None:
        """A clock started, was met, moved or was breached: the conversation's `sla` for those who see it."""
        conversation = await conversation_queries.find(self.hub, event.conversation.id) or event.conversation
        await self._per_reader(
            "conversation:updated",
            conversation,
            await self._conversation_viewers(conversation),
            lambda c: {"conversation": conversation_json(c), "changes": ["sla"], "actor_id": None},
        )

    async def typing(self, event: Typing) -> None:
        conversation = await conversation_queries.find(self.hub, event.conversation_id)
        if conversation is None:
            return
        viewers = [u for u in await self._conversation_viewers(conversation) if u.id != event.author.id]
        await self.emit(
            "typing",
            {
                "conversation_id": event.conversation_id,
                "author": event.author.model_dump(mode="json"),
                "on": event.on,
            },
            rooms_of(viewers),
        )

    # --- clients --------------------------------------------------------------------------------------------------

    async def client_updated(self, event: ClientUpdated) -> None:
        await self.emit(
            "client:updated",
            {"client": client_json(event.client), "changes": list(event.changed)},
            rooms_of(await self._client_viewers(event.client)),
        )

    async def clients_merged(self, event: ClientsMerged) -> None:
        await self.emit(
            "client:merged",
            {"client": client_json(event.kept), "removed_id": event.removed_id},
            rooms_of(await self._client_viewers(event.kept)),
        )

    async def merge_suggested(self, event: MergeSuggested) -> None:
        viewers = [u for u in await self._staff() if access.can_view_merge_suggestions(self.hub, u)]
        await self.emit(
            "notification",
            {"kind": "merge_suggested", "suggestion": merge_json(event.suggestion)},
            rooms_of(viewers),
        )

    # --- staff ----------------------------------------------------------------------------------------------------

    async def presence(self, event: Presence) -> None:
        await self.emit("presence", {"user_id": event.user_id, "online": event.online}, [STAFF])

    async def staff_changed(self, event: StaffChanged) -> None:
        """Runs in every hub process (hub.relay carries the event): this process's sockets of that user follow."""
        user, before = event.user, event.before
        if before is not None and (event.sessions_ended or not access.is_staff(user)):
            await self._disconnect_local(user_room(user.id, before.token_version))
        if not relay.relayed():
            # announced once, by the process where the change was made: the client manager reaches every socket
            await self.emit("staff:updated", {"user": user_json(user)}, [STAFF])
            scope_changed = before is not None and (user.role, user.department_ids) != (
                before.role,
                before.department_ids,
            )
            if scope_changed and access.is_staff(user) and not event.sessions_ended:
                # what they may see changed: their inbox reloads its lists
                await self.emit("access:changed", {"user": user_json(user)}, [room_of(user)])

    async def _disconnect_local(self, room: str) -> None:
        manager = self.sio.manager
        sids = [sid for sid, _eio in manager.get_participants(AGENT_NS, room)]
        for sid in sids:
            log.info("disconnecting socket %s: its session ended", sid)
            await self.sio.disconnect(sid, namespace=AGENT_NS)
