"""Room names. Every staff socket is in two rooms: `staff` (presence, the staff list) and its user's room, which
carries the token version it authenticated with. Recipients of everything else are decided when the event is
sent: the listeners ask the access policy which users may see it *now* and emit to those users' rooms. A socket
whose token was revoked is in a room nobody emits to any more, before it is even disconnected."""

from __future__ import annotations

from collections.abc import Iterable

from hub.domain import User

AGENT_NS = "/agent"
STAFF = "staff"  # every staff socket: presence and staff changes (no customer data)


def user_room(user_id: str, token_version: int) -> str:
    return f"user:{user_id}:{token_version}"


def room_of(user: User) -> str:
    return user_room(user.id, user.token_version)


def rooms_of(users: Iterable[User]) -> list[str]:
    return [room_of(u) for u in users]
