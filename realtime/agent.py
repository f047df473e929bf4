"""The /agent namespace: staff sockets. Auth by bearer token (`auth={"token": ...}`) or the session cookie.

Every call a socket makes re-reads its user: a socket whose user was deactivated, lost the staff role or whose
token was revoked is disconnected on its next call (and at once by `AgentListeners.staff_changed`)."""

from __future__ import annotations

import logging
from collections import Counter
from http.cookies import SimpleCookie
from typing import Any

import socketio

from hub import access
from hub.api.http import SESSION_COOKIE, user_from_token
from hub.context import Hub
from hub.domain import Author, AuthorType, User
from hub.errors import NotFound
from hub.events import Presence, Typing
from hub.queries import conversations as conversation_queries
from hub.queries import staff as staff_queries
from hub.representations import entry_json
from realtime.rooms import AGENT_NS, STAFF, room_of

log = logging.getLogger(__name__)


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
        """The socket's user as they are now; None (and the socket disconnected) when they lost access."""
        session = await self.get_session(sid)
        user = await staff_queries.session_user(
            self.hub, session.get("user_id", ""), session.get("token_version", -1)
        )
        if user is None or not access.is_staff(user):
            await self.disconnect(sid)
            return None
        return user

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        user = await user_from_token(self.hub, token or _cookie_token(environ))
        if user is None or not access.is_staff(user):
            raise socketio.exceptions.ConnectionRefusedError("unauthorized: log in and pass {token}")
        await self.save_session(sid, {"user_id": user.id, "token_version": user.token_version})
        await self.enter_room(sid, STAFF)
        await self.enter_room(sid, room_of(user))
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
        """Open a conversation: {"conversation_id"} → {"ok": bool} (whether the user may see it)."""
        user = await self._user(sid)
        conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
        if user is None or not isinstance(conversation_id, str):
            return {"ok": False, "error": "bad request"}
        try:
            await conversation_queries.get(self.hub, user, conversation_id)
        except NotFound:
            return {"ok": False, "error": "no such conversation"}
        return {"ok": True}

    async def on_leave(self, sid: str, data: Any) -> dict[str, Any]:
        return {"ok": True}

    async def on_typing(self, sid: str, data: Any) -> None:
        user = await self._user(sid)
        if user is None or not isinstance(data, dict) or not isinstance(data.get("conversation_id"), str):
            return
        try:
            conversation = await conversation_queries.get(self.hub, user, data["conversation_id"])
        except NotFound:
            return
        if not access.can_work_conversation(user, conversation):
            return
        author = Author(type=AuthorType.user, id=user.id, name=user.name)
        await self.hub.bus.publish(Typing(conversation.id, author, bool(data.get("on", True))))

    async def on_sync(self, sid: str, data: Any) -> dict[str, Any]:
        """What a reconnecting agent missed in a conversation: {"conversation_id", "after": <entry id>} →
        {"items": entries that arrived after that entry, oldest first}. Arrival order, not provider time, so a
        message delivered late with an older timestamp is not skipped. The client merges by id."""
        user = await self._user(sid)
        if user is None or not isinstance(data, dict):
            return {"ok": False, "error": "bad request"}
        after = data.get("after")
        try:
            entries = await conversation_queries.since(
                self.hub,
                user,
                str(data.get("conversation_id", "")),
                after if isinstance(after, str) else None,
            )
        except NotFound:
            return {"ok": False, "error": "no such conversation"}
        return {"ok": True, "items": [entry_json(e) for e in entries]}
