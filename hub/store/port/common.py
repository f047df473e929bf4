"""Errors, cursors, scopes and the limits shared by every repository of the store port."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from hub.domain import (
    ConversationStatus,
    Handler,
    Priority,
)
from hub.domain_views import SlaState


def dump_fields(
    model: type[BaseModel], changes: dict[str, Any], mode: Literal["json", "python"] = "json"
) -> dict[str, Any]:
    """Some fields of `model` (name -> value) as `model_dump(mode=...)` gives them, for an update of just those.
    (Not `model.model_construct(**changes).model_dump(include=...)`: that fills every other field's default first,
    and pydantic inspects the signature of each default factory on every call: ~0.2 ms per update, profiled on
    the SLA clock that every inbound message moves, issue #13.)"""
    return {
        name: _field_adapter(model, name).dump_python(value, mode=mode) for name, value in changes.items()
    }


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    return TypeAdapter(model.model_fields[name].annotation)


class StoreError(Exception):
    pass


class DuplicateError(StoreError):
    """A unique constraint refused the write (an email already used, a department name taken, ...)."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position in a time-ordered list: the (time, id) of the last item of the previous page."""

    at: datetime
    id: str

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at, id_ = raw.split("|", 1)
            parsed = datetime.fromisoformat(at)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError("invalid cursor") from exc
        if parsed.tzinfo is None or not id_:
            raise ValueError("invalid cursor")
        try:
            parsed.astimezone(UTC)
        except OverflowError as exc:  # '0001-01-01T00:00+14:00' has no UTC form
            raise ValueError("invalid cursor") from exc
        return cls(parsed, id_)


@dataclass(frozen=True, slots=True)
class Scope:
    """What part of the conversations a user may see. None fields mean no restriction on that axis.

    A conversation is visible when ANY of the given conditions holds:
    department_id in `department_ids`, assignee_id == `user_id`, department_id is None (when `unrouted`),
    client_id in `client_ids`, id in `conversation_ids`.
    """

    department_ids: tuple[str, ...] = ()
    user_id: str | None = None
    unrouted: bool = False
    client_ids: tuple[str, ...] = ()
    conversation_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PartnerScope:
    """Which clients a partner organisation may see, as the client search compiles it. A client is visible when
    ANY condition holds: `partner_id` in its partner_ids (client grants), id in `client_ids`, one of `tags` in its
    tags, fields[name] == value for one of `fields`. An empty PartnerScope allows nothing."""

    partner_id: str | None = None
    client_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class EntryScope:
    """Which entries of a timeline a reader may see. conversation_ids None = every conversation's entries;
    unthreaded = also entries with no conversation (client-level notes); shared_only = notes only when
    meta['shared_with_partners'] is true (partners never see internal notes)."""

    conversation_ids: tuple[str, ...] | None = None
    unthreaded: bool = True
    shared_only: bool = False


@dataclass(frozen=True, slots=True)
class ConversationQuery:
    status: ConversationStatus | None = None
    assignee_id: str | None = None
    unassigned: bool = False
    department_id: str | None = None
    client_id: str | None = None
    handler: Handler | None = None  # only those the bot (or a person) handles
    scope: Scope | None = None  # None: everything (admins, supervisors)
    before: Cursor | None = None  # by last_message_at (then id), newest first
    limit: int = 50
    # the inbox's filters (hub.domain_views.ViewFilters): each narrows; a tuple matches any of its values
    channels: tuple[str, ...] = ()
    statuses: tuple[ConversationStatus, ...] = ()
    priorities: tuple[Priority, ...] = ()
    client_tag: str | None = None  # the conversation's client has this tag
    sla_states: tuple[SlaState, ...] = ()  # the clock's state at `now` (hub.domain_views.sla_state)
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    last_message_from: datetime | None = None
    last_message_to: datetime | None = None
    now: datetime | None = None  # what the SLA states are judged at (None: the adapter's clock)


def check_limit(limit: int) -> int:
    """The one check every limit-taking method of every adapter makes first: a limit below 1 is a caller's bug
    (SQLite would read it as "no limit", MongoDB as "nothing"), so it is refused the same way everywhere."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a whole number >= 1, got {limit!r}")
    return limit


@dataclass
class StoreStats:
    round_trips: int = 0


# How many entry ids a conversation remembers as applied by `touch(entry_id=...)` (the newest ones): applying an
# entry again is a no-op as long as fewer than this many other entries were applied to that conversation since.
TOUCH_MEMORY = 50


# How many event ids a call entry remembers as applied by `TimelineRepo.record_call` (the newest ones).
CALL_EVENT_MEMORY = 100


# Conversation fields that `ConversationRepo.update` may set.
CONVERSATION_MUTABLE = frozenset(
    {
        "status",
        "assignee_id",
        "department_id",
        "handler",
        "bot_state",
        "subject",
        "unread",
        "updated_at",
        "priority",
        "snoozed_until",
    }
)


# Client fields that `ClientRepo.update` may set (search terms follow name and identities).
CLIENT_MUTABLE = frozenset({"name", "kind", "fields", "tags", "partner_ids", "updated_at"})


USER_MUTABLE = frozenset(
    {"name", "role", "department_ids", "password_hash", "active", "token_version", "capacity"}
)


# Department fields that `DepartmentRepo.update` may set (a rename goes through `rename`: the name is unique).
DEPARTMENT_MUTABLE = frozenset({"assignment", "accept_minutes"})
