"""MongoDB adapter of the store port (motor; also runs on mongomock-motor for tests).

Correctness comes from unique indexes, upserts and single-document (conditional) updates; no transactions,
no `$text`, no change streams, no `array_filters`: the same code runs on mongomock-motor and a real MongoDB 7.

Documents: `_id` is the model's `id`; enums are stored as their string values, datetimes as BSON dates (UTC,
milliseconds). A few denormalized fields help the queries and are ignored by the models on the way back:
- clients: `name_terms` (search terms of the name), `identity_terms` (search terms of the identities) and
  `terms` = their union, the multikey-indexed field that `search` prefix-matches;
- conversations: `sort_at` = last_message_at or created_at, the sort key of `query`;
- users: `email_key` (lower-cased email, unique); departments: `name_key` (lower-cased name, unique);
- merge suggestions: `pair_key` ("a|b" of the sorted client ids, unique);
- identities live in their own collection, `_id` = "kind:value" (unique by construction), plus `client_id`.

Every awaited database operation adds one to `Store.stats.round_trips` (index creation in `open_mongo_store`
is setup and is not counted).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.domain import (
    Client,
    Conversation,
    ConversationStatus,
    Delivery,
    DeliveryStatus,
    Department,
    Identity,
    MergeSuggestion,
    TimelineEntry,
    User,
    truncate_ms,
)
from hub.identities import query_terms, search_terms
from hub.store.port import (
    CLIENT_MUTABLE,
    CONVERSATION_MUTABLE,
    USER_MUTABLE,
    ConversationQuery,
    Cursor,
    DuplicateError,
    Store,
    StoreStats,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

AFTER = ReturnDocument.AFTER
_REOPENABLE = [ConversationStatus.resolved.value, ConversationStatus.snoozed.value]


# --- conversion ---------------------------------------------------------------------------------------------------


def _to_bson(value: Any) -> Any:
    """Python/pydantic values -> what we store: enums as values, tuples as lists, datetimes UTC at ms precision."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return truncate_ms(value)
    if isinstance(value, BaseModel):
        return _to_bson(value.model_dump(mode="python"))
    if isinstance(value, dict):
        return {str(k): _to_bson(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_to_bson(v) for v in value]
    return value


def _from_bson(value: Any) -> Any:
    """Stored values -> Python: every datetime timezone-aware UTC (mongomock may hand back naive ones or its own
    FixedOffset; motor with tz_aware=True returns bson's utc)."""
    if isinstance(value, datetime):
        return truncate_ms(value)
    if isinstance(value, dict):
        return {k: _from_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_bson(v) for v in value]
    return value


def _doc(model: BaseModel) -> dict[str, Any]:
    doc = _to_bson(model.model_dump(mode="python"))
    doc["_id"] = doc.pop("id")
    return doc


def _model(cls: type[M], doc: dict[str, Any] | None) -> M | None:
    if doc is None:
        return None
    data = _from_bson(doc)
    data["id"] = data.pop("_id")
    return cls.model_validate(data)


def _models(cls: type[M], docs: list[dict[str, Any]]) -> list[M]:
    return [m for m in (_model(cls, d) for d in docs) if m is not None]


def _check_keys(changes: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"{what} fields not updatable: {sorted(unknown)}")


def _before(field: str, cursor: Cursor) -> dict[str, Any]:
    """Strictly after `cursor` in (field desc, _id desc) order."""
    at = truncate_ms(cursor.at)
    return {"$or": [{field: {"$lt": at}}, {field: at, "_id": {"$lt": cursor.id}}]}


def _and(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    if not conditions:
        return {}
    if len(conditions) == 1:
        return conditions[0]
    return {"$and": conditions}


def _identity_doc(identity: Identity) -> dict[str, Any]:
    return {"kind": identity.kind.value, "value": identity.value}


def _identity_terms(identities: Sequence[Identity]) -> list[str]:
    return search_terms("", list(identities))


def _name_terms(name: str) -> list[str]:
    return search_terms(name, [])


class _Repo:
    def __init__(self, collection: Any, stats: StoreStats) -> None:
        self._c = collection
        self._stats = stats

    async def _rt(self, operation: Awaitable[T]) -> T:
        """Await one database operation, counting it as one round trip."""
        self._stats.round_trips += 1
        return await operation

    async def _update(self, filter_: dict[str, Any], update: Any, **kwargs: Any) -> dict[str, Any] | None:
        """find_one_and_update returning the document after the update (None when nothing matched)."""
        return await self._rt(self._c.find_one_and_update(filter_, update, return_document=AFTER, **kwargs))

    async def _find(
        self,
        filter_: dict[str, Any],
        sort: list[tuple[str, int]] | None = None,
        limit: int | None = None,
        projection: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        cursor = self._c.find(filter_, projection) if projection is not None else self._c.find(filter_)
        if sort:
            cursor = cursor.sort(sort)
        if limit is not None:
            cursor = cursor.limit(limit)
        return await self._rt(cursor.to_list(None))


# --- clients ------------------------------------------------------------------------------------------------------


class MongoClientRepo(_Repo):
    async def create(self, client: Client) -> None:
        doc = _doc(client)
        name_terms = _name_terms(client.name)
        identity_terms = _identity_terms(client.identities)
        doc["name_terms"] = name_terms
        doc["identity_terms"] = identity_terms
        doc["terms"] = sorted(set(name_terms) | set(identity_terms))
        await self._rt(self._c.insert_one(doc))

    async def get(self, client_id: str) -> Client | None:
        return _model(Client, await self._rt(self._c.find_one({"_id": client_id})))

    async def get_many(self, client_ids: Sequence[str]) -> list[Client]:
        ids = list(dict.fromkeys(client_ids))
        if not ids:
            return []
        return _models(Client, await self._find({"_id": {"$in": ids}}))

    async def delete(self, client_id: str) -> None:
        await self._rt(self._c.delete_one({"_id": client_id}))

    async def update(self, client_id: str, changes: dict[str, Any]) -> Client | None:
        _check_keys(changes, CLIENT_MUTABLE, "client")
        if not changes:
            return await self.get(client_id)
        values = {k: _to_bson(v) for k, v in changes.items()}
        if "name" not in values:
            doc = await self._update({"_id": client_id}, {"$set": values})
            return _model(Client, doc)
        # A new name changes the terms: one pipeline update sets the name terms and recomputes `terms` from them and
        # the stored identity terms, so a concurrent add_identity cannot be lost. Values are $literal: a pipeline
        # would read strings starting with "$" as field paths.
        return await self._rename({"_id": client_id}, values)

    async def fill_name(self, client_id: str, name: str, *, at: datetime) -> Client | None:
        return await self._rename(
            {"_id": client_id, "name": ""}, {"name": name, "updated_at": truncate_ms(at)}
        )

    async def _rename(self, filter_: dict[str, Any], values: dict[str, Any]) -> Client | None:
        first = {k: {"$literal": v} for k, v in values.items()}
        first["name_terms"] = {"$literal": _name_terms(values["name"] or "")}
        pipeline = [
            {"$set": first},
            {"$set": {"terms": {"$setUnion": ["$name_terms", {"$ifNull": ["$identity_terms", []]}]}}},
        ]
        doc = await self._update(filter_, pipeline)
        return _model(Client, doc)

    async def add_identity(self, client_id: str, identity: Identity) -> Client | None:
        # search_terms(name, identities) is the union of the name's terms and each identity's terms, so adding an
        # identity only adds terms: one atomic $addToSet does it all.
        terms = _identity_terms([identity])
        update = {
            "$addToSet": {
                "identities": _identity_doc(identity),
                "identity_terms": {"$each": terms},
                "terms": {"$each": terms},
            }
        }
        # matches only while the client lacks the identity: None tells the caller nothing changed
        doc = await self._update({"_id": client_id, "identities": {"$ne": _identity_doc(identity)}}, update)
        return _model(Client, doc)

    async def search(
        self, q: str, *, limit: int = 20, partner_id: str | None = None, region: str | None = None
    ) -> list[Client]:
        if limit <= 0:
            return []
        # An anchored, escaped prefix regex can use the multikey index on `terms` on a real server.
        conditions: list[dict[str, Any]] = [
            {"terms": {"$regex": "^" + re.escape(t)}} for t in query_terms(q, region)
        ]
        if partner_id is not None:
            conditions.append({"partner_ids": partner_id})
        docs = await self._find(
            _and(conditions), sort=[("updated_at", DESCENDING), ("_id", DESCENDING)], limit=limit
        )
        return _models(Client, docs)


# --- identities ---------------------------------------------------------------------------------------------------


class MongoIdentityRepo(_Repo):
    async def owners(self, identities: Sequence[Identity]) -> dict[Identity, str]:
        by_key = {i.key: i for i in identities}
        if not by_key:
            return {}
        docs = await self._find({"_id": {"$in": list(by_key)}}, projection={"client_id": 1})
        return {by_key[d["_id"]]: d["client_id"] for d in docs if d["_id"] in by_key}

    async def claim(self, identity: Identity, client_id: str) -> str:
        # `_id` = "kind:value" is the unique (kind, value) key: the first insert wins, the others read the owner.
        for _ in range(3):
            try:
                await self._rt(
                    self._c.insert_one(
                        {"_id": identity.key, **_identity_doc(identity), "client_id": client_id}
                    )
                )
                return client_id
            except DuplicateKeyError:
                pass
            doc = await self._rt(self._c.find_one({"_id": identity.key}, {"client_id": 1}))
            if doc is not None:
                return doc["client_id"]
            # the owner row vanished between the insert and the read: try again
        raise RuntimeError(f"could not claim identity {identity.key}")

    async def reassign(self, from_client_id: str, to_client_id: str) -> None:
        if from_client_id == to_client_id:
            return
        await self._rt(
            self._c.update_many({"client_id": from_client_id}, {"$set": {"client_id": to_client_id}})
        )


# --- conversations ------------------------------------------------------------------------------------------------


def _conversation(doc: dict[str, Any]) -> Conversation:
    conversation = _model(Conversation, doc)
    assert conversation is not None
    return conversation


class MongoConversationRepo(_Repo):
    async def get_or_create(self, proposal: Conversation) -> tuple[Conversation, bool]:
        doc = _doc(proposal)
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
        return _model(Conversation, await self._rt(self._c.find_one({"_id": conversation_id})))

    async def update(self, conversation_id: str, changes: dict[str, Any]) -> Conversation | None:
        _check_keys(changes, CONVERSATION_MUTABLE, "conversation")
        if not changes:
            return await self.get(conversation_id)
        values = {k: _to_bson(v) for k, v in changes.items()}
        doc = await self._update({"_id": conversation_id}, {"$set": values})
        return _model(Conversation, doc)

    async def touch(
        self, conversation_id: str, *, at: datetime, preview: str, inbound: bool, reopen: bool
    ) -> Conversation | None:
        # One atomic aggregation-pipeline update (MongoDB >= 4.2; mongomock supports it). All expressions of the
        # first stage see the old document:
        # - last_message_at = max(old, at) ($max ignores a null old value);
        # - the preview is replaced only when `at` >= the old last_message_at (a late, older message does not
        #   overwrite the newer preview);
        # - updated_at = max(old, at), so it never goes backwards either;
        # - unread += 1 when inbound; status = open when `reopen` and it was resolved or snoozed.
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
            "updated_at": {"$max": ["$updated_at", at]},
        }
        if inbound:
            first["unread"] = {"$add": [{"$ifNull": ["$unread", 0]}, 1]}
        if reopen:
            first["status"] = {
                "$cond": [
                    {"$in": ["$status", {"$literal": _REOPENABLE}]},
                    ConversationStatus.open.value,
                    "$status",
                ]
            }
        pipeline = [
            {"$set": first},
            {"$set": {"sort_at": {"$ifNull": ["$last_message_at", "$created_at"]}}},
        ]
        doc = await self._update({"_id": conversation_id}, pipeline)
        return _model(Conversation, doc)

    async def query(self, query: ConversationQuery) -> list[Conversation]:
        if query.limit <= 0:
            return []
        conditions: list[dict[str, Any]] = []
        if query.status is not None:
            conditions.append({"status": _to_bson(query.status)})
        if query.assignee_id is not None:
            conditions.append({"assignee_id": query.assignee_id})
        if query.unassigned:
            conditions.append({"assignee_id": None})
        if query.department_id is not None:
            conditions.append({"department_id": query.department_id})
        if query.client_id is not None:
            conditions.append({"client_id": query.client_id})
        if query.scope is not None:
            scope = query.scope
            allowed: list[dict[str, Any]] = []
            if scope.department_ids:
                allowed.append({"department_id": {"$in": list(scope.department_ids)}})
            if scope.user_id is not None:
                allowed.append({"assignee_id": scope.user_id})
            if scope.unrouted:
                allowed.append({"department_id": None})
            if scope.client_ids:
                allowed.append({"client_id": {"$in": list(scope.client_ids)}})
            if not allowed:
                return []  # a scope that allows nothing
            conditions.append(allowed[0] if len(allowed) == 1 else {"$or": allowed})
        if query.before is not None:
            conditions.append(_before("sort_at", query.before))
        docs = await self._find(
            _and(conditions), sort=[("sort_at", DESCENDING), ("_id", DESCENDING)], limit=query.limit
        )
        return _models(Conversation, docs)

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


# --- timeline -----------------------------------------------------------------------------------------------------


_DUE_ORDER = [("delivery.next_attempt_at", ASCENDING), ("occurred_at", ASCENDING), ("_id", ASCENDING)]


class MongoTimelineRepo(_Repo):
    _NEWEST_FIRST = [("occurred_at", DESCENDING), ("_id", DESCENDING)]

    async def insert(self, entry: TimelineEntry) -> bool:
        try:
            await self._rt(self._c.insert_one(_doc(entry)))
        except DuplicateKeyError:
            return False
        return True

    async def get(self, entry_id: str) -> TimelineEntry | None:
        return _model(TimelineEntry, await self._rt(self._c.find_one({"_id": entry_id})))

    async def get_by_dedupe_key(self, key: str) -> TimelineEntry | None:
        return _model(TimelineEntry, await self._rt(self._c.find_one({"dedupe_key": key})))

    async def _page(self, field: str, value: str, before: Cursor | None, limit: int) -> list[TimelineEntry]:
        if limit <= 0:
            return []
        conditions: list[dict[str, Any]] = [{field: value}]
        if before is not None:
            conditions.append(_before("occurred_at", before))
        return _models(
            TimelineEntry, await self._find(_and(conditions), sort=self._NEWEST_FIRST, limit=limit)
        )

    async def page(
        self, client_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        return await self._page("client_id", client_id, before, limit)

    async def conversation_page(
        self, conversation_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        return await self._page("conversation_id", conversation_id, before, limit)

    async def mentioning(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        return await self._page("mentions", user_id, before, limit)

    async def set_delivery(
        self, entry_id: str, delivery: Delivery, provider_id: str | None = None
    ) -> TimelineEntry | None:
        values: dict[str, Any] = {"delivery": _to_bson(delivery)}
        if provider_id is not None:
            values["provider_id"] = provider_id
        doc = await self._update({"_id": entry_id}, {"$set": values})
        return _model(TimelineEntry, doc)

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
        return _model(TimelineEntry, doc)

    async def due_deliveries(self, *, now: datetime, limit: int = 100) -> list[TimelineEntry]:
        if limit <= 0:
            return []
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
        return _models(TimelineEntry, docs)

    async def update_content(
        self, entry_id: str, *, text: str, html: str | None, meta: dict[str, Any]
    ) -> TimelineEntry | None:
        update = {"$set": {"text": text, "html": html, "meta": _to_bson(meta)}}
        doc = await self._update({"_id": entry_id}, update)
        return _model(TimelineEntry, doc)

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        if from_client_id == to_client_id:
            return
        await self._rt(
            self._c.update_many({"client_id": from_client_id}, {"$set": {"client_id": to_client_id}})
        )


# --- users --------------------------------------------------------------------------------------------------------


class MongoUserRepo(_Repo):
    async def create(self, user: User) -> None:
        doc = _doc(user)
        doc["email_key"] = user.email.strip().lower()
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError as exc:
            raise DuplicateError(f"email already used: {user.email}") from exc

    async def get(self, user_id: str) -> User | None:
        return _model(User, await self._rt(self._c.find_one({"_id": user_id})))

    async def get_by_email(self, email: str) -> User | None:
        return _model(User, await self._rt(self._c.find_one({"email_key": email.strip().lower()})))

    async def list(self) -> list[User]:
        return _models(User, await self._find({}, sort=[("name", ASCENDING), ("_id", ASCENDING)]))

    async def update(self, user_id: str, changes: dict[str, Any]) -> User | None:
        _check_keys(changes, USER_MUTABLE, "user")
        if not changes:
            return await self.get(user_id)
        values = {k: _to_bson(v) for k, v in changes.items()}
        doc = await self._update({"_id": user_id}, {"$set": values})
        return _model(User, doc)

    async def count(self) -> int:
        return await self._rt(self._c.count_documents({}))


# --- departments --------------------------------------------------------------------------------------------------


def _name_key(name: str) -> str:
    return name.strip().lower()


class MongoDepartmentRepo(_Repo):
    async def create(self, department: Department) -> None:
        doc = _doc(department)
        doc["name_key"] = _name_key(department.name)
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError as exc:
            raise DuplicateError(f"department name taken: {department.name}") from exc

    async def get(self, department_id: str) -> Department | None:
        return _model(Department, await self._rt(self._c.find_one({"_id": department_id})))

    async def get_by_name(self, name: str) -> Department | None:
        return _model(Department, await self._rt(self._c.find_one({"name_key": _name_key(name)})))

    async def list(self) -> list[Department]:
        # by name, case-insensitively
        return _models(Department, await self._find({}, sort=[("name_key", ASCENDING), ("_id", ASCENDING)]))

    async def rename(self, department_id: str, name: str) -> Department | None:
        update = {"$set": {"name": name, "name_key": _name_key(name)}}
        try:
            doc = await self._update({"_id": department_id}, update)
        except DuplicateKeyError as exc:
            raise DuplicateError(f"department name taken: {name}") from exc
        return _model(Department, doc)


# --- merge suggestions --------------------------------------------------------------------------------------------


class MongoMergeRepo(_Repo):
    async def suggest(self, suggestion: MergeSuggestion) -> bool:
        # the pair is stored sorted, so (a, b) and (b, a) are the same suggestion
        pair = sorted(suggestion.client_ids)
        doc = _doc(suggestion)
        doc["client_ids"] = pair
        doc["pair_key"] = "|".join(pair)
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError:
            return False
        return True

    async def list(self, *, status: str | None = "open", limit: int = 100) -> list[MergeSuggestion]:
        if limit <= 0:
            return []
        filter_ = {} if status is None else {"status": status}
        docs = await self._find(filter_, sort=[("created_at", DESCENDING), ("_id", DESCENDING)], limit=limit)
        return _models(MergeSuggestion, docs)

    async def get(self, suggestion_id: str) -> MergeSuggestion | None:
        return _model(MergeSuggestion, await self._rt(self._c.find_one({"_id": suggestion_id})))

    async def set_status(self, suggestion_id: str, status: str) -> MergeSuggestion | None:
        doc = await self._update({"_id": suggestion_id}, {"$set": {"status": status}})
        return _model(MergeSuggestion, doc)


# --- opening ------------------------------------------------------------------------------------------------------

_DESC_AT_ID = [("sort_at", DESCENDING), ("_id", DESCENDING)]
_INDEXES: dict[str, list[tuple[list[tuple[str, int]], bool]]] = {
    # collection: [(keys, unique)]
    "clients": [
        ([("terms", ASCENDING)], False),
        ([("updated_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("partner_ids", ASCENDING), ("updated_at", DESCENDING)], False),
    ],
    "identities": [
        ([("client_id", ASCENDING)], False),
    ],
    "conversations": [
        ([("client_id", ASCENDING), ("channel", ASCENDING), ("thread_key", ASCENDING)], True),
        (_DESC_AT_ID, False),
        ([("status", ASCENDING), *_DESC_AT_ID], False),
        ([("assignee_id", ASCENDING), *_DESC_AT_ID], False),
        ([("department_id", ASCENDING), *_DESC_AT_ID], False),
        ([("client_id", ASCENDING), *_DESC_AT_ID], False),
    ],
    "timeline": [
        ([("dedupe_key", ASCENDING)], True),
        ([("client_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("conversation_id", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("mentions", ASCENDING), ("occurred_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("delivery.status", ASCENDING), *_DUE_ORDER], False),
    ],
    "users": [
        ([("email_key", ASCENDING)], True),
        ([("name", ASCENDING), ("_id", ASCENDING)], False),
    ],
    "departments": [
        ([("name_key", ASCENDING)], True),
    ],
    "merge_suggestions": [
        ([("pair_key", ASCENDING)], True),
        ([("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("created_at", DESCENDING), ("_id", DESCENDING)], False),
    ],
}


async def open_mongo_store(db: Any) -> Store:
    """A Store on a motor database (or a mongomock-motor one). Creates the indexes (idempotent)."""
    for collection, indexes in _INDEXES.items():
        for keys, unique in indexes:
            await db[collection].create_index(keys, unique=unique)
    stats = StoreStats()
    return Store(
        clients=MongoClientRepo(db["clients"], stats),
        identities=MongoIdentityRepo(db["identities"], stats),
        conversations=MongoConversationRepo(db["conversations"], stats),
        timeline=MongoTimelineRepo(db["timeline"], stats),
        users=MongoUserRepo(db["users"], stats),
        departments=MongoDepartmentRepo(db["departments"], stats),
        merges=MongoMergeRepo(db["merge_suggestions"], stats),
        stats=stats,
        name="mongo",
    )


async def open_mongo_store_url(url: str, db_name: str) -> Store:
    """A Store on a MongoDB server; Store.close() closes the client."""
    from motor.motor_asyncio import AsyncIOMotorClient

    client: Any = AsyncIOMotorClient(url, tz_aware=True)
    try:
        store = await open_mongo_store(client[db_name])
    except BaseException:
        client.close()
        raise

    async def close() -> None:
        client.close()

    store._closers.append(close)
    return store
