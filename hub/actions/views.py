"""Saved views: create, change and delete them, with the policy of hub.access (the owner keeps a personal one;
admins and supervisors share one with everyone or a department; admins change any shared one). The filters are
the inbox list's vocabulary (hub.domain_views.ViewFilters), validated on the way in. Each write publishes
SavedViewChanged after it succeeded.

    create_view(hub, actor, name="Telegram, urgent", filters={"channel": ["telegram"], "priority": ["urgent"]})
    update_view(hub, actor, view_id, shared="everyone")
"""

from __future__ import annotations

from typing import Any

from hub import access
from hub.access import Actor, require
from hub.context import Hub
from hub.domain import User
from hub.domain_views import MAX_NAME, MAX_VIEWS_PER_OWNER, SavedView, ViewFilters, ViewSharing, parse_filters
from hub.errors import Conflict, Invalid, NotFound
from hub.events import SavedViewChanged
from hub.store.port import ViewQuery

UPDATABLE = frozenset({"name", "filters", "shared", "department_id"})


def _name(value: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_NAME:
        raise Invalid(f"a view's name is 1 to {MAX_NAME} characters")
    return value


async def _sharing(
    hub: Hub, shared: ViewSharing | str, department_id: str | None
) -> tuple[ViewSharing, str | None]:
    try:
        sharing = ViewSharing(shared)
    except ValueError as exc:
        raise Invalid("shared is none, everyone or department") from exc
    if sharing is ViewSharing.department:
        if department_id is None:
            raise Invalid("a view shared with a department names its department_id")
        if await hub.store.departments.get(department_id) is None:
            raise NotFound("no such department")
        return sharing, department_id
    if department_id is not None:
        raise Invalid("department_id goes with shared 'department' only")
    return sharing, None


async def _owned(hub: Hub, owner_id: str) -> int:
    """How many views `owner_id` keeps, counted up to one past the bound."""
    return len(await hub.store.views.query(ViewQuery(owner_id=owner_id, limit=MAX_VIEWS_PER_OWNER + 1)))


def _full() -> Conflict:
    return Conflict(f"you keep {MAX_VIEWS_PER_OWNER} saved views already: delete one to save another")


async def create_view(
    hub: Hub,
    actor: Actor | None,
    *,
    name: str,
    filters: ViewFilters | dict[str, Any] | None = None,
    shared: ViewSharing | str = ViewSharing.none,
    department_id: str | None = None,
) -> SavedView:
    actor = access.as_actor(actor)
    require(access.is_staff(actor), "only staff keep saved views")
    assert isinstance(actor, User)
    sharing, department = await _sharing(hub, shared, department_id)
    now = hub.clock()
    view = SavedView(
        name=_name(name),
        filters=parse_filters(filters),
        owner_id=actor.id,
        shared=sharing,
        department_id=department,
        created_at=now,
        updated_at=now,
    )
    require(access.can_edit_saved_view(actor, view), "only admins and supervisors share views")
    # a bound on each user's views (the counts run one query per view): refused when full; and, across concurrent
    # creates in any process, a create that finds more than the bound once its view is stored takes it back (the
    # last of those never finds fewer than all that stayed, so they never exceed it)
    if await _owned(hub, actor.id) >= MAX_VIEWS_PER_OWNER:
        raise _full()
    await hub.store.views.create(view)
    if await _owned(hub, actor.id) > MAX_VIEWS_PER_OWNER:
        await hub.store.views.delete(view.id)
        raise _full()
    await hub.bus.publish(SavedViewChanged(view, "created", actor.id))
    return view


async def update_view(hub: Hub, actor: Actor | None, view_id: str, **changes: Any) -> SavedView:
    actor = access.as_actor(actor)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise Invalid(f"not changeable: {', '.join(sorted(unknown))}")
    view = await access.saved_view_for(hub, actor, view_id)
    require(access.can_edit_saved_view(actor, view), "you may not change this view")
    if "name" in changes:
        changes["name"] = _name(changes["name"])
    if "filters" in changes:
        changes["filters"] = parse_filters(changes["filters"])
    if "shared" in changes or "department_id" in changes:
        shared = changes.get("shared", view.shared)
        department = changes.get("department_id", view.department_id if "shared" not in changes else None)
        changes["shared"], changes["department_id"] = await _sharing(hub, shared, department)
    after = view.model_copy(update=changes)
    require(access.can_edit_saved_view(actor, after), "only admins and supervisors share views")
    if not changes:
        return view
    updated = await hub.store.views.update(view_id, {**changes, "updated_at": hub.clock()})
    if updated is None:
        raise NotFound("no such view")
    await hub.bus.publish(SavedViewChanged(updated, "updated", access.actor_id(actor), before=view))
    return updated


async def delete_view(hub: Hub, actor: Actor | None, view_id: str) -> None:
    actor = access.as_actor(actor)
    view = await access.saved_view_for(hub, actor, view_id)
    require(access.can_edit_saved_view(actor, view), "you may not delete this view")
    if not await hub.store.views.delete(view_id):
        raise NotFound("no such view")
    await hub.bus.publish(SavedViewChanged(view, "deleted", access.actor_id(actor)))
