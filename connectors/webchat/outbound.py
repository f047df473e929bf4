"""Hub → visitor: replies (a ChannelSender) and staff typing, emitted to the visitor's room in /widget through
the AsyncServer, so with the Redis manager they reach a visitor connected to any hub process."""

from __future__ import annotations

import socketio

from hub.access import visible_to_customer
from hub.context import Hub
from hub.domain import AuthorType
from hub.events import Typing
from hub.outbound import OutboundMessage
from hub.queries import conversations as conversation_queries

from .visitors import CHANNEL, WIDGET_NS, visitor_entry_json, visitor_of_thread, visitor_room


class WebchatSender:
    channel = CHANNEL

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def send(self, message: OutboundMessage) -> str | None:
        """Emit the reply to the visitor's sockets. A visitor who is not connected sees it in their history when
        they come back, so the reply counts as sent either way."""
        entry = message.entry
        if not visible_to_customer(entry):
            return None  # never leaves the hub (the hub does not queue these; this is a second lock)
        room = visitor_room(visitor_of_thread(message.conversation.thread_key))
        await self.sio.emit("message", visitor_entry_json(entry), to=room, namespace=WIDGET_NS)
        return None


class StaffTyping:
    """Forwards an agent's (or a bot's) typing in a web chat conversation to the visitor."""

    def __init__(self, hub: Hub, sio: socketio.AsyncServer) -> None:
        self.hub = hub
        self.sio = sio

    def subscribe(self) -> None:
        self.hub.bus.subscribe(Typing, self.typing)

    async def typing(self, event: Typing) -> None:
        if event.author.type not in (AuthorType.user, AuthorType.bot):
            return
        conversation = await conversation_queries.find(self.hub, event.conversation_id)
        if conversation is None or conversation.channel != CHANNEL:
            return
        await self.sio.emit(
            "typing",
            {"on": event.on, "author": {"type": event.author.type.value, "name": event.author.name}},
            to=visitor_room(visitor_of_thread(conversation.thread_key)),
            namespace=WIDGET_NS,
        )
