"""The store port: tasks, SLA clocks and breaches, the notification centre."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hub.domain_sla import BreachCount, SlaBreach, SlaClock, SlaTarget
from hub.domain_tasks import NoticeKind, Notification, Task, TaskStatus
from hub.store.port.common import Cursor, PartnerScope, Scope

# Task fields that `TaskRepo.update` may set (the notice bookkeeping goes through claim_notice / complete_notice,
# except that a new due time or status resets next_notice / next_notice_at).
TASK_MUTABLE = frozenset(
    {
        "partner_id",
        "title",
        "description",
        "assignee_id",
        "department_id",
        "due_at",
        "priority",
        "status",
        "watchers",
        "checklist",
        "updated_at",
        "done_at",
        "next_notice",
        "next_notice_at",
        "meta",
    }
)


@dataclass(frozen=True, slots=True)
class PartnerTaskScope:
    """A partner user's tasks: assigned to their organisation (partner_id == `partner_id`) or to them (assignee_id
    == `user_id`), and only on a client that `clients` lets through (both must hold)."""

    partner_id: str
    user_id: str
    clients: PartnerScope


@dataclass(frozen=True, slots=True)
class TaskScope:
    """Which tasks a reader may see: a task is visible when ANY condition holds — assignee_id == `assignee_id`,
    department_id in `department_ids`, created_by == `member_id` or `member_id` in watchers, its conversation
    passes `conversation_scope`, or it passes `partner`. An empty TaskScope allows nothing."""

    assignee_id: str | None = None
    department_ids: tuple[str, ...] = ()
    member_id: str | None = None
    conversation_scope: Scope | None = None
    partner: PartnerTaskScope | None = None


@dataclass(frozen=True, slots=True)
class TaskQuery:
    assignee_id: str | None = None
    department_id: str | None = None
    statuses: tuple[TaskStatus, ...] = ()  # empty: any status
    due_before: datetime | None = None  # due_at < due_before (tasks with no due time never match)
    client_id: str | None = None
    conversation_id: str | None = None
    scope: TaskScope | None = None  # None: everything
    before: Cursor | None = None  # by created_at (then id), newest first
    limit: int = 50


class TaskRepo(Protocol):
    async def create(self, task: Task) -> None: ...

    async def get(self, task_id: str) -> Task | None: ...

    async def update(self, task_id: str, changes: dict[str, Any]) -> Task | None:
        """Set fields (keys in TASK_MUTABLE) in one update; returns the task after it, None if missing."""

    async def query(self, query: TaskQuery) -> list[Task]:
        """Tasks matching the filters, newest created first; `query.before` continues after a previous page.
        The scope is compiled into the query (SQLite: a sub-select on conversations; MongoDB: the visible ids of
        the conversations the candidate tasks name, one or two more round trips)."""

    async def due_notices(self, *, now: datetime, limit: int = 100) -> list[Task]:
        """Tasks whose next notice is due (next_notice_at <= now) and not leased, earliest first (indexed: only
        tasks with a pending notice are in that index)."""

    async def next_notice_at(self, *, now: datetime) -> datetime | None:
        """The earliest next_notice_at of the tasks whose notice is not leased: when the timer should wake."""

    async def claim_notice(
        self, task_id: str, kind: NoticeKind, at: datetime, *, now: datetime, lease_until: datetime
    ) -> Task | None:
        """Take the right to send the task's pending notice `kind` due `at`, in one conditional update: succeeds
        when that notice is still the pending one, is due (at <= now) and no lease is running. Sets the lease."""

    async def complete_notice(
        self,
        task_id: str,
        kind: NoticeKind,
        at: datetime,
        *,
        sent: str,
        next_kind: NoticeKind | None,
        next_at: datetime | None,
    ) -> Task | None:
        """Record `sent` in notices_sent, make (next_kind, next_at) the pending notice and drop the lease, in one
        conditional update that applies only while (kind, at) is still the pending notice (a task re-scheduled
        meanwhile keeps its new schedule). Returns the task after it, None when it did not apply."""

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None: ...


class SlaRepo(Protocol):
    """SLA clocks (one per conversation, `id` = its id) and the breaches recorded for reports (hub.domain_sla)."""

    async def create(self, clock: SlaClock) -> bool:
        """Store a new clock; False (nothing changed) when the conversation has one already."""

    async def get(self, conversation_id: str) -> SlaClock | None: ...

    async def get_many(self, conversation_ids: Sequence[str]) -> dict[str, SlaClock]:
        """The clocks of these conversations in one query (a list page), by conversation id."""

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> SlaClock | None:
        """Set fields (keys in SLA_MUTABLE) in one update; a new schedule (next_notice and next_notice_at, always
        together: ValueError otherwise) drops a running lease. Returns the clock after it, None if missing."""

    async def due_notices(self, *, now: datetime, limit: int = 100) -> list[SlaClock]:
        """Clocks whose next notice is due and not leased, earliest first (an index on next_notice_at)."""

    async def next_notice_at(self, *, now: datetime) -> datetime | None:
        """The earliest next_notice_at of the clocks whose notice is not leased."""

    async def claim_notice(
        self, conversation_id: str, key: str, at: datetime, *, now: datetime, lease_until: datetime
    ) -> SlaClock | None:
        """Take the lease on the pending notice (key, at) in one conditional update: only while it is still the
        pending one, due (at <= now) and not leased."""

    async def complete_notice(
        self,
        conversation_id: str,
        key: str,
        at: datetime,
        *,
        next_key: str | None,
        next_at: datetime | None,
        breached: SlaTarget | None = None,
    ) -> SlaClock | None:
        """Record `key` in notices_sent (and `breached` in breached), make (next_key, next_at) the pending notice
        and drop the lease, in one update conditional on (key, at) still being the pending notice."""

    async def record_breach(self, breach: SlaBreach) -> bool:
        """Store a breach; False when one with its key exists (a second process, a retry)."""

    async def count_breaches(
        self, *, department_ids: Sequence[str | None] | None, since: datetime | None, until: datetime | None
    ) -> list[BreachCount]:
        """Breaches with since <= at < until, counted per (department, target); `department_ids` None: all."""


class NotificationRepo(Protocol):
    async def insert(self, notification: Notification) -> bool:
        """Store it; False (nothing stored) when one with the same dedupe_key exists."""

    async def get(self, notification_id: str) -> Notification | None: ...

    async def page(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 30, unread_only: bool = False
    ) -> list[Notification]:
        """A user's notifications, newest first by (created_at, id), strictly after `before`."""

    async def unread_count(self, user_id: str) -> int: ...

    async def mark_read(self, user_id: str, ids: Sequence[str] | None, *, at: datetime) -> int:
        """Set read_at = at on the user's unread notifications among `ids` (None: all of them); how many changed.
        Ids of other users' notifications change nothing."""
