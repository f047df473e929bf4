"""The request bodies and query-parameter models of the core routes (one place, shared by the resource modules),
and the shaping of pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from hub import domain_views as views
from hub import queries
from hub.api.http import ApiError, Body, CursorParam, Query
from hub.domain import AssignmentPolicy, ClientKind, ConversationStatus, FieldValue, Handler, Priority, Role

_NUMBER = re.compile(
    r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?(inf(inity)?|nan)\s*", re.IGNORECASE
)


def _iso_only(value: Any) -> Any:
    """A time is written as a date and time: a bare number (a Unix time? milliseconds?) is refused, not guessed."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("give a date and time with a time zone, e.g. 2026-01-02T12:00:00Z")
    return value


IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_only), AfterValidator(views.in_utc_range)]

Text = Annotated[str, StringConstraints(max_length=10_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# JSON true/false only: lax validation would take 0 for false, and `{"active": 0}` would deactivate a user

STAFF = frozenset({Role.admin, Role.supervisor, Role.agent})
ADMINS = frozenset({Role.admin})


def limit(default: int, most: int = 200) -> Any:
    return Field(default, ge=1, le=most, description=f"how many (1 to {most}, default {default})")


# --- query parameters ---------------------------------------------------------------------------------------------


class ClientSearch(Query):
    q: str = Field("", description="words that prefix a name, email or phone")
    limit: int = limit(20, 100)


class TimelinePage(Query):
    cursor: CursorParam | None = None
    limit: int = limit(50)


class NotificationsPage(Query):
    cursor: CursorParam | None = None
    limit: int = limit(30, 100)


class InboxQuery(Query):
    """The filters of a saved view (hub.domain_views.ViewFilters), as query parameters: lists comma-separated."""

    status: views.Statuses = Field(description="only conversations in these statuses (comma-separated)")
    assignee: views.Assignee | None = Field(None, description="a user id, 'me' or 'none' (unassigned)")
    department: views.DepartmentId | None = Field(None, description="a department id")
    handler: Handler | None = Field(
        None, description="'bot': those the bot still handles; 'human': the others"
    )
    channel: views.Channels = Field(description="channels, comma-separated (telegram,email)")
    priority: views.Priorities = Field(description="priorities, comma-separated")
    sla: views.SlaStates = Field(description="SLA states now (ok, warning, breached), comma-separated")
    tag: views.Tag | None = Field(None, description="the client has this tag")
    created_from: IsoDatetime | None = Field(None, description="created at or after")
    created_to: IsoDatetime | None = Field(None, description="created before")
    last_message_from: IsoDatetime | None = Field(None, description="last message at or after")
    last_message_to: IsoDatetime | None = Field(None, description="last message before")
    cursor: CursorParam | None = None
    limit: int = limit(50)


class MergeSuggestionsQuery(Query):
    status: Literal["open", "merged", "dismissed", "all"] = Field("open", description="which suggestions")
    client_id: Id | None = Field(None, description="only those naming this client")


# --- bodies -------------------------------------------------------------------------------------------------------


class ClientPatch(Body):
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    kind: ClientKind | None = None
    fields: dict[Annotated[str, StringConstraints(min_length=1, max_length=100)], FieldValue] | None = None
    tags: list[Annotated[str, StringConstraints(max_length=50)]] | None = Field(None, max_length=50)
    partner_ids: list[str] | None = None


class NoteIn(Body):
    text: Text
    shared_with_partners: StrictBool = False


class NoteEdit(Body):
    text: Text


class MergeIn(Body):
    other_id: Id


class ConversationPatch(Body):
    status: ConversationStatus | None = None
    assignee_id: str | None = None
    department_id: str | None = None
    handler: Handler | None = None
    priority: Priority | None = None
    snoozed_until: IsoDatetime | None = Field(
        None, description="with status snoozed (required then): when it wakes, in the future, within a year"
    )


class ReplyIn(Body):
    """JSON `{"text"}`, or multipart/form-data: a `text` field and `file` parts (hub.api.uploads)."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
    _files: list[Any] = PrivateAttr(default_factory=list)

    @classmethod
    async def from_multipart(cls, request: Any) -> ReplyIn:
        from hub.api.uploads import read_form

        form = await read_form(request)
        unknown = sorted(set(form.fields) - {"text"})
        if unknown:
            raise ApiError(400, "invalid", f"{unknown[0]}: unknown field")
        text = form.fields.get("text", "")
        if len(text) > 10_000:
            raise ApiError(400, "invalid", "text: at most 10000 characters")
        body = cls.model_construct(text=text)
        body._files = form.files
        return body


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254),
    Field(json_schema_extra={"format": "email"}),
]


class UserIn(Body):
    email: Email
    name: Name
    role: Role = Role.agent
    password: Password
    department_ids: list[str] = Field(default_factory=list)
    partner_id: Id | None = Field(None, description="a partner user's organisation (role partner)")


class UserPatch(Body):
    name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    department_ids: list[str] | None = None
    active: StrictBool | None = None
    capacity: int | None = Field(
        None, ge=0, le=1000, description="most open conversations at once (null: no limit)"
    )


class DepartmentIn(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class DepartmentPatch(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    assignment: AssignmentPolicy | None = Field(None, description="manual | round_robin | least_loaded")
    accept_minutes: StrictInt | None = Field(
        None,
        ge=0,
        le=24 * 60,
        description="an agent who does not answer within it loses the conversation (0: never)",
    )


# --- answers ------------------------------------------------------------------------------------------------------


def page_json(page: queries.Page[Any], shape: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {
        "items": [shape(item) for item in page.items],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }


def items_json(found: list[Any], shape: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [shape(item) for item in found]}
