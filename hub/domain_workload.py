"""Domain types of routing and assignment: an agent's load, a department's queue, an offer waiting to be accepted,
and a user's read marker. Plain models like hub.domain; only hub.actions.assignment and hub.actions.reads write
them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hub.domain import Model, utcnow


class AgentLoad(Model):
    """How many open conversations the assignment counts on an agent (a counter document, changed only by single
    conditional updates: a claim increments it only while it is below the agent's capacity)."""

    user_id: str
    open: int = 0
    last_assigned_at: datetime | None = None


class QueuedConversation(Model):
    """A conversation waiting in a department for an agent, oldest first. `skip`: agents who let it go
    (not accepted in time), passed over on its next hand-out."""

    conversation_id: str
    department_id: str
    since: datetime = Field(default_factory=utcnow)
    skip: list[str] = Field(default_factory=list)


class Offer(Model):
    """A conversation handed to an agent who has not answered yet: at `until` it moves on (claimed with a lease,
    so one process moves it, once)."""

    conversation_id: str
    user_id: str
    department_id: str
    until: datetime
    lease_until: datetime | None = None
