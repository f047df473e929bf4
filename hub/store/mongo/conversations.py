"""Conversations: one per (client, channel, thread key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.domain import Conversation, ConversationStatus, truncate_ms, utcnow
from hub.domain_sla import SlaClock
from hub.domain_views import SlaState, sla_state
from hub.store.mongo.base import (
    MongoRepo,
    all_of,
    before_cursor,
    check_keys,
    from_bson,
    to_bson,
    to_doc,
    to_model,
    to_models,
)
from hub.store.mongo.notices import EPOCH
from hub.store.port import (
    CONVERSATION_MUTABLE,
    TOUCH_MEMORY,
    ConversationQuery,
    Scope,
    StoreStats,
    check_limit,
)

_DESC_AT_ID = [("sort_at", DESCENDING), ("_id", DESCENDING)]
_REOPENABLE = [
    ConversationStatus.resolved.value,
    ConversationStatus.snoozed.value,
    ConversationStatus.pending.value,
]
_SNOOZED = ConversationStatus.snoozed.value

# {collection: [(keys, unique) or (keys, unique, create_index options)]}
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "conversations": [
        ([("client_id", ASCENDING), ("channel", ASCENDING), ("thread_key", ASCENDING)], True),
        (_DESC_AT_ID, False),
        ([("status", ASCENDING), *_DESC_AT_ID], False),
        ([("assignee_id", ASCENDING), *_DESC_AT_ID], False),
        ([("department_id", ASCENDING), *_DESC_AT_ID], False),
        ([("client_id", ASCENDING), *_DESC_AT_ID], False),
        ([("status", ASCENDING), ("snoozed_until", ASCENDING)], False),  # the snoozed ones' wake times
    ],
}


def _conversation(doc: dict[str, Any]) -> Conversation:
    conversation = to_model(Conversation, doc)
    assert conversation is not None
    return conversation


def scope_filter(scope: Scope) -> dict[str, Any] | None:
    """The filter (on conversation documents) of a Scope: any of its conditions; None when it allows nothing.
    Shared with the client search."""
    allowed: list[dict[str, Any]] = []
    if scope.department_ids:
        allowed.append({"department_id": {"$in": list(scope.department_ids)}})
    if scope.user_id is not None:
        allowed.append({"assignee_id": scope.user_id})
    if scope.unrouted:
        allowed.append({"department_id": None})
    if scope.client_ids:
        allowed.append({"client_id": {"$in": list(scope.client_ids)}})
    if scope.conversation_ids:
        allowed.append({"_id": {"$in": list(scope.conversation_ids)}})
    if not allowed:
        return None
    return allowed[0] if len(allowed) == 1 else {"$or": allowed}


class MongoConversationRepo(MongoRepo):
    def __init__(self, collection: Any, stats: StoreStats, clients: Any = None, sla: Any = None) -> None:
        super().__init__(collection, stats)
        self._clients = clients  # the tag filter reads the clients' ids
        self._sla = sla  # the SLA filter reads the clocks

    async def get_or_create(self, proposal: Conversation) -> tuple[Conversation, bool]:
        doc = to_doc(proposal)
        doc["sort_at"] = doc["last_message_at"] or doc["created_at"]
        key = {
            "client_id": doc.pop("client_id"),
            "channel": doc.pop("channel"),
            "thread_key": doc.pop("thread_key"),
        }
        # ReturnDocument.BEFORE: None when this very call inserted (then the document is exactly key + doc), else
        # the existing conversation. So `created` is true only for the call that inserted, even when the same
        # proposal (same id) is retried.
        for attempt in range(2):
            try:
                found = await self._rt(
                    self._c.find_one_and_update(
                        key, {"$setOnInsert": doc}, upsert=True, return_document=ReturnDocument.BEFORE
                    )
                )
                break
            except DuplicateKeyError:
                # two upserts raced on a real server: the other one inserted, the retry finds its document
                if attempt:
                    raise
        if found is None:
            return _conversation({**key, **doc}), True
        return _conversation(found), False

    async def get(self, conversation_id: str) -> Conversation | None:
        return to_model(Conversation, await self._rt(self._c.find_one({"_id": conversation_id})))

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> Conversation | None:
        check_keys(changes, CONVERSATION_MUTABLE, "conversation")
        if not changes:
            return await self.get(conversation_id)
        values = {k: to_bson(v) for k, v in changes.items()}
        doc = await self._update({"_id": conversation_id}, {"$set": values})
        return to_model(Conversation, doc)

    async def touch(
        self,
        conversation_id: str,
        *,
        at: datetime,
        preview: str,
        inbound: bool,
        reopen: bool,
        now: datetime | None = None,
        entry_id: str | None = None,
    ) -> Conversation | None:
        # One atomic aggregation-pipeline update (MongoDB >= 4.2; mongomock supports it). All expressions of the
        # first stage see the old document:
        # - last_message_at = max(old, at) ($max ignores a null old value);
        # - the preview is replaced only when `at` >= the old last_message_at (a late, older message does not
        #   overwrite the newer preview);
        # - updated_at = max(old, now, at), so it never goes backwards either;
        # - unread += 1 when inbound; status = open when `reopen` and it was resolved or snoozed.
        # - with an entry id, the filter matches only while `applied_entry_ids` lacks it, and the stage appends it
        #   (keeping the last TOUCH_MEMORY): the same entry is never applied twice.
        # The second stage refreshes the sort key from the new last_message_at.
        at = truncate_ms(at)
        first: dict[str, Any] = {
            "last_message_at": {"$max": ["$last_message_at", at]},
            "last_message_preview": {
                "$cond": [
                    {"$gte": [at, {"$ifNull": ["$last_message_at", at]}]},
                    {"$literal": preview},
                    "$last_message_preview",
                ]
            },
            "updated_at": {"$max": ["$updated_at", at, truncate_ms(now or utcnow())]},
        }
        if inbound:
            first["unread"] = {"$add": [{"$ifNull": ["$unread", 0]}, 1]}
            # monotonic; a document from before it existed starts from its shared unread counter
            first["inbound_count"] = {
                "$add": [{"$ifNull": ["$inbound_count", {"$ifNull": ["$unread", 0]}]}, 1]
            }
        if reopen:
            first["status"] = {
                "$cond": [
                    {"$in": ["$status", {"$literal": _REOPENABLE}]},
                    ConversationStatus.open.value,
                    "$status",
                ]
            }
            first["snoozed_until"] = None
            first["snoozed_until"] = None
        filter_: dict[str, Any] = {"_id": conversation_id}
        if entry_id is not None:
            filter_["applied_entry_ids"] = {"$ne": entry_id}
            first["applied_entry_ids"] = {
                "$slice": [
                    {"$concatArrays": [{"$ifNull": ["$applied_entry_ids", []]}, {"$literal": [entry_id]}]},
                    -TOUCH_MEMORY,
                ]
            }
        pipeline = [
            {"$set": first},
            {"$set": {"sort_at": {"$ifNull": ["$last_message_at", "$created_at"]}}},
        ]
        doc = await self._update(filter_, pipeline)
        return to_model(Conversation, doc)

    async def set_last_message(
        self,
        conversation_id: str,
        *,
        expected_at: datetime | None,
        at: datetime | None,
        preview: str,
        inbound_added: int = 0,
        now: datetime,
    ) -> Conversation | None:
        # one conditional pipeline update: the filter holds last_message_at as the caller read it (None matches a
        # missing or null field); the counters never go below 0; the sort key follows the new last_message_at
        first: dict[str, Any] = {
            "last_message_at": truncate_ms(at) if at is not None else None,
            "last_message_preview": {"$literal": preview},
            "updated_at": {"$max": ["$updated_at", truncate_ms(now)]},
        }
        if inbound_added:
            first["unread"] = {"$max": [0, {"$add": [{"$ifNull": ["$unread", 0]}, inbound_added]}]}
            first["inbound_count"] = {
                "$max": [
                    0,
                    {"$add": [{"$ifNull": ["$inbound_count", {"$ifNull": ["$unread", 0]}]}, inbound_added]},
                ]
            }
        expected = truncate_ms(expected_at) if expected_at is not None else None
        pipeline = [
            {"$set": first},
            {"$set": {"sort_at": {"$ifNull": ["$last_message_at", "$created_at"]}}},
        ]
        doc = await self._update({"_id": conversation_id, "last_message_at": expected}, pipeline)
        return to_model(Conversation, doc)

    async def query(self, query: ConversationQuery) -> list[Conversation]:
        check_limit(query.limit)
        conditions = await self._conditions(query)
        if conditions is None:
            return []  # a scope or filter that allows nothing
        if query.before is not None:
            conditions.append(before_cursor("sort_at", query.before))
        docs = await self._find(
            all_of(conditions), sort=[("sort_at", DESCENDING), ("_id", DESCENDING)], limit=query.limit
        )
        return to_models(Conversation, docs)

    async def count(self, query: ConversationQuery) -> int:
        conditions = await self._conditions(query)
        if conditions is None:
            return 0
        return int(await self._rt(self._c.count_documents(all_of(conditions))))

    async def _conditions(self, query: ConversationQuery) -> list[dict[str, Any]] | None:
        """The conditions (ANDed) of a query's filters and scope (no cursor); None when nothing can match. A tag
        or SLA filter first reads the matching clients' or clocks' ids (one more round trip each)."""
        conditions: list[dict[str, Any]] = []
        if query.status is not None:
            conditions.append({"status": to_bson(query.status)})
        if query.assignee_id is not None:
            conditions.append({"assignee_id": query.assignee_id})
        if query.unassigned:
            conditions.append({"assignee_id": None})
        if query.department_id is not None:
            conditions.append({"department_id": query.department_id})
        if query.client_id is not None:
            conditions.append({"client_id": query.client_id})
        if query.handler is not None:
            conditions.append({"handler": to_bson(query.handler)})
        for name, values in (
            ("channel", query.channels),
            ("status", query.statuses),
            ("priority", query.priorities),
        ):
            if values:
                conditions.append({name: {"$in": to_bson(list(values))}})
        for name, start, end in (
            ("created_at", query.created_from, query.created_to),
            ("last_message_at", query.last_message_from, query.last_message_to),
        ):
            bounds = {}
            if start is not None:
                bounds["$gte"] = truncate_ms(start)
            if end is not None:
                bounds["$lt"] = truncate_ms(end)
            if bounds:
                conditions.append({name: bounds})
        if query.scope is not None:
            allowed = scope_filter(query.scope)
            if allowed is None:
                return None
            conditions.append(allowed)
        if query.client_tag is not None:
            if self._clients is None:
                raise RuntimeError("this repository was built without the clients collection")
            docs = await self._rt(self._clients.find({"tags": query.client_tag}, {"_id": 1}).to_list(None))
            conditions.append({"client_id": {"$in": [d["_id"] for d in docs]}})
        if query.sla_states:
            conditions.append({"_id": {"$in": await self._in_sla_states(query)}})
        return conditions

    async def _in_sla_states(self, query: ConversationQuery) -> list[str]:
        """The conversations whose clock is in one of the states now, as hub.domain_views.sla_state judges it (the
        one definition). Breached alone is one query on the clocks; otherwise the clocks with a policy are read
        (their due times only) and judged here."""
        if self._sla is None:
            raise RuntimeError("this repository was built without the SLA clocks collection")
        now = truncate_ms(query.now or utcnow())
        wanted = set(query.sla_states)
        if wanted == {SlaState.breached}:
            due = [{"breached.0": {"$exists": True}}, {"first_response_due_at": {"$lte": now}}]
            due.append({"resolution_due_at": {"$lte": now}})
            breached = {"policy": {"$ne": None}, "$or": due}
            return [d["_id"] for d in await self._rt(self._sla.find(breached, {"_id": 1}).to_list(None))]
        fields = ("policy", "first_response_due_at", "resolution_due_at", "warning_minutes", "breached")
        docs = await self._rt(
            self._sla.find({"policy": {"$ne": None}}, dict.fromkeys(fields, 1)).to_list(None)
        )
        found = []
        for doc in docs:
            clock = SlaClock.model_construct(**{k: from_bson(doc.get(k)) for k in fields})
            clock.breached = doc.get("breached") or []
            if sla_state(clock, now) in wanted:
                found.append(doc["_id"])
        return found

    async def claim(
        self, conversation_id: str, assignee_id: str, *, department_id: str | None, now: datetime
    ) -> Conversation | None:
        filter_ = {
            "_id": conversation_id,
            "assignee_id": None,
            "department_id": department_id,
            "status": {"$in": [ConversationStatus.open.value, ConversationStatus.pending.value]},
        }
        update = [
            {"$set": {"assignee_id": assignee_id, "updated_at": {"$max": ["$updated_at", truncate_ms(now)]}}}
        ]
        return to_model(Conversation, await self._update(filter_, update))

    async def release(self, conversation_id: str, assignee_id: str, *, now: datetime) -> Conversation | None:
        filter_ = {"_id": conversation_id, "assignee_id": assignee_id}
        update = [{"$set": {"assignee_id": None, "updated_at": {"$max": ["$updated_at", truncate_ms(now)]}}}]
        return to_model(Conversation, await self._update(filter_, update))

    def _wake_due(self, now: Any) -> list[dict[str, Any]]:
        free = {"$or": [{"wake_lease_until": None}, {"wake_lease_until": {"$lte": now}}]}
        return [{"status": _SNOOZED, "snoozed_until": {"$gte": EPOCH}}, free]

    async def due_wakes(self, *, now: datetime, limit: int = 100) -> list[Conversation]:
        check_limit(limit)
        now = to_bson(now)
        docs = await self._find(
            all_of([*self._wake_due(now), {"snoozed_until": {"$lte": now}}]),
            sort=[("snoozed_until", ASCENDING)],
            limit=limit,
        )
        return to_models(Conversation, docs)

    async def next_wake_at(self, *, now: datetime) -> datetime | None:
        docs = await self._find(
            all_of(self._wake_due(to_bson(now))),
            sort=[("snoozed_until", ASCENDING)],
            limit=1,
            projection={"snoozed_until": 1},
        )
        return from_bson(docs[0]["snoozed_until"]) if docs else None

    async def claim_wake(
        self, conversation_id: str, until: datetime, *, now: datetime, lease_until: datetime
    ) -> Conversation | None:
        until, now = to_bson(until), to_bson(now)
        if until > now:
            return None
        filter_ = all_of([{"_id": conversation_id, "snoozed_until": until}, *self._wake_due(now)])
        doc = await self._update(filter_, {"$set": {"wake_lease_until": to_bson(lease_until)}})
        return to_model(Conversation, doc)

    async def wake(self, conversation_id: str, until: datetime, *, now: datetime) -> Conversation | None:
        filter_ = {"_id": conversation_id, "status": _SNOOZED, "snoozed_until": to_bson(until)}
        update = [
            {
                "$set": {
                    "status": ConversationStatus.open.value,
                    "snoozed_until": None,
                    "wake_lease_until": None,
                    "updated_at": {"$max": ["$updated_at", truncate_ms(now)]},
                }
            }
        ]
        return to_model(Conversation, await self._update(filter_, update))

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        if from_client_id == to_client_id:
            return
        move = {"$set": {"client_id": to_client_id}}
        try:
            await self._rt(self._c.update_many({"client_id": from_client_id}, move))
            return
        except DuplicateKeyError:
            pass
        # Both clients have a conversation on the same (channel, thread_key): move the others one by one; the
        # colliding one keeps its history under a suffixed thread key, so new messages on that thread go to the
        # target client's conversation and nothing is lost.
        docs = await self._find({"client_id": from_client_id}, projection={"thread_key": 1})
        for d in docs:
            try:
                await self._rt(self._c.update_one({"_id": d["_id"], "client_id": from_client_id}, move))
            except DuplicateKeyError:
                renamed = {
                    "$set": {"client_id": to_client_id, "thread_key": f"{d['thread_key']}#merged:{d['_id']}"}
                }
                await self._rt(self._c.update_one({"_id": d["_id"], "client_id": from_client_id}, renamed))
