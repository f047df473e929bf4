"""One listener per concern: each turns a typed hub event into Socket.IO emits to the rooms of its audience."""

from __future__ import annotations

import socketio

from hub.context import Hub
from hub.events import (
    ClientsMerged,
    ClientUpdated,
    ConversationCreated,
    ConversationUpdated,
    DeliveryChanged,
    EntryAdded,
    EntryEdited,
    MergeSuggested,
    Presence,
    Typing,
    UserMentioned,
)
from hub.permissions import Audience, conversation_audience
from hub.representations import (
    client_json,
    conversation_json,
    entry_json,
    mention_notification_json,
    merge_json,
)
from realtime.rooms import AGENT_NS, ALL_SEEING, STAFF, audience_rooms, conversation_rooms, user_room


class AgentListeners:
    def __init__(self, hub: Hub, sio: socketio.AsyncServer) -> None:
        self.hub = hub
        self.sio = sio

    def subscribe(self) -> None:
        bus = self.hub.bus
        bus.subscribe(EntryAdded, self.entry_added)
        bus.subscribe(EntryEdited, self.entry_changed)
        bus.subscribe(DeliveryChanged, self.entry_changed)
        bus.subscribe(ConversationCreated, self.conversation_created)
        bus.subscribe(ConversationUpdated, self.conversation_updated)
        bus.subscribe(UserMentioned, self.mentioned)
        bus.subscribe(Typing, self.typing)
        bus.subscribe(Presence, self.presence)
        bus.subscribe(ClientUpdated, self.client_updated)
        bus.subscribe(ClientsMerged, self.clients_merged)
        bus.subscribe(MergeSuggested, self.merge_suggested)

    async def emit(self, event: str, data: object, rooms: list[str]) -> None:
        await self.sio.emit(event, data, to=rooms, namespace=AGENT_NS)

    async def entry_added(self, event: EntryAdded) -> None:
        conversation = event.conversation
        rooms = conversation_rooms(conversation) if conversation is not None else [STAFF]
        await self.emit(
            "timeline:new",
            {
                "entry": entry_json(event.entry),
                "conversation": conversation_json(conversation) if conversation is not None else None,
            },
            rooms,
        )

    async def entry_changed(self, event: EntryEdited | DeliveryChanged) -> None:
        entry = event.entry
        conversation = (
            await self.hub.store.conversations.get(entry.conversation_id) if entry.conversation_id else None
        )
        rooms = conversation_rooms(conversation) if conversation is not None else [STAFF]
        await self.emit("timeline:updated", {"entry": entry_json(entry)}, rooms)

    async def conversation_created(self, event: ConversationCreated) -> None:
        await self.emit(
            "conversation:updated",
            {"conversation": conversation_json(event.conversation), "changes": ["created"]},
            conversation_rooms(event.conversation),
        )

    async def conversation_updated(self, event: ConversationUpdated) -> None:
        conversation = event.conversation
        rooms = conversation_rooms(conversation)
        # those who saw it before a re-route or re-assignment learn that it left them
        old_department = event.changes.get("department_id", (conversation.department_id,))[0]
        old_assignee = event.changes.get("assignee_id", (conversation.assignee_id,))[0]
        if "department_id" in event.changes or "assignee_id" in event.changes:
            rooms += audience_rooms(Audience(old_department, old_assignee))
        await self.emit(
            "conversation:updated",
            {
                "conversation": conversation_json(conversation),
                "changes": sorted(event.changes),
                "actor_id": event.actor_id,
            },
            list(dict.fromkeys(rooms)),
        )

    async def mentioned(self, event: UserMentioned) -> None:
        payload = {
            "entry": entry_json(event.entry),
            "conversation": conversation_json(event.conversation) if event.conversation else None,
        }
        room = [user_room(event.user.id)]
        await self.emit("mention", payload, room)
        await self.emit("notification", mention_notification_json(event.entry), room)

    async def typing(self, event: Typing) -> None:
        conversation = await self.hub.store.conversations.get(event.conversation_id)
        if conversation is None:
            return
        await self.emit(
            "typing",
            {
                "conversation_id": event.conversation_id,
                "author": event.author.model_dump(mode="json"),
                "on": event.on,
            },
            audience_rooms(conversation_audience(conversation), conversation.id),
        )

    async def presence(self, event: Presence) -> None:
        await self.emit("presence", {"user_id": event.user_id, "online": event.online}, [STAFF])

    async def client_updated(self, event: ClientUpdated) -> None:
        await self.emit(
            "client:updated", {"client": client_json(event.client), "changes": list(event.changed)}, [STAFF]
        )

    async def clients_merged(self, event: ClientsMerged) -> None:
        await self.emit(
            "client:merged", {"client": client_json(event.kept), "removed_id": event.removed_id}, [STAFF]
        )

    async def merge_suggested(self, event: MergeSuggested) -> None:
        await self.emit(
            "notification",
            {"kind": "merge_suggested", "suggestion": merge_json(event.suggestion)},
            [ALL_SEEING],
        )
