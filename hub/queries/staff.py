"""Reading staff: users, departments, and the directory of active users the realtime layer picks recipients from."""

from __future__ import annotations

from hub import access
from hub.access import Actor
from hub.context import Hub
from hub.domain import Department, User
from hub.errors import NotFound


async def users(hub: Hub, actor: Actor) -> list[User]:
    access.require(access.can_list_staff(actor))
    return await hub.store.users.list()


async def user(hub: Hub, actor: Actor, user_id: str) -> User:
    access.require(access.can_list_staff(actor))
    found = await hub.store.users.get(user_id)
    if found is None:
        raise NotFound("no such user")
    return found


async def departments(hub: Hub, actor: Actor) -> list[Department]:
    access.require(access.can_list_staff(actor))
    return await hub.store.departments.list()


async def department_by_name(hub: Hub, actor: Actor, name: str) -> Department | None:
    access.require(access.can_list_staff(actor))
    return await hub.store.departments.get_by_name(name)


async def active_users(hub: Hub) -> list[User]:
    """Every active user (staff and partners): the candidates the realtime layer asks the policy about.
    Cached per process; staff actions invalidate it (and other processes hear of it through the bus relay)."""
    return await hub.directory.active_users(hub.store)


async def session_user(hub: Hub, user_id: str, token_version: int) -> User | None:
    """The user behind an open socket, while their session is still valid (active, same token version)."""
    found = await hub.store.users.get(user_id) if user_id else None
    if found is None or not found.active or found.token_version != token_version:
        return None
    return found
