"""The notification centre: one document per (user, notice); `dedupe_key` is unique, so a notice sent twice (two
processes, a retry after a crash) is stored once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain_tasks import Notification
from hub.store.mongo.base import MongoRepo, all_of, before_cursor, to_bson, to_doc, to_model, to_models
from hub.store.port import Cursor, check_limit

_DESC = [("created_at", DESCENDING), ("_id", DESCENDING)]

INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "notifications": [
        ([("dedupe_key", ASCENDING)], True),
        ([("user_id", ASCENDING), *_DESC], False),
        ([("user_id", ASCENDING), ("read_at", ASCENDING)], False),
    ],
}


class MongoNotificationRepo(MongoRepo):
    async def insert(self, notification: Notification) -> bool:
        try:
            await self._rt(self._c.insert_one(to_doc(notification)))
        except DuplicateKeyError:
            return False
        return True

    async def get(self, notification_id: str) -> Notification | None:
        return to_model(Notification, await self._rt(self._c.find_one({"_id": notification_id})))

    async def page(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 30, unread_only: bool = False
    ) -> list[Notification]:
        check_limit(limit)
        conditions: list[dict[str, Any]] = [{"user_id": user_id}]
        if unread_only:
            conditions.append({"read_at": None})
        if before is not None:
            conditions.append(before_cursor("created_at", before))
        return to_models(Notification, await self._find(all_of(conditions), sort=_DESC, limit=limit))

    async def unread_count(self, user_id: str) -> int:
        return await self._rt(self._c.count_documents({"user_id": user_id, "read_at": None}))

    async def mark_read(self, user_id: str, ids: Sequence[str] | None, *, at: datetime) -> int:
        filter_: dict[str, Any] = {"user_id": user_id, "read_at": None}
        if ids is not None:
            ids = list(dict.fromkeys(ids))
            if not ids:
                return 0
            filter_["_id"] = {"$in": ids}
        result = await self._rt(self._c.update_many(filter_, {"$set": {"read_at": to_bson(at)}}))
        return result.modified_count
