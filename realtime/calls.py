"""The screen pop: a ringing inbound call is announced to the agents who may see its conversation now
(`call:incoming`, with the client's card, or `known: false` for an unknown caller), and its end — answered by
someone, or over — takes the banner away (`call:ended`).

Recipients are decided when the event is sent, as in realtime.listeners: the access policy is asked about the
active staff of the directory; a routed call reaches its department (and supervisors, admins, the assignee), an
unrouted one every agent."""

from __future__ import annotations

import socketio

from hub import access
from hub.calls import CallStatus
from hub.context import Hub
from hub.domain import TimelineEntry, User
from hub.events import CallUpdated
from hub.queries import clients as client_queries
from hub.queries import staff as staff_queries
from hub.representations import client_json
from realtime.rooms import AGENT_NS, rooms_of


def call_json(entry: TimelineEntry) -> dict:
    call = entry.meta.get("call") or {}
    return {
        key: call.get(key)
        for key in ("status", "direction", "number", "line", "answered_by", "duration", "provider")
        if call.get(key) is not None
    }


class CallListeners:
    def __init__(self, hub: Hub, sio: socketio.AsyncServer) -> None:
        self.hub = hub
        self.sio = sio

    def subscribe(self) -> None:
        self.hub.bus.subscribe(CallUpdated, self.call_updated)

    async def _viewers(self, event: CallUpdated) -> list[User]:
        if event.conversation is None:
            return []
        staff = [u for u in await staff_queries.active_users(self.hub) if access.is_staff(u)]
        return access.conversation_viewers(staff, event.conversation, None)

    async def call_updated(self, event: CallUpdated) -> None:
        entry, conversation = event.entry, event.conversation
        call = call_json(entry)
        if not event.status_changed or conversation is None or call.get("direction") != "in":
            return
        status = call.get("status")
        base = {"entry_id": entry.id, "conversation_id": conversation.id, "call": call}
        if status == CallStatus.ringing.value:
            client = await client_queries.find(self.hub, entry.client_id)
            payload = {
                **base,
                "client": client_json(client) if client is not None else None,
                # a caller the hub knew only by this number (a client made by the call) is an unknown caller
                "known": bool(client is not None and client.name),
            }
            event_name = "call:incoming"
        else:
            payload = base
            event_name = "call:ended"
        rooms = rooms_of(await self._viewers(event))
        if rooms:
            await self.sio.emit(event_name, payload, to=rooms, namespace=AGENT_NS)
