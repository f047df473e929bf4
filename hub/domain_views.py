"""Saved views: a named set of inbox filters, and the filters themselves (the one vocabulary that
`GET /api/v1/conversations` and a view's `filters` share).

A view is personal (`shared` = none: its owner sees and edits it), shared with everyone on staff (`everyone`) or
with one department (`department`, with `department_id`); only admins and supervisors share (hub.access). Plain
pydantic data like hub.domain; only `hub.actions.views` writes it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hub.domain import ConversationStatus, Handler, Model, Priority, new_id, utcnow
from hub.domain_sla import SlaClock
from hub.errors import Invalid

MAX_NAME = 80
MAX_VIEWS_PER_OWNER = 50  # personal and shared views one user keeps
MAX_VALUES = 20  # of one list filter
_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?(inf(inity)?|nan)\s*", re.I)


class SlaState(StrEnum):
    """Where a conversation's SLA clock stands now (a conversation without a policy has none of these)."""

    ok = "ok"
    warning = "warning"  # a target falls due within the policy's warning time
    breached = "breached"  # a target's due time has passed (or its breach notice went out)


def sla_state(clock: SlaClock | None, now: datetime) -> SlaState | None:
    """The state `representations_sla.sla_json` shows (breached: a breach recorded or a due time passed)."""
    if clock is None or clock.policy is None:
        return None
    dues = [d for d in (clock.first_response_due_at, clock.resolution_due_at) if d is not None]
    if clock.breached or any(d <= now for d in dues):
        return SlaState.breached
    lead = timedelta(minutes=clock.warning_minutes)
    if clock.warning_minutes and any(d - lead <= now for d in dues):
        return SlaState.warning
    return SlaState.ok


def _comma_list(value: Any) -> Any:
    """A query string gives `telegram,email`; JSON gives a list (or one string)."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _iso_time(value: Any) -> Any:
    """A time is a date and time with a zone (`2026-01-02T12:00:00Z`); a bare number is refused, not guessed."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("give a date and time with a time zone, e.g. 2026-01-02T12:00:00Z")
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2026-01-02T12:00:00Z")
    return in_utc_range(value)


def in_utc_range(value: datetime | None) -> datetime | None:
    """The time, if it is one in UTC too: 0001-01-01T00:00:00+14:00 is a valid ISO time the store cannot write."""
    if value is not None and value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is out of range (years 1 to 9999 in UTC)") from None
    return value


ChannelName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Assignee = Annotated[str, StringConstraints(min_length=1, max_length=64)]
DepartmentId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Time = Annotated[datetime | None, BeforeValidator(_iso_time), AfterValidator(_aware)]


def _list_of(kind: Any) -> Any:
    return Annotated[
        list[kind],
        BeforeValidator(_comma_list),
        AfterValidator(_unique),
        Field(default_factory=list, max_length=MAX_VALUES),
    ]


Channels = _list_of(ChannelName)
Statuses = _list_of(ConversationStatus)
Priorities = _list_of(Priority)
SlaStates = _list_of(SlaState)

# the filter keys, in the order the API documents them
FILTER_KEYS = (
    "channel",
    "status",
    "priority",
    "sla",
    "assignee",
    "department",
    "tag",
    "handler",
    "created_from",
    "created_to",
    "last_message_from",
    "last_message_to",
)


class ViewFilters(Model):
    """Every filter narrows (AND); a list filter matches any of its values; an empty one is no filter. Times: `_from`
    inclusive, `_to` exclusive. `assignee`: 'me' (whoever reads the view), 'none' (unassigned) or a user id."""

    model_config = ConfigDict(extra="forbid")

    channel: Channels
    status: Statuses
    priority: Priorities
    sla: SlaStates
    assignee: Assignee | None = None
    department: DepartmentId | None = None
    tag: Tag | None = None
    handler: Handler | None = None
    created_from: Time = None
    created_to: Time = None
    last_message_from: Time = None
    last_message_to: Time = None

    @model_validator(mode="after")
    def _ranges(self) -> ViewFilters:
        for name in ("created", "last_message"):
            start, end = getattr(self, f"{name}_from"), getattr(self, f"{name}_to")
            if start is not None and end is not None and end <= start:
                raise ValueError(f"{name}_to must be after {name}_from")
        return self

    def compact(self) -> dict[str, Any]:
        """The JSON of the filters that are set (what a view stores and shows)."""
        return {k: v for k, v in self.model_dump(mode="json").items() if v not in (None, [])}


def parse_filters(value: ViewFilters | dict[str, Any] | None, where: str = "filters") -> ViewFilters:
    """Filters from JSON or a query string; `Invalid` (a 400) naming the first bad one."""
    if isinstance(value, ViewFilters):
        return value
    try:
        return ViewFilters.model_validate(value or {})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise Invalid(f"{where}.{field}: {message}" if field else f"{where}: {message}") from exc


class ViewSharing(StrEnum):
    none = "none"  # personal: the owner's only
    everyone = "everyone"  # every staff member
    department = "department"  # the members of `department_id` (and those who see everything)


class SavedView(Model):
    id: str = Field(default_factory=new_id)
    name: str
    filters: ViewFilters = Field(default_factory=ViewFilters)
    owner_id: str
    shared: ViewSharing = ViewSharing.none
    department_id: str | None = None  # with shared = department
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# what hub.actions.views may change with ViewRepo.update
VIEW_MUTABLE = frozenset({"name", "filters", "shared", "department_id", "updated_at"})
