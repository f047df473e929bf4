"""The /agent namespace: staff sockets. Auth by bearer token (`auth={"token": ...}`) or the session cookie."""

from __future__ import annotations

import logging
from collections import Counter
from http.cookies import SimpleCookie
from typing import Any

import socketio

from hub.api.http import SESSION_COOKIE, user_from_token
from hub.context import Hub
from hub.domain import Author, AuthorType, User
from hub.events import Presence, Typing
from hub.permissions import can_view_conversation, can_work_conversation, is_staff
from hub.representations import entry_json
from realtime.rooms import AGENT_NS, conversation_room, rooms_of_user

log = logging.getLogger(__name__)

SYNC_LIMIT = 200


def _cookie_token(environ: dict[str, Any]) -> str | None:
    raw = environ.get("HTTP_COOKIE")
    if not raw:
        return None
    cookie = SimpleCookie()
    try:
        cookie.load(raw)
    except Exception:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


class AgentNamespace(socketio.AsyncNamespace):
    def __init__(self, hub: Hub) -> None:
        super().__init__(AGENT_NS)
        self.hub = hub
        self._online: Counter[str] = Counter()

    async def _user(self, sid: str) -> User | None:
        session = await self.get_session(sid)
        user = await self.hub.store.users.get(session.get("user_id", ""))
        return user if user is not None and is_staff(user) else None

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        user = await user_from_token(self.hub, token or _cookie_token(environ))
        if user is None or not is_staff(user):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized: log in and pass {token}")
        await self.save_session(sid, {"user_id": user.id})
        for room in rooms_of_user(user):
            await self.enter_room(sid, room)
        self._online[user.id] += 1
        if self._online[user.id] == 1:
            await self.hub.bus.publish(Presence(user.id, True))

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        user_id = session.get("user_id")
        if not user_id:
            return
        self._online[user_id] -= 1
        if self._online[user_id] <= 0:
            del self._online[user_id]
            await self.hub.bus.publish(Presence(user_id, False))

    async def on_join(self, sid: str, data: Any) -> dict[str, Any]:
        """Watch a conversation (typing, viewers): {"conversation_id"} → {"ok": bool}."""
        user = await self._user(sid)
        conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
        if user is None or not isinstance(conversation_id, str):
            return {"ok": False, "error": "bad request"}
        conversation = await self.hub.store.conversations.get(conversation_id)
        if conversation is None or not can_view_conversation(user, conversation):
            return {"ok": False, "error": "no such conversation"}
        await self.enter_room(sid, conversation_room(conversation_id))
        return {"ok": True}

    async def on_leave(self, sid: str, data: Any) -> dict[str, Any]:
        conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
        if isinstance(conversation_id, str):
            await self.leave_room(sid, conversation_room(conversation_id))
        return {"ok": True}

    async def on_typing(self, sid: str, data: Any) -> None:
        user = await self._user(sid)
        if user is None or not isinstance(data, dict) or not isinstance(data.get("conversation_id"), str):
            return
        conversation = await self.hub.store.conversations.get(data["conversation_id"])
        if conversation is None or not can_work_conversation(user, conversation):
            return
        author = Author(type=AuthorType.user, id=user.id, name=user.name)
        await self.hub.bus.publish(Typing(conversation.id, author, bool(data.get("on", True))))

    async def on_sync(self, sid: str, data: Any) -> dict[str, Any]:
        """What a reconnecting agent missed in a conversation: {"conversation_id", "after": <entry id>} →
        {"items": entries newer than that entry, oldest first}. The client merges by id, so nothing shows twice."""
        user = await self._user(sid)
        if user is None or not isinstance(data, dict):
            return {"ok": False, "error": "bad request"}
        conversation = await self.hub.store.conversations.get(str(data.get("conversation_id", "")))
        if conversation is None or not can_view_conversation(user, conversation):
            return {"ok": False, "error": "no such conversation"}
        after = data.get("after")
        newer = []
        for entry in await self.hub.store.timeline.conversation_page(conversation.id, limit=SYNC_LIMIT):
            if entry.id == after:
                break
            newer.append(entry)
        newer.reverse()
        return {"ok": True, "items": [entry_json(e) for e in newer]}
