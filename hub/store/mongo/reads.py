"""Read markers: per (user, conversation), the conversation's inbound_count the user has read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain import truncate_ms
from hub.store.mongo.base import MongoRepo

# _id = "<user id>|<conversation id>"
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "read_markers": [
        ([("user_id", ASCENDING), ("conversation_id", ASCENDING)], True),
        ([("conversation_id", ASCENDING), ("user_id", ASCENDING)], False),
    ],
}


class MongoReadRepo(MongoRepo):
    async def mark(self, user_id: str, conversation_id: str, count: int, *, at: datetime) -> None:
        key = {"_id": f"{user_id}|{conversation_id}"}
        update = {
            "$max": {"count": count},
            "$set": {"at": truncate_ms(at)},
            "$setOnInsert": {"user_id": user_id, "conversation_id": conversation_id},
        }
        try:
            await self._rt(self._c.update_one(key, update, upsert=True))
        except DuplicateKeyError:  # two upserts raced on a real server: the second applies as an update
            await self._rt(self._c.update_one(key, update, upsert=True))

    async def counts(self, user_id: str, conversation_ids: Sequence[str]) -> dict[str, int]:
        if not conversation_ids:
            return {}
        docs = await self._find({"user_id": user_id, "conversation_id": {"$in": list(conversation_ids)}})
        return {d["conversation_id"]: d["count"] for d in docs}

    async def readers(self, conversation_id: str, user_ids: Sequence[str]) -> dict[str, int]:
        if not user_ids:
            return {}
        docs = await self._find({"conversation_id": conversation_id, "user_id": {"$in": list(user_ids)}})
        return {d["user_id"]: d["count"] for d in docs}

    async def clamp(self, conversation_id: str, count: int) -> None:
        await self._rt(
            self._c.update_many(
                {"conversation_id": conversation_id, "count": {"$gt": count}}, {"$set": {"count": count}}
            )
        )
