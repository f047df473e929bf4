"""Who uses a canned reply: a personal one its owner; a department's one the members of that department (admins: any
department's); a global one all staff. Who edits it: a personal one its owner; a department's one the
supervisors of that department and admins; a global one admins. Partners neither. Hidden == missing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.access.actors import Actor, _not_found, is_staff, is_system
from hub.domain import Role, User
from hub.domain_canned import CannedResponse
from hub.store.port import CannedQuery

if TYPE_CHECKING:
    from hub.context import Hub


def canned_query(actor: Actor) -> CannedQuery | None:
    """The canned replies an actor may use, as the store compiles it (None: none at all)."""
    if is_system(actor):
        return CannedQuery(global_=True, all_departments=True)
    if not is_staff(actor):
        return None
    assert isinstance(actor, User)
    return CannedQuery(
        owner_id=actor.id,
        department_ids=tuple(actor.department_ids),
        all_departments=actor.role is Role.admin,
    )


def can_use_canned(actor: Actor, reply: CannedResponse) -> bool:
    if is_system(actor):
        return reply.owner_id is None
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if reply.owner_id is not None:
        return reply.owner_id == actor.id
    if reply.department_id is not None:
        return actor.role is Role.admin or reply.department_id in actor.department_ids
    return True


def can_edit_canned(actor: Actor, reply: CannedResponse) -> bool:
    """Also asked of a reply about to be created (with the owner or department it will have)."""
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if reply.owner_id is not None:
        return reply.owner_id == actor.id
    if actor.role is Role.admin:
        return True
    if reply.department_id is not None:
        return actor.role is Role.supervisor and reply.department_id in actor.department_ids
    return False


async def canned_for(hub: Hub, actor: Actor, reply_id: str) -> CannedResponse:
    reply = await hub.store.canned.get(reply_id)
    if reply is None or not can_use_canned(actor, reply):
        raise _not_found("canned reply")
    return reply
