"""Actors and roles: who is acting (a user or `SYSTEM`), the role predicates, the permissions that depend on
the role alone, and `require`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.domain import Role, User
from hub.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from hub.context import Hub


STAFF_ROLES = frozenset({Role.admin, Role.supervisor, Role.agent})
SEES_EVERYTHING = frozenset({Role.admin, Role.supervisor})


@dataclass(frozen=True, slots=True)
class SystemActor:
    """The hub itself: connectors, bots, automations, the CLI. Sees and does everything."""

    name: str = "system"


SYSTEM = SystemActor()
Actor = User | SystemActor


def is_system(actor: Actor) -> bool:
    return isinstance(actor, SystemActor)


def as_actor(actor: Actor | None) -> Actor:
    """Actions take `None` for the system (bots, connectors, automations)."""
    return SYSTEM if actor is None else actor


def actor_id(actor: Actor) -> str | None:
    return actor.id if isinstance(actor, User) else None


# --- roles --------------------------------------------------------------------------------------------------------


def is_staff(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.active and actor.role in STAFF_ROLES


def sees_everything(actor: Actor) -> bool:
    return is_system(actor) or (isinstance(actor, User) and actor.active and actor.role in SEES_EVERYTHING)


def is_partner(actor: Actor) -> bool:
    return isinstance(actor, User) and actor.active and actor.role is Role.partner


def partner_key(user: User) -> str:
    """What a client's `partner_ids` name to share it with this partner user: their organisation's id (a partner
    user without an organisation is an organisation of one, keyed by their own id)."""
    return user.partner_id or user.id


def can_manage_partners(actor: Actor) -> bool:
    """Create organisations and their users: admins."""
    return can_manage_staff(actor)


def can_grant(actor: Actor) -> bool:
    """Grant and revoke partner access, read an organisation's grants: admins and supervisors."""
    return can_share_client(actor)


def can_manage_staff(actor: Actor) -> bool:
    return is_system(actor) or (isinstance(actor, User) and actor.active and actor.role is Role.admin)


def can_view_channel_health(actor: Actor) -> bool:
    """Mailboxes' and other channels' health (connection, sync, errors): admins and the system."""
    return can_manage_staff(actor)


def can_view_admin_pages(actor: Actor) -> bool:
    """The admin area (/admin): admins change things there; supervisors read it (what each section's API lets
    them read); nobody else sees the page."""
    return isinstance(actor, User) and sees_everything(actor)


def can_view_bot_flows(actor: Actor) -> bool:
    """The loaded bot flows (names, channels, languages, hand-off departments): admins and supervisors."""
    return sees_everything(actor)


def can_list_staff(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_push_inbound(actor: Actor) -> bool:
    return is_system(actor) or is_staff(actor)


def can_share_client(actor: Actor) -> bool:
    return sees_everything(actor)


def can_merge_clients(actor: Actor) -> bool:
    return sees_everything(actor) or is_staff(actor)


def can_view_merge_suggestions(hub: Hub, actor: Actor) -> bool:
    """Merge suggestions name two clients: with department visibility only those who see every client get them."""
    if hub.settings.client_visibility == "department":
        return sees_everything(actor)
    return is_staff(actor) or is_system(actor)


def require(allowed: bool, message: str = "not allowed") -> None:
    if not allowed:
        raise Forbidden(message)


# --- the doors' answer for a hidden record: the same NotFound as for a missing one --------------------------------


def _not_found(what: str) -> NotFound:
    return NotFound(f"no such {what}")
