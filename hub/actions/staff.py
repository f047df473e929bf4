"""Users and departments: create, change, log in."""

from __future__ import annotations

from typing import Any

from hub import access, auth
from hub.access import Actor
from hub.auth import hash_password_async, verify_dummy, verify_password
from hub.context import Hub
from hub.domain import AssignmentPolicy, Department, Role, User
from hub.errors import Conflict, Invalid, NotFound
from hub.events import StaffChanged
from hub.identities import InvalidIdentity, normalize_email
from hub.store.port import DuplicateError

MIN_PASSWORD = 8


async def create_user(
    hub: Hub,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    department_ids: list[str] | None = None,
    partner_id: str | None = None,
    actor: Actor | None = None,
) -> User:
    """`partner_id`: a partner user's organisation (refused for staff; a partner user without one is an
    organisation of one)."""
    actor = access.as_actor(actor)
    access.require(access.can_manage_staff(actor), "only admins manage users")
    try:
        email = normalize_email(email)
    except InvalidIdentity as exc:
        raise Invalid(str(exc)) from exc
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"the password needs at least {MIN_PASSWORD} characters")
    if not name.strip():
        raise Invalid("name is empty")
    department_ids = await _known_departments(hub, department_ids or [])
    if partner_id is not None and (
        role is not Role.partner or await hub.store.partners.get(partner_id) is None
    ):
        raise Invalid("partner_id names a partner organisation, for a user with role partner")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        department_ids=department_ids,
        partner_id=partner_id,
        password_hash=await hash_password_async(password),
        created_at=hub.clock(),
    )
    try:
        await hub.store.users.create(user)
    except DuplicateError as exc:
        raise Conflict(f"a user with email {email} exists") from exc
    await _changed(hub, user, None, actor)
    return user


async def update_user(hub: Hub, user_id: str, *, actor: Actor | None = None, **changes: Any) -> User:
    """Change name, role, department_ids, active or password. A new password or deactivation ends the
    user's sessions (token_version bump). Publishes StaffChanged: open sockets follow at once."""
    actor = access.as_actor(actor)
    access.require(access.can_manage_staff(actor), "only admins manage users")
    user = await hub.store.users.get(user_id)
    if user is None:
        raise NotFound("no such user")
    update: dict[str, Any] = {}
    if changes.get("name") is not None:
        update["name"] = changes["name"].strip()
    if changes.get("role") is not None:
        update["role"] = Role(changes["role"])
    if changes.get("department_ids") is not None:
        update["department_ids"] = await _known_departments(hub, changes["department_ids"])
    if changes.get("password") is not None:
        if len(changes["password"]) < MIN_PASSWORD:
            raise Invalid(f"the password needs at least {MIN_PASSWORD} characters")
        update["password_hash"] = await hash_password_async(changes["password"])
        update["token_version"] = user.token_version + 1
    if changes.get("active") is not None and changes["active"] != user.active:
        update["active"] = bool(changes["active"])
        update["token_version"] = user.token_version + 1
    if "capacity" in changes and changes["capacity"] != user.capacity:  # None: no limit
        capacity = changes["capacity"]
        if capacity is not None and (
            isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0
        ):
            raise Invalid("capacity is a whole number >= 0, or null for no limit")
        update["capacity"] = capacity
    if not update:
        return user
    await _keep_an_admin(hub, user, update, actor)
    updated = await hub.store.users.update(user_id, update)
    if updated is None:
        raise NotFound("no such user")
    await _changed(hub, updated, user, actor)
    return updated


async def _keep_an_admin(hub: Hub, user: User, update: dict[str, Any], actor: Actor) -> None:
    """Nobody locks the hub out: an admin cannot deactivate or demote themselves, nor the last active admin."""
    loses_admin = (
        user.role is Role.admin
        and user.active
        and (update.get("active") is False or update.get("role", Role.admin) is not Role.admin)
    )
    if not loses_admin:
        return
    if access.actor_id(actor) == user.id:
        raise Conflict("you cannot deactivate or demote yourself; ask another admin")
    admins = [u for u in await hub.store.users.list() if u.role is Role.admin and u.active]
    if len(admins) <= 1:
        raise Conflict("this is the last active admin")


async def end_sessions(hub: Hub, user: User) -> User:
    """Every token of the user stops working (logout): one token_version bump, published like any change."""
    updated = await hub.store.users.update(user.id, {"token_version": user.token_version + 1})
    if updated is None:
        raise NotFound("no such user")
    await _changed(hub, updated, user, user)
    return updated


async def _changed(hub: Hub, user: User, before: User | None, actor: Actor) -> None:
    hub.directory.invalidate()
    await hub.bus.publish(StaffChanged(user, before, access.actor_id(actor)))


async def _known_departments(hub: Hub, department_ids: list[str]) -> list[str]:
    known = {d.id for d in await hub.store.departments.list()}
    unknown = [d for d in department_ids if d not in known]
    if unknown:
        raise Invalid(f"unknown department ids: {', '.join(unknown)}")
    return list(dict.fromkeys(department_ids))


async def authenticate(hub: Hub, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Every attempt costs the same, one argon2
    verification off the event loop, whether the email is unknown, the account deactivated or the password wrong
    (no timing oracle). Raises hub.auth.Busy when too many verifications are waiting already."""
    user = await hub.store.users.get_by_email(email)
    if user is None:
        await auth.password_workers.run(verify_dummy, password)
        return None
    matches = await auth.password_workers.run(verify_password, user.password_hash, password)
    return user if matches and user.active else None


async def create_department(hub: Hub, name: str, *, actor: Actor | None = None) -> Department:
    access.require(access.can_manage_staff(access.as_actor(actor)), "only admins manage departments")
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a department name has 1 to 100 characters")
    department = Department(name=name, created_at=hub.clock())
    try:
        await hub.store.departments.create(department)
    except DuplicateError as exc:
        raise Conflict(f"a department named {name!r} exists") from exc
    return department


async def rename_department(
    hub: Hub, department_id: str, name: str, *, actor: Actor | None = None
) -> Department:
    access.require(access.can_manage_staff(access.as_actor(actor)), "only admins manage departments")
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("a department name has 1 to 100 characters")
    try:
        department = await hub.store.departments.rename(department_id, name)
    except DuplicateError as exc:
        raise Conflict(f"a department named {name!r} exists") from exc
    if department is None:
        raise NotFound("no such department")
    return department


async def update_department(
    hub: Hub,
    department_id: str,
    *,
    actor: Actor | None = None,
    assignment: AssignmentPolicy | None = None,
    accept_minutes: int | None | Any = None,
) -> Department:
    """The department's assignment policy and how long an agent has to answer what they were handed (None:
    unchanged; accept_minutes 0: no limit)."""
    access.require(access.can_manage_staff(access.as_actor(actor)), "only admins manage departments")
    changes: dict[str, Any] = {}
    if assignment is not None:
        changes["assignment"] = AssignmentPolicy(assignment)
    if accept_minutes is not None:
        changes["accept_minutes"] = accept_minutes or None
    department = await hub.store.departments.update(department_id, changes)
    if department is None:
        raise NotFound("no such department")
    return department


async def ensure_admin(hub: Hub) -> User | None:
    """Create HUB_ADMIN_EMAIL as an admin when the hub has no user at all."""
    settings = hub.settings
    if not settings.admin_email or await hub.store.users.count() > 0:
        return None
    try:
        return await create_user(
            hub,
            email=settings.admin_email,
            name="Administrator",
            role=Role.admin,
            password=settings.admin_password,
        )
    except Conflict:
        return None
