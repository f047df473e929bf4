"""Who may see and do what. The one place the REST API and the realtime layer ask."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain import Client, Conversation, Direction, EntryKind, Role, TimelineEntry, User
from hub.store.port import Scope

STAFF = frozenset({Role.admin, Role.supervisor, Role.agent})
SEES_EVERYTHING = frozenset({Role.admin, Role.supervisor})


class Forbidden(Exception):
    """The user may not do this (HTTP 403)."""


def is_staff(user: User) -> bool:
    return user.active and user.role in STAFF


def sees_everything(user: User) -> bool:
    return user.active and user.role in SEES_EVERYTHING


def conversation_scope(user: User) -> Scope | None:
    """The conversations a user may list: None means all of them."""
    if sees_everything(user):
        return None
    if user.role is Role.agent:
        return Scope(department_ids=tuple(user.department_ids), user_id=user.id, unrouted=True)
    return Scope()  # partners reach conversations only through the clients shared with them


def can_view_conversation(user: User, conversation: Conversation, client: Client | None = None) -> bool:
    if not user.active:
        return False
    if sees_everything(user):
        return True
    if user.role is Role.agent:
        return (
            conversation.department_id is None
            or conversation.department_id in user.department_ids
            or conversation.assignee_id == user.id
        )
    return client is not None and can_view_client(user, client)


def can_work_conversation(user: User, conversation: Conversation) -> bool:
    """Reply, write notes, assign, route, change status."""
    return is_staff(user) and can_view_conversation(user, conversation)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may see a conversation's events, by the same rules as can_view_conversation: everyone who sees
    everything; the conversation's department (or, unrouted, every agent); its assignee; and the partners its
    client is shared with (they get customer-visible entries and shared notes only)."""

    department_id: str | None
    assignee_id: str | None
    partner_ids: tuple[str, ...] = ()


def conversation_audience(conversation: Conversation, client: Client | None = None) -> Audience:
    return Audience(
        department_id=conversation.department_id,
        assignee_id=conversation.assignee_id,
        partner_ids=tuple(client.partner_ids) if client is not None else (),
    )


def can_view_client(user: User, client: Client) -> bool:
    if is_staff(user):
        return True
    return user.active and user.role is Role.partner and user.id in client.partner_ids


def can_edit_client(user: User, client: Client) -> bool:
    return is_staff(user)


def can_share_client(user: User) -> bool:
    return sees_everything(user)


def can_view_entry(user: User, entry: TimelineEntry, client: Client) -> bool:
    if not can_view_client(user, client):
        return False
    if user.role is Role.partner:
        # partners see the conversation with the customer and the notes shared with them, not internal notes
        return not (entry.kind is EntryKind.note and not entry.meta.get("shared_with_partners"))
    return True


def visible_to_customer(entry: TimelineEntry) -> bool:
    """Whether a customer-facing channel may ever show this entry (never notes or internal system entries)."""
    return entry.kind is not EntryKind.note and entry.direction is not Direction.internal


def can_push_inbound(user: User) -> bool:
    return is_staff(user)


def can_manage_staff(user: User) -> bool:
    return user.active and user.role is Role.admin


def can_list_staff(user: User) -> bool:
    return is_staff(user)


def can_merge_clients(user: User) -> bool:
    return is_staff(user)


def require(allowed: bool, message: str = "not allowed") -> None:
    if not allowed:
        raise Forbidden(message)
