"""Room names. A socket joins the rooms of what it may see; an event goes to the rooms of its audience, so the
cost of an emit grows with the interested sockets, not with everyone connected."""

from __future__ import annotations

from hub.domain import Conversation, User
from hub.permissions import Audience, sees_everything

AGENT_NS = "/agent"
ALL_SEEING = "all-seeing"  # admins and supervisors
UNROUTED = "unrouted"  # agents: conversations not routed to a department yet
STAFF = "staff"  # every staff socket (presence, client card changes)


def user_room(user_id: str) -> str:
    return f"user:{user_id}"


def department_room(department_id: str) -> str:
    return f"dept:{department_id}"


def conversation_room(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def rooms_of_user(user: User) -> list[str]:
    rooms = [STAFF, user_room(user.id)]
    if sees_everything(user):
        rooms.append(ALL_SEEING)
    else:
        rooms.append(UNROUTED)
        rooms += [department_room(d) for d in user.department_ids]
    return rooms


def audience_rooms(audience: Audience, conversation_id: str | None = None) -> list[str]:
    rooms = [ALL_SEEING, department_room(audience.department_id) if audience.department_id else UNROUTED]
    if audience.assignee_id:
        rooms.append(user_room(audience.assignee_id))
    if conversation_id:
        rooms.append(conversation_room(conversation_id))
    return rooms


def conversation_rooms(conversation: Conversation) -> list[str]:
    from hub.permissions import conversation_audience

    return audience_rooms(conversation_audience(conversation), conversation.id)
