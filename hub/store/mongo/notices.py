"""Notices pending on documents (a task's reminders, an SLA clock's warning and breach), for both repos: the next
one is `next_notice` with its time in the indexed `next_notice_at`; a timer claims it with a lease in
`notice_lease_until` by one conditional update (hub.timers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from hub.store.mongo.base import all_of, from_bson, to_bson, to_model, to_models
from hub.store.port import check_limit

EPOCH = datetime(1970, 1, 1)


def lease_free(now: Any) -> dict[str, Any]:
    return {"$or": [{"notice_lease_until": None}, {"notice_lease_until": {"$lte": now}}]}


class NoticeQueue:
    """Mixed into a MongoRepo whose documents carry notices; `_notice_model` is their model."""

    _notice_model: Any

    async def due_notices(self, *, now: datetime, limit: int = 100) -> list[Any]:
        check_limit(limit)
        now = to_bson(now)
        docs = await self._find(  # type: ignore[attr-defined]
            all_of([{"next_notice_at": {"$gte": EPOCH, "$lte": now}}, lease_free(now)]),
            sort=[("next_notice_at", ASCENDING)],
            limit=limit,
        )
        return to_models(self._notice_model, docs)

    async def next_notice_at(self, *, now: datetime) -> datetime | None:
        docs = await self._find(  # type: ignore[attr-defined]
            all_of([{"next_notice_at": {"$gte": EPOCH}}, lease_free(to_bson(now))]),
            sort=[("next_notice_at", ASCENDING)],
            limit=1,
            projection={"next_notice_at": 1},
        )
        return from_bson(docs[0]["next_notice_at"]) if docs else None

    async def _claim_notice(
        self, doc_id: str, key: str, at: datetime, *, now: datetime, lease_until: datetime
    ) -> Any | None:
        at, now = to_bson(at), to_bson(now)
        if at > now:
            return None
        doc = await self._update(  # type: ignore[attr-defined]
            all_of([{"_id": doc_id, "next_notice": key, "next_notice_at": at}, lease_free(now)]),
            {"$set": {"notice_lease_until": to_bson(lease_until)}},
        )
        return to_model(self._notice_model, doc)
