"""The timeline: one document per entry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain import Delivery, DeliveryStatus, EntryKind, TimelineEntry, truncate_ms
from hub.search_terms import entry_text, terms_of_async
from hub.store.mongo.base import AFTER, MongoRepo, all_of, before_cursor, to_bson, to_doc, to_model, to_models
from hub.store.port import CALL_EVENT_MEMORY, Cursor, EntryScope, StoreStats, check_limit

_DUE_ORDER = [("delivery.next_attempt_at", ASCENDING), ("occurred_at", ASCENDING), ("_id", ASCENDING)]

# {collection: [(keys, unique) or (keys, unique, create_index options)]}
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "timeline": [
        ([("dedupe_key", ASCENDING)], True),
        ([("client_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("conversation_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("mentions", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("delivery.status", ASCENDING), *_DUE_ORDER], False),
        # entries from before seq existed have none: a partial index keeps them out of the unique one
        ([("seq", ASCENDING)], True, {"partialFilterExpression": {"seq": {"$exists": True}}}),
        ([("conversation_id", ASCENDING), ("seq", ASCENDING)], False),
        # only unsettled entries are in it
        ([("created_at", ASCENDING)], False, {"partialFilterExpression": {"settled": False}}),
    ],
}


def _entry_scope_filter(scope: EntryScope) -> list[dict[str, Any]] | None:
    """The conditions of an EntryScope on entry documents (matched together with the page's own filter, so a page
    holds `limit` visible entries); None when it allows nothing."""
    conditions: list[dict[str, Any]] = []
    if scope.conversation_ids is not None:
        anyof: list[dict[str, Any]] = []
        if scope.conversation_ids:
            anyof.append({"conversation_id": {"$in": list(scope.conversation_ids)}})
        if scope.unthreaded:
            anyof.append({"conversation_id": None})  # null or missing
        if not anyof:
            return None
        conditions.append(anyof[0] if len(anyof) == 1 else {"$or": anyof})
    elif not scope.unthreaded:
        conditions.append({"conversation_id": {"$ne": None}})
    if scope.shared_only:
        conditions.append(
            {"$or": [{"kind": {"$ne": EntryKind.note.value}}, {"meta.shared_with_partners": True}]}
        )
    return conditions


class MongoTimelineRepo(MongoRepo):
    _NEWEST_FIRST = [("occurred_at", DESCENDING), ("_id", DESCENDING)]

    def __init__(self, collection: Any, stats: StoreStats, counters: Any) -> None:
        super().__init__(collection, stats)
        self._counters = counters

    async def _next_seq(self) -> int:
        # one atomic $inc on a counter document: every caller, in any process, gets a new, larger number
        doc = await self._rt(
            self._counters.find_one_and_update(
                {"_id": "timeline"}, {"$inc": {"value": 1}}, upsert=True, return_document=AFTER
            )
        )
        return int(doc["value"])

    async def insert(self, entry: TimelineEntry, *, lease_until: datetime | None = None) -> bool:
        # the number is taken before the insert (one more round trip); a refused duplicate leaves a gap, which is
        # fine: seq is strictly increasing, not dense
        entry.seq = await self._next_seq()
        doc = to_doc(entry)
        doc["search_terms"] = await terms_of_async(entry_text(entry.text, entry.meta))
        if not entry.settled and lease_until is not None:
            doc["settle_lease_until"] = truncate_ms(lease_until)
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError:
            entry.seq = None
            return False
        return True

    async def get(self, entry_id: str) -> TimelineEntry | None:
        return to_model(TimelineEntry, await self._rt(self._c.find_one({"_id": entry_id})))

    async def get_by_dedupe_key(self, key: str) -> TimelineEntry | None:
        return to_model(TimelineEntry, await self._rt(self._c.find_one({"dedupe_key": key})))

    async def _page(
        self, field: str, value: str, before: Cursor | None, limit: int, scope: EntryScope | None = None
    ) -> list[TimelineEntry]:
        check_limit(limit)
        conditions: list[dict[str, Any]] = [{field: value}]
        if scope is not None:
            visible = _entry_scope_filter(scope)
            if visible is None:
                return []  # a scope that allows nothing
            conditions += visible
        if before is not None:
            conditions.append(before_cursor("occurred_at", before))
        return to_models(
            TimelineEntry, await self._find(all_of(conditions), sort=self._NEWEST_FIRST, limit=limit)
        )

    async def page(
        self,
        client_id: str,
        *,
        before: Cursor | None = None,
        limit: int = 50,
        scope: EntryScope | None = None,
    ) -> list[TimelineEntry]:
        return await self._page("client_id", client_id, before, limit, scope)

    async def conversation_page(
        self,
        conversation_id: str,
        *,
        before: Cursor | None = None,
        limit: int = 50,
        scope: EntryScope | None = None,
    ) -> list[TimelineEntry]:
        return await self._page("conversation_id", conversation_id, before, limit, scope)

    async def since(self, conversation_id: str, after_seq: int, *, limit: int = 200) -> list[TimelineEntry]:
        check_limit(limit)
        # {"$gt": n} never matches a missing seq: entries stored before seq existed are not returned
        docs = await self._find(
            {"conversation_id": conversation_id, "seq": {"$gt": after_seq}},
            sort=[("seq", ASCENDING)],
            limit=limit,
        )
        return to_models(TimelineEntry, docs)

    async def mentioning(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        return await self._page("mentions", user_id, before, limit)

    async def set_delivery(
        self, entry_id: str, delivery: Delivery, provider_id: str | None = None
    ) -> TimelineEntry | None:
        values: dict[str, Any] = {"delivery": to_bson(delivery)}
        if provider_id is not None:
            values["provider_id"] = provider_id
        doc = await self._update({"_id": entry_id}, {"$set": values})
        return to_model(TimelineEntry, doc)

    @staticmethod
    def _lease_free(now: datetime) -> dict[str, Any]:
        # {"field": None} matches a missing field as well as null
        return {"$or": [{"delivery.lease_until": None}, {"delivery.lease_until": {"$lte": now}}]}

    async def claim_delivery(
        self, entry_id: str, *, now: datetime, lease_until: datetime
    ) -> TimelineEntry | None:
        now = truncate_ms(now)
        filter_ = {"_id": entry_id, "delivery.status": DeliveryStatus.queued.value, **self._lease_free(now)}
        update = {"$set": {"delivery.lease_until": truncate_ms(lease_until)}}
        doc = await self._update(filter_, update)
        return to_model(TimelineEntry, doc)

    async def due_deliveries(self, *, now: datetime, limit: int = 100) -> list[TimelineEntry]:
        check_limit(limit)
        now = truncate_ms(now)
        filter_ = {
            "delivery.status": DeliveryStatus.queued.value,
            "$and": [
                {"$or": [{"delivery.next_attempt_at": None}, {"delivery.next_attempt_at": {"$lte": now}}]},
                self._lease_free(now),
            ],
        }
        # a work queue: never-tried first (null sorts first), then by next attempt time, then oldest
        docs = await self._find(filter_, sort=_DUE_ORDER, limit=limit)
        return to_models(TimelineEntry, docs)

    async def claim_settle(
        self, entry_id: str, *, now: datetime, lease_until: datetime
    ) -> TimelineEntry | None:
        now = truncate_ms(now)
        filter_ = {
            "_id": entry_id,
            "settled": False,
            "$or": [{"settle_lease_until": None}, {"settle_lease_until": {"$lte": now}}],
        }
        doc = await self._update(filter_, {"$set": {"settle_lease_until": truncate_ms(lease_until)}})
        return to_model(TimelineEntry, doc)

    async def settle(self, entry_id: str) -> bool:
        result = await self._rt(
            self._c.update_one(
                {"_id": entry_id, "settled": False},
                {"$set": {"settled": True}, "$unset": {"settle_lease_until": ""}},
            )
        )
        return result.modified_count == 1

    async def settle_many(self, entry_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(entry_ids))
        if not ids:
            return 0
        result = await self._rt(
            self._c.update_many(
                {"_id": {"$in": ids}, "settled": False},
                {"$set": {"settled": True}, "$unset": {"settle_lease_until": ""}},
            )
        )
        return result.modified_count

    async def unsettled(self, *, older_than: datetime, limit: int = 100) -> list[TimelineEntry]:
        check_limit(limit)
        # {"settled": False} does not match entries from before the field existed: they are settled
        docs = await self._find(
            {"settled": False, "created_at": {"$lte": truncate_ms(older_than)}},
            sort=[("created_at", ASCENDING), ("_id", ASCENDING)],
            limit=limit,
        )
        return to_models(TimelineEntry, docs)

    async def update_content(
        self, entry_id: str, *, text: str, html: str | None, meta: dict[str, Any]
    ) -> TimelineEntry | None:
        terms = await terms_of_async(entry_text(text, meta))
        update = {"$set": {"text": text, "html": html, "meta": to_bson(meta), "search_terms": terms}}
        doc = await self._update({"_id": entry_id}, update)
        return to_model(TimelineEntry, doc)

    async def record_call(
        self,
        entry_id: str,
        *,
        event_id: str,
        rank: int,
        status: str | None,
        fields: dict[str, str | int | float],
    ) -> TimelineEntry | None:
        # One pipeline update: the filter skips an event already applied ($ne on an array: no element equals it);
        # every expression of the stage reads the old document, so all compare with the old rank.
        for name, value in fields.items():
            if not name.isidentifier() or name in ("status", "rank", "status_event", "events"):
                raise ValueError(f"not a call field: {name!r}")
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise ValueError(f"call field {name} must be a string or a number")
        old_rank = {"$ifNull": ["$meta.call.rank", -1]}
        changes: dict[str, Any] = {
            name: {
                "$cond": [
                    {
                        "$or": [
                            {"$eq": [{"$ifNull": [f"$meta.call.{name}", None]}, None]},
                            {"$gte": [rank, old_rank]},
                        ]
                    },
                    {"$literal": value},
                    f"$meta.call.{name}",
                ]
            }
            for name, value in fields.items()
        }
        if status is not None:
            advance = {"$gt": [rank, old_rank]}
            changes["status"] = {"$cond": [advance, {"$literal": status}, "$meta.call.status"]}
            changes["status_event"] = {"$cond": [advance, {"$literal": event_id}, "$meta.call.status_event"]}
            changes["rank"] = {"$cond": [advance, rank, old_rank]}
        else:
            changes["rank"] = old_rank
        changes["events"] = {
            "$slice": [
                {"$concatArrays": [{"$ifNull": ["$meta.call.events", []]}, {"$literal": [event_id]}]},
                -CALL_EVENT_MEMORY,
            ]
        }
        stage = {f"meta.call.{name}": value for name, value in changes.items()}
        doc = await self._update({"_id": entry_id, "meta.call.events": {"$ne": event_id}}, [{"$set": stage}])
        return to_model(TimelineEntry, doc)

    async def add_attachment(self, entry_id: str, attachment: Any) -> TimelineEntry | None:
        data = to_bson(attachment.model_dump(mode="json"))
        doc = await self._update(
            {"_id": entry_id, "attachments.url": {"$ne": data["url"]}}, {"$push": {"attachments": data}}
        )
        return to_model(TimelineEntry, doc)

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        if from_client_id == to_client_id:
            return
        await self._rt(
            self._c.update_many({"client_id": from_client_id}, {"$set": {"client_id": to_client_id}})
        )

    async def move_entries(
        self, from_conversation_id: str, to_conversation_id: str, *, entry_id: str, following: bool = False
    ) -> list[TimelineEntry]:
        first = await self._rt(self._c.find_one({"_id": entry_id, "conversation_id": from_conversation_id}))
        if first is None:
            return []
        which: dict[str, Any] = {"conversation_id": from_conversation_id}
        if following and first.get("seq") is not None:
            which["seq"] = {"$gte": first["seq"]}
        else:
            which["_id"] = entry_id
        ids = [d["_id"] for d in await self._find(which, sort=[("seq", ASCENDING)])]
        if not ids:
            return []
        # conditional on the source: an entry another move took meanwhile stays where that move put it
        await self._rt(
            self._c.update_many(
                {"_id": {"$in": ids}, "conversation_id": from_conversation_id},
                {"$set": {"conversation_id": to_conversation_id}},
            )
        )
        docs = await self._find(
            {"_id": {"$in": ids}, "conversation_id": to_conversation_id}, sort=[("seq", ASCENDING)]
        )
        return to_models(TimelineEntry, docs)
