"""Domain types of the collaborative CRM: tasks and the per-user notification centre.

Plain pydantic models like hub.domain: data, no behaviour with side effects. Only `hub.actions.tasks` and
`hub.actions.notifications` write them and publish events about them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from hub.domain import Model, new_id, utcnow


class TaskStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


# a task in one of these still wants doing: it is listed as open, and its reminders are pending
ACTIVE_STATUSES = frozenset({TaskStatus.open, TaskStatus.in_progress})


class TaskPriority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class NoticeKind(StrEnum):
    """The timed notices of a task: a reminder before its due time, an overdue notice at it."""

    reminder = "reminder"
    overdue = "overdue"


class ChecklistItem(Model):
    text: str
    done: bool = False


class Task(Model):
    id: str = Field(default_factory=new_id)
    client_id: str
    conversation_id: str | None = None
    entry_id: str | None = None
    title: str
    description: str = ""
    assignee_id: str | None = None
    department_id: str | None = None
    # the partner organisation the task is assigned to (its users see it, on the clients granted to them)
    partner_id: str | None = None
    due_at: datetime | None = None
    priority: TaskPriority = TaskPriority.normal
    status: TaskStatus = TaskStatus.open
    watchers: list[str] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    created_by: str | None = None  # a user id; None: the system (a connector, a rule, a bot)
    # "task", or what a connector made it for ("callback" for a missed call, ...) and its data
    kind: str = "task"
    meta: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None
    # the timer's bookkeeping (store state, not content): the next notice due and when, the notices sent
    # ("reminder@<due time>", "overdue@<due time>"), and the lease of the process sending one
    next_notice: NoticeKind | None = None
    next_notice_at: datetime | None = None
    notices_sent: list[str] = Field(default_factory=list)
    notice_lease_until: datetime | None = None


def notice_key(kind: NoticeKind | str, due_at: datetime) -> str:
    """What `Task.notices_sent` records for a notice: its kind and the due time it was for (a new due time is a
    new pair of notices)."""
    return f"{NoticeKind(kind).value}@{due_at.isoformat()}"


class NotificationKind(StrEnum):
    mention = "mention"
    assignment = "assignment"
    task_assigned = "task_assigned"
    task_due = "task_due"
    task_overdue = "task_overdue"
    task_updated = "task_updated"
    sla_warning = "sla_warning"
    sla_breach = "sla_breach"
    handoff = "handoff"
    snooze_ended = "snooze_ended"


class Notification(Model):
    """One line of a user's notification centre. `kind` is open-ended (other parts of the hub add theirs);
    `params` carries what its text is rendered from (the inbox renders it in the reader's language)."""

    id: str = Field(default_factory=new_id)
    user_id: str
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    client_id: str | None = None
    conversation_id: str | None = None
    task_id: str | None = None
    entry_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    # unique per store: the same notice is stored (and pushed) once, also when two processes or a retry send it
    dedupe_key: str = ""

    def model_post_init(self, __context: Any) -> None:
        if not self.dedupe_key:
            self.dedupe_key = f"id:{self.id}"
