"""Read markers: per (user, conversation), the conversation's inbound_count the user has read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.store.sqlite.base import Base, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS read_markers (
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);
CREATE INDEX IF NOT EXISTS read_markers_conversation ON read_markers(conversation_id, user_id);
"""


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SqliteReads(Base):
    async def mark(self, user_id: str, conversation_id: str, count: int, *, at: datetime) -> None:
        await self.run(
            "INSERT INTO read_markers(user_id, conversation_id, count, at) VALUES (?,?,?,?) "
            "ON CONFLICT(user_id, conversation_id) DO UPDATE SET count = max(count, excluded.count), "
            "at = excluded.at",
            (user_id, conversation_id, count, ts(at)),
        )

    async def counts(self, user_id: str, conversation_ids: Sequence[str]) -> dict[str, int]:
        if not conversation_ids:
            return {}
        rows = await self.fetch(
            "SELECT conversation_id, count FROM read_markers WHERE user_id = ? "
            f"AND conversation_id IN ({_marks(len(conversation_ids))})",
            (user_id, *conversation_ids),
        )
        return {r[0]: r[1] for r in rows}

    async def readers(self, conversation_id: str, user_ids: Sequence[str]) -> dict[str, int]:
        if not user_ids:
            return {}
        rows = await self.fetch(
            "SELECT user_id, count FROM read_markers WHERE conversation_id = ? "
            f"AND user_id IN ({_marks(len(user_ids))})",
            (conversation_id, *user_ids),
        )
        return {r[0]: r[1] for r in rows}

    async def clamp(self, conversation_id: str, count: int) -> None:
        await self.run(
            "UPDATE read_markers SET count = ? WHERE conversation_id = ? AND count > ?",
            (count, conversation_id, count),
        )
