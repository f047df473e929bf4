"""Assignment: agents' load counters, the departments' queues, offers waiting to be accepted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from hub.domain_workload import AgentLoad, Offer, QueuedConversation
from hub.store.port import check_limit
from hub.store.sqlite.base import Base, from_ts, to_json, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_loads (
    user_id TEXT PRIMARY KEY, open INTEGER NOT NULL DEFAULT 0, last_assigned_at TEXT
);
CREATE TABLE IF NOT EXISTS assignment_queue (
    conversation_id TEXT PRIMARY KEY, department_id TEXT NOT NULL, since TEXT NOT NULL,
    skip TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS assignment_queue_department ON assignment_queue(department_id, since, conversation_id);
CREATE TABLE IF NOT EXISTS assignment_offers (
    conversation_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, department_id TEXT NOT NULL, until TEXT NOT NULL,
    lease_until TEXT
);
CREATE INDEX IF NOT EXISTS assignment_offers_until ON assignment_offers(until);
"""


def _load(row) -> AgentLoad:
    return AgentLoad(user_id=row[0], open=row[1], last_assigned_at=from_ts(row[2]))


def _queued(row) -> QueuedConversation:
    return QueuedConversation(
        conversation_id=row[0], department_id=row[1], since=from_ts(row[2]), skip=json.loads(row[3])
    )


def _offer(row) -> Offer:
    return Offer(
        conversation_id=row[0],
        user_id=row[1],
        department_id=row[2],
        until=from_ts(row[3]),
        lease_until=from_ts(row[4]),
    )


_OFFER = "conversation_id, user_id, department_id, until, lease_until"


class SqliteAssignment(Base):
    async def loads(self, user_ids: Sequence[str]) -> dict[str, AgentLoad]:
        if not user_ids:
            return {}
        rows = await self.fetch(
            f"SELECT user_id, open, last_assigned_at FROM agent_loads WHERE user_id IN ({','.join('?' * len(user_ids))})",
            tuple(user_ids),
        )
        return {r[0]: _load(r) for r in rows}

    async def take_slot(self, user_id: str, capacity: int | None, *, now: datetime) -> bool:
        # one statement: insert the counter at 1, or add 1 to it only while it is below the capacity
        rows = await self.fetch(
            "INSERT INTO agent_loads(user_id, open, last_assigned_at) SELECT ?, 1, ? WHERE ? IS NULL OR ? > 0 "
            "ON CONFLICT(user_id) DO UPDATE SET open = open + 1, last_assigned_at = excluded.last_assigned_at "
            "WHERE ? IS NULL OR open < ? RETURNING open",
            (user_id, ts(now), capacity, capacity, capacity, capacity),
        )
        return bool(rows)

    async def add_load(self, user_id: str, delta: int) -> None:
        await self.run(
            "INSERT INTO agent_loads(user_id, open) VALUES (?, max(0, ?)) "
            "ON CONFLICT(user_id) DO UPDATE SET open = max(0, open + ?)",
            (user_id, delta, delta),
        )

    async def set_load(self, user_id: str, open_count: int) -> None:
        await self.run(
            "INSERT INTO agent_loads(user_id, open) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET open = ?",
            (user_id, open_count, open_count),
        )

    async def correct_load(self, user_id: str, expected: int | None, open_count: int) -> bool:
        if expected is None:
            sql = "INSERT INTO agent_loads(user_id, open) VALUES (?, ?) ON CONFLICT(user_id) DO NOTHING"
            return await self.run(sql, (user_id, open_count)) > 0
        sql = "UPDATE agent_loads SET open = ? WHERE user_id = ? AND open = ?"
        return await self.run(sql, (open_count, user_id, expected)) > 0

    async def enqueue(self, item: QueuedConversation) -> None:
        await self.run(
            "INSERT INTO assignment_queue(conversation_id, department_id, since, skip) VALUES (?,?,?,?) "
            "ON CONFLICT(conversation_id) DO UPDATE SET "
            "since = CASE WHEN department_id = excluded.department_id THEN since ELSE excluded.since END, "
            "department_id = excluded.department_id, skip = excluded.skip",
            (item.conversation_id, item.department_id, ts(item.since), to_json(item.skip)),
        )

    async def dequeue(self, conversation_id: str) -> bool:
        return (
            await self.run("DELETE FROM assignment_queue WHERE conversation_id = ?", (conversation_id,)) > 0
        )

    async def queued(self, department_id: str, *, limit: int = 20) -> list[QueuedConversation]:
        check_limit(limit)
        rows = await self.fetch(
            "SELECT conversation_id, department_id, since, skip FROM assignment_queue WHERE department_id = ? "
            "ORDER BY since, conversation_id LIMIT ?",
            (department_id, limit),
        )
        return [_queued(r) for r in rows]

    async def queue_length(self, department_id: str) -> int:
        rows = await self.fetch(
            "SELECT count(*) FROM assignment_queue WHERE department_id = ?", (department_id,)
        )
        return rows[0][0]

    async def offer(self, offer: Offer) -> None:
        await self.run(
            f"INSERT OR REPLACE INTO assignment_offers({_OFFER}) VALUES (?,?,?,?,NULL)",
            (offer.conversation_id, offer.user_id, offer.department_id, ts(offer.until)),
        )

    async def drop_offer(self, conversation_id: str) -> bool:
        return (
            await self.run("DELETE FROM assignment_offers WHERE conversation_id = ?", (conversation_id,)) > 0
        )

    async def due_offers(self, *, now: datetime, limit: int = 100) -> list[Offer]:
        check_limit(limit)
        rows = await self.fetch(
            f"SELECT {_OFFER} FROM assignment_offers WHERE until <= ? AND (lease_until IS NULL OR lease_until <= ?) "
            "ORDER BY until LIMIT ?",
            (ts(now), ts(now), limit),
        )
        return [_offer(r) for r in rows]

    async def claim_offer(
        self, conversation_id: str, *, now: datetime, lease_until: datetime
    ) -> Offer | None:
        rows = await self.fetch(
            "UPDATE assignment_offers SET lease_until = ? WHERE conversation_id = ? AND until <= ? "
            f"AND (lease_until IS NULL OR lease_until <= ?) RETURNING {_OFFER}",
            (ts(lease_until), conversation_id, ts(now), ts(now)),
        )
        return _offer(rows[0]) if rows else None

    async def next_offer_at(self) -> datetime | None:
        rows = await self.fetch("SELECT min(until) FROM assignment_offers")
        return from_ts(rows[0][0]) if rows and rows[0][0] else None
