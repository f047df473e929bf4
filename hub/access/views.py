"""Who sees a saved view: a personal one its owner; one shared with everyone all staff; one shared with a department
its members, and admins and supervisors. Who changes or deletes it: a personal one its owner; a shared one its
owner while they may still share, and admins. Sharing (everyone or a department) is for admins and supervisors.
Partners keep none. A view only names filters: what it lists and counts is still `conversation_scope`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.access.actors import Actor, _not_found, is_staff, sees_everything
from hub.domain import Role, User
from hub.domain_views import SavedView, ViewSharing
from hub.store.port import ViewQuery

if TYPE_CHECKING:
    from hub.context import Hub


def view_query(actor: Actor) -> ViewQuery | None:
    """The saved views an actor sees, as the store compiles it (None: none at all)."""
    if not is_staff(actor):
        return None
    assert isinstance(actor, User)
    return ViewQuery(
        owner_id=actor.id,
        everyone=True,
        department_ids=tuple(actor.department_ids),
        all_departments=sees_everything(actor),
    )


def can_view_saved_view(actor: Actor, view: SavedView) -> bool:
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if view.owner_id == actor.id or view.shared is ViewSharing.everyone:
        return True
    if view.shared is ViewSharing.department:
        return sees_everything(actor) or view.department_id in actor.department_ids
    return False


def can_share_views(actor: Actor) -> bool:
    return is_staff(actor) and sees_everything(actor)


def can_edit_saved_view(actor: Actor, view: SavedView) -> bool:
    """Also asked of a view about to be created or changed (with the sharing it will have)."""
    if not is_staff(actor):
        return False
    assert isinstance(actor, User)
    if view.shared is ViewSharing.none:
        return view.owner_id == actor.id
    return can_share_views(actor) and (view.owner_id == actor.id or actor.role is Role.admin)


async def saved_view_for(hub: Hub, actor: Actor, view_id: str) -> SavedView:
    view = await hub.store.views.get(view_id)
    if view is None or not can_view_saved_view(actor, view):
        raise _not_found("view")
    return view
