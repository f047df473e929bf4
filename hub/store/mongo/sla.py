"""SLA clocks (`_id` = the conversation's id) and breaches (`key` unique). The timer reads the `next_notice_at`
index; a clock with no pending notice has null there, which a date range never matches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain_sla import SLA_MUTABLE, BreachCount, SlaBreach, SlaClock, SlaTarget
from hub.store.mongo.base import (
    MongoRepo,
    all_of,
    check_keys,
    to_bson,
    to_doc,
    to_model,
    to_models,
)
from hub.store.mongo.notices import NoticeQueue
from hub.store.port import StoreStats

INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "sla_clocks": [([("next_notice_at", ASCENDING)], False)],
    "sla_breaches": [
        ([("key", ASCENDING)], True),
        ([("at", ASCENDING), ("department_id", ASCENDING)], False),
    ],
}


class MongoSlaRepo(NoticeQueue, MongoRepo):
    _notice_model = SlaClock

    def __init__(self, clocks: Any, breaches: Any, stats: StoreStats) -> None:
        super().__init__(clocks, stats)
        self._breaches = breaches

    async def create(self, clock: SlaClock) -> bool:
        result = await self._rt(
            self._c.update_one({"_id": clock.id}, {"$setOnInsert": to_doc(clock)}, upsert=True)
        )
        return result.upserted_id is not None

    async def get(self, conversation_id: str) -> SlaClock | None:
        return to_model(SlaClock, await self._rt(self._c.find_one({"_id": conversation_id})))

    async def get_many(self, conversation_ids: Sequence[str]) -> dict[str, SlaClock]:
        ids = list(dict.fromkeys(conversation_ids))
        if not ids:
            return {}
        return {c.id: c for c in to_models(SlaClock, await self._find({"_id": {"$in": ids}}))}

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> SlaClock | None:
        check_keys(changes, SLA_MUTABLE, "SLA clock")
        if not changes:
            return await self.get(conversation_id)
        values = {k: to_bson(v) for k, v in changes.items()}
        if "next_notice_at" in changes or "next_notice" in changes:
            if not {"next_notice", "next_notice_at"} <= set(changes):
                raise ValueError("a new schedule sets next_notice and next_notice_at together")
            values["notice_lease_until"] = None
        return to_model(SlaClock, await self._update({"_id": conversation_id}, {"$set": values}))

    async def claim_notice(
        self, conversation_id: str, key: str, at: datetime, *, now: datetime, lease_until: datetime
    ) -> SlaClock | None:
        return await self._claim_notice(conversation_id, key, at, now=now, lease_until=lease_until)

    async def complete_notice(
        self,
        conversation_id: str,
        key: str,
        at: datetime,
        *,
        next_key: str | None,
        next_at: datetime | None,
        breached: SlaTarget | None = None,
    ) -> SlaClock | None:
        update: dict[str, Any] = {
            "$set": {"next_notice": next_key, "next_notice_at": to_bson(next_at), "notice_lease_until": None},
            "$push": {"notices_sent": key},
        }
        if breached is not None:
            update["$addToSet"] = {"breached": breached.value}
        doc = await self._update(
            {"_id": conversation_id, "next_notice": key, "next_notice_at": to_bson(at)}, update
        )
        return to_model(SlaClock, doc)

    async def record_breach(self, breach: SlaBreach) -> bool:
        try:
            result = await self._rt(
                self._breaches.update_one({"key": breach.key}, {"$setOnInsert": to_doc(breach)}, upsert=True)
            )
        except DuplicateKeyError:
            return False
        return result.upserted_id is not None

    async def count_breaches(
        self, *, department_ids: Sequence[str | None] | None, since: datetime | None, until: datetime | None
    ) -> list[BreachCount]:
        conditions: list[dict[str, Any]] = []
        span: dict[str, Any] = {}
        if since is not None:
            span["$gte"] = to_bson(since)
        if until is not None:
            span["$lt"] = to_bson(until)
        if span:
            conditions.append({"at": span})
        if department_ids is not None:
            conditions.append({"department_id": {"$in": list(department_ids)}})
        pipeline = [
            {"$match": all_of(conditions)},
            {"$group": {"_id": {"d": "$department_id", "t": "$target"}, "n": {"$sum": 1}}},
        ]
        rows = await self._rt(self._breaches.aggregate(pipeline).to_list(None))
        counts = [
            BreachCount(department_id=r["_id"].get("d"), target=SlaTarget(r["_id"]["t"]), count=r["n"])
            for r in rows
        ]
        return sorted(counts, key=lambda c: (c.department_id or "", c.target.value))
