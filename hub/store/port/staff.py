"""The store port: users, departments and the assignment engine's counters, offers and queues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from hub.domain import (
    Department,
    User,
)
from hub.domain_workload import AgentLoad, Offer, QueuedConversation


class UserRepo(Protocol):
    async def create(self, user: User) -> None:
        """Raises DuplicateError when the (lower-cased) email is taken."""

    async def get(self, user_id: str) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def list(self) -> list[User]:
        """All users, by name."""

    async def update(self, user_id: str, changes: dict[str, Any]) -> User | None: ...

    async def count(self) -> int: ...


class DepartmentRepo(Protocol):
    async def create(self, department: Department) -> None:
        """Raises DuplicateError when the name (case-insensitive) is taken."""

    async def get(self, department_id: str) -> Department | None: ...

    async def get_by_name(self, name: str) -> Department | None: ...

    async def list(self) -> list[Department]: ...

    async def update(self, department_id: str, changes: dict[str, Any]) -> Department | None:
        """Set fields (keys in DEPARTMENT_MUTABLE); the department after it, None if missing."""

    async def rename(self, department_id: str, name: str) -> Department | None:
        """Raises DuplicateError when another department has that name (case-insensitive)."""


class AssignmentRepo(Protocol):
    async def loads(self, user_ids: Sequence[str]) -> dict[str, AgentLoad]:
        """The load counters of these users (users never counted are absent: their load is 0)."""

    async def take_slot(self, user_id: str, capacity: int | None, *, now: datetime) -> bool:
        """+1 on the user's counter in one conditional update that applies only while it is below `capacity`
        (None: always); sets last_assigned_at. True when it applied."""

    async def add_load(self, user_id: str, delta: int) -> None:
        """Move the counter by delta (people's assignments, resolves, reopens), never below 0."""

    async def set_load(self, user_id: str, open_count: int) -> None: ...

    async def correct_load(self, user_id: str, expected: int | None, open_count: int) -> bool:
        """Set the counter to `open_count` only while it still reads `expected` (None: no counter yet), in one
        conditional update; False when it moved meanwhile (a claim or a release in flight: the recount waits)."""

    async def enqueue(self, item: QueuedConversation) -> None:
        """Put it in its department's queue (upsert by conversation: a re-route moves it, keeping `since` only
        when the department is the same)."""

    async def dequeue(self, conversation_id: str) -> bool: ...

    async def queued(self, department_id: str, *, limit: int = 20) -> list[QueuedConversation]:
        """The department's queue, oldest first."""

    async def queue_length(self, department_id: str) -> int: ...

    async def offer(self, offer: Offer) -> None:
        """Record (replace) the offer of a conversation."""

    async def drop_offer(self, conversation_id: str) -> bool:
        """The offer was accepted or is void; True when there was one."""

    async def due_offers(self, *, now: datetime, limit: int = 100) -> list[Offer]:
        """Offers whose `until` <= now and whose lease is not running, earliest first (indexed by until)."""

    async def claim_offer(
        self, conversation_id: str, *, now: datetime, lease_until: datetime
    ) -> Offer | None:
        """Take the right to move a due offer on, in one conditional update (due, lease not running)."""

    async def next_offer_at(self) -> datetime | None: ...
