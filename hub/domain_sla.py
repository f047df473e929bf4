"""Domain types of SLA: a clock per conversation and the breaches recorded for reports.

Plain pydantic models like hub.domain. Only `hub.actions.sla` writes them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from hub.domain import Model, new_id, utcnow


class SlaTarget(StrEnum):
    first_response = "first_response"
    resolution = "resolution"


class SlaClock(Model):
    """A conversation's SLA clock (`id` is the conversation's id). It runs from the customer message that opened
    the conversation (`started_at`; a reopening restarts `resolution_started_at`); the due times are computed from
    the policy that applies to the conversation's department and priority now (`policy` None: none applies)."""

    id: str
    policy: str | None = None
    department_id: str | None = None
    started_at: datetime
    first_response_at: datetime | None = None
    resolution_started_at: datetime
    resolved_at: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    warning_minutes: int = 0
    # while the conversation is snoozed or pending (the customer's turn) the clock is paused: no due times, no
    # notices; on resume each running target is extended by the open time the pause lasted (summed here)
    paused_at: datetime | None = None
    first_response_paused_minutes: float = 0
    resolution_paused_minutes: float = 0
    # targets whose breach notice went out for this cycle (first response: for good; resolution: until a reopen)
    breached: list[SlaTarget] = Field(default_factory=list)
    # the timer's bookkeeping: the next notice ("first_response:warning@<due>"), when, the notices sent, the lease
    next_notice: str | None = None
    next_notice_at: datetime | None = None
    notices_sent: list[str] = Field(default_factory=list)
    notice_lease_until: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


# what hub.actions.sla may change with SlaRepo.update (the timer's fields go through claim/complete)
SLA_MUTABLE = frozenset(
    {
        "policy",
        "department_id",
        "started_at",
        "first_response_at",
        "resolution_started_at",
        "resolved_at",
        "first_response_due_at",
        "resolution_due_at",
        "warning_minutes",
        "paused_at",
        "first_response_paused_minutes",
        "resolution_paused_minutes",
        "breached",
        "next_notice",
        "next_notice_at",
        "updated_at",
    }
)


class SlaBreach(Model):
    """A target missed: recorded once per conversation, target and due time (`key`, unique)."""

    id: str = Field(default_factory=new_id)
    key: str
    conversation_id: str
    department_id: str | None = None
    target: SlaTarget
    policy: str
    due_at: datetime
    at: datetime = Field(default_factory=utcnow)


class BreachCount(Model):
    department_id: str | None
    target: SlaTarget
    count: int
