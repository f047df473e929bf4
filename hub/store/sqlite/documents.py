"""Named JSON documents (the active routing rules)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hub.store.sqlite.base import Base, to_json, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at TEXT NOT NULL);
"""


class SqliteDocuments(Base):
    async def get(self, key: str) -> dict[str, Any] | None:
        rows = await self.fetch_now("SELECT doc FROM documents WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    async def put(self, key: str, value: dict[str, Any], *, at: datetime) -> None:
        await self.run(
            "INSERT INTO documents(key, doc, updated_at) VALUES (?,?,?) "
            "ON CONFLICT(key) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
            (key, to_json(value), ts(at)),
        )
