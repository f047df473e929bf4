"""Assignment: agents' load counters, the departments' queues, offers waiting to be accepted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.domain import truncate_ms
from hub.domain_workload import AgentLoad, Offer, QueuedConversation
from hub.store.mongo.base import MongoRepo, from_bson, to_bson
from hub.store.port import check_limit

# agent_loads: _id = user id; assignment_queue and assignment_offers: _id = conversation id
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "assignment_queue": [([("department_id", ASCENDING), ("since", ASCENDING), ("_id", ASCENDING)], False)],
    "assignment_offers": [([("until", ASCENDING)], False)],
}


def _load(doc: dict[str, Any]) -> AgentLoad:
    d = from_bson(doc)
    return AgentLoad(user_id=d["_id"], open=d.get("open", 0), last_assigned_at=d.get("last_assigned_at"))


def _queued(doc: dict[str, Any]) -> QueuedConversation:
    d = from_bson(doc)
    return QueuedConversation(
        conversation_id=d["_id"], department_id=d["department_id"], since=d["since"], skip=d.get("skip", [])
    )


def _offer(doc: dict[str, Any]) -> Offer:
    d = from_bson(doc)
    d["conversation_id"] = d.pop("_id")
    return Offer.model_validate(d)


class MongoAssignmentRepo(MongoRepo):
    def __init__(self, loads: Any, queue: Any, offers: Any, stats: Any) -> None:
        super().__init__(loads, stats)
        self._queue = queue
        self._offers = offers

    async def loads(self, user_ids: Sequence[str]) -> dict[str, AgentLoad]:
        if not user_ids:
            return {}
        docs = await self._find({"_id": {"$in": list(user_ids)}})
        return {d["_id"]: _load(d) for d in docs}

    async def take_slot(self, user_id: str, capacity: int | None, *, now: datetime) -> bool:
        if capacity is not None and capacity <= 0:
            return False
        inc = {"$inc": {"open": 1}, "$set": {"last_assigned_at": truncate_ms(now)}}
        if capacity is None:
            await self._rt(self._c.update_one({"_id": user_id}, inc, upsert=True))
            return True
        # the counter document exists from here on (an insert that loses a race changes nothing)
        try:
            await self._rt(self._c.update_one({"_id": user_id}, {"$setOnInsert": {"open": 0}}, upsert=True))
        except DuplicateKeyError:
            pass
        found = await self._rt(
            self._c.find_one_and_update(
                {"_id": user_id, "open": {"$lt": capacity}}, inc, return_document=ReturnDocument.AFTER
            )
        )
        return found is not None

    async def add_load(self, user_id: str, delta: int) -> None:
        update = [{"$set": {"open": {"$max": [0, {"$add": [{"$ifNull": ["$open", 0]}, delta]}]}}}]
        await self._rt(self._c.update_one({"_id": user_id}, update, upsert=True))

    async def set_load(self, user_id: str, open_count: int) -> None:
        await self._rt(self._c.update_one({"_id": user_id}, {"$set": {"open": open_count}}, upsert=True))

    async def correct_load(self, user_id: str, expected: int | None, open_count: int) -> bool:
        if expected is None:
            try:
                await self._rt(self._c.insert_one({"_id": user_id, "open": open_count}))
            except DuplicateKeyError:
                return False
            return True
        result = await self._rt(
            self._c.update_one(
                {"_id": user_id, "open": {"$in": [0, None]} if expected == 0 else expected},
                {"$set": {"open": open_count}},
            )
        )
        return result.matched_count > 0

    async def enqueue(self, item: QueuedConversation) -> None:
        since = truncate_ms(item.since)
        update = [
            {
                "$set": {
                    "since": {
                        "$cond": [
                            {"$eq": [{"$ifNull": ["$department_id", None]}, item.department_id]},
                            "$since",
                            since,
                        ]
                    },
                    "department_id": item.department_id,
                    "skip": {"$literal": list(item.skip)},
                }
            }
        ]
        await self._rt(self._queue.update_one({"_id": item.conversation_id}, update, upsert=True))

    async def dequeue(self, conversation_id: str) -> bool:
        result = await self._rt(self._queue.delete_one({"_id": conversation_id}))
        return result.deleted_count > 0

    async def queued(self, department_id: str, *, limit: int = 20) -> list[QueuedConversation]:
        check_limit(limit)
        cursor = (
            self._queue.find({"department_id": department_id}).sort([("since", 1), ("_id", 1)]).limit(limit)
        )
        return [_queued(d) for d in await self._rt(cursor.to_list(None))]

    async def queue_length(self, department_id: str) -> int:
        return await self._rt(self._queue.count_documents({"department_id": department_id}))

    async def offer(self, offer: Offer) -> None:
        doc = to_bson(offer.model_dump(mode="python", exclude={"conversation_id"}))
        doc["lease_until"] = None
        await self._rt(self._offers.replace_one({"_id": offer.conversation_id}, doc, upsert=True))

    async def drop_offer(self, conversation_id: str) -> bool:
        result = await self._rt(self._offers.delete_one({"_id": conversation_id}))
        return result.deleted_count > 0

    def _due(self, now: datetime) -> dict[str, Any]:
        now = truncate_ms(now)
        return {"until": {"$lte": now}, "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]}

    async def due_offers(self, *, now: datetime, limit: int = 100) -> list[Offer]:
        check_limit(limit)
        cursor = self._offers.find(self._due(now)).sort([("until", 1)]).limit(limit)
        return [_offer(d) for d in await self._rt(cursor.to_list(None))]

    async def claim_offer(
        self, conversation_id: str, *, now: datetime, lease_until: datetime
    ) -> Offer | None:
        doc = await self._rt(
            self._offers.find_one_and_update(
                {"_id": conversation_id, **self._due(now)},
                {"$set": {"lease_until": truncate_ms(lease_until)}},
                return_document=ReturnDocument.AFTER,
            )
        )
        return _offer(doc) if doc else None

    async def next_offer_at(self) -> datetime | None:
        cursor = self._offers.find({}, {"until": 1}).sort([("until", 1)]).limit(1)
        docs = await self._rt(cursor.to_list(None))
        return from_bson(docs[0]["until"]) if docs else None
