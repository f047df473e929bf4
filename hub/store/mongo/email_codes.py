"""One-time email codes: a try and a use are single conditional find_one_and_update calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from hub.domain import truncate_ms
from hub.domain_verification import EmailCode
from hub.store.mongo.base import MongoRepo, to_doc, to_model

INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "email_codes": [
        ([("visitor_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("address", ASCENDING), ("created_at", DESCENDING)], False),
        ([("created_at", ASCENDING)], False),
    ],
}


class MongoEmailCodeRepo(MongoRepo):
    async def insert(self, code: EmailCode) -> None:
        await self._rt(self._c.insert_one(to_doc(code)))

    async def latest(self, visitor_id: str) -> EmailCode | None:
        docs = await self._find(
            {"visitor_id": visitor_id}, sort=[("created_at", DESCENDING), ("_id", DESCENDING)], limit=1
        )
        return to_model(EmailCode, docs[0]) if docs else None

    async def count_since(
        self,
        *,
        since: datetime,
        visitor_id: str | None = None,
        address: str | None = None,
        before: EmailCode | None = None,
    ) -> int:
        if (visitor_id is None) == (address is None):
            raise ValueError("give exactly one of visitor_id and address")
        filter_: dict[str, Any] = {"created_at": {"$gte": truncate_ms(since)}}
        if visitor_id is not None:
            filter_["visitor_id"] = visitor_id
        else:
            filter_["address"] = address
        if before is not None:
            at = truncate_ms(before.created_at)
            filter_ = {
                "$and": [
                    filter_,
                    {"$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": before.id}}]},
                ]
            }
        return int(await self._rt(self._c.count_documents(filter_)))

    async def attempt(self, code_id: str, *, max_attempts: int) -> EmailCode | None:
        doc = await self._update(
            {"_id": code_id, "attempts": {"$lt": max_attempts}, "used_at": None}, {"$inc": {"attempts": 1}}
        )
        return to_model(EmailCode, doc)

    async def use(self, code_id: str, *, at: datetime) -> bool:
        doc = await self._update({"_id": code_id, "used_at": None}, {"$set": {"used_at": truncate_ms(at)}})
        return doc is not None

    async def delete(self, code_id: str) -> bool:
        result = await self._rt(self._c.delete_one({"_id": code_id}))
        return bool(result.deleted_count)

    async def purge(self, *, before: datetime) -> int:
        result = await self._rt(self._c.delete_many({"created_at": {"$lt": truncate_ms(before)}}))
        return int(result.deleted_count)
