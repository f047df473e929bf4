"""Named JSON documents (the active routing rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain import truncate_ms
from hub.store.mongo.base import MongoRepo

INDEXES: dict[str, list[tuple[Any, ...]]] = {}


class MongoDocumentRepo(MongoRepo):
    async def get(self, key: str) -> dict[str, Any] | None:
        doc = await self._rt(self._c.find_one({"_id": key}))
        return doc["value"] if doc else None

    async def put(self, key: str, value: dict[str, Any], *, at: datetime) -> None:
        update = {"$set": {"value": value, "updated_at": truncate_ms(at)}}
        await self._rt(self._c.update_one({"_id": key}, update, upsert=True))
