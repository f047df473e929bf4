"""Clients, with their denormalized search terms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from hub.domain import Client, Identity, truncate_ms
from hub.identities import query_terms
from hub.store.mongo.base import (
    MongoRepo,
    all_of,
    check_keys,
    identity_doc,
    identity_terms_of,
    name_terms_of,
    to_bson,
    to_doc,
    to_model,
    to_models,
)
from hub.store.mongo.conversations import scope_filter
from hub.store.port import CLIENT_MUTABLE, PartnerScope, Scope, StoreStats, check_limit

# {collection: [(keys, unique) or (keys, unique, create_index options)]}
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "clients": [
        ([("terms", ASCENDING)], False),
        ([("updated_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("partner_ids", ASCENDING), ("updated_at", DESCENDING)], False),
    ],
}


def partner_scope_filter(scope: PartnerScope) -> dict[str, Any] | None:
    """The filter (on clients) of a PartnerScope: any of its conditions; None when it allows nothing. Field names
    are validated by the grant action (letters, digits, _ and -), so `fields.<name>` is a plain path."""
    anyof: list[dict[str, Any]] = []
    if scope.partner_id is not None:
        anyof.append({"partner_ids": scope.partner_id})
    if scope.client_ids:
        anyof.append({"_id": {"$in": list(scope.client_ids)}})
    if scope.tags:
        anyof.append({"tags": {"$in": list(scope.tags)}})
    for name, value in scope.fields:
        anyof.append({f"fields.{name}": value})
    if not anyof:
        return None
    return anyof[0] if len(anyof) == 1 else {"$or": anyof}


class MongoClientRepo(MongoRepo):
    def __init__(self, collection: Any, stats: StoreStats, conversations: Any) -> None:
        super().__init__(collection, stats)
        self._conversations = conversations

    async def create(self, client: Client) -> None:
        doc = to_doc(client)
        name_terms = name_terms_of(client.name)
        identity_terms = identity_terms_of(client.identities)
        doc["name_terms"] = name_terms
        doc["identity_terms"] = identity_terms
        doc["terms"] = sorted(set(name_terms) | set(identity_terms))
        await self._rt(self._c.insert_one(doc))

    async def get(self, client_id: str) -> Client | None:
        return to_model(Client, await self._rt(self._c.find_one({"_id": client_id})))

    async def get_many(self, client_ids: Sequence[str]) -> list[Client]:
        ids = list(dict.fromkeys(client_ids))
        if not ids:
            return []
        return to_models(Client, await self._find({"_id": {"$in": ids}}))

    async def delete(self, client_id: str) -> None:
        await self._rt(self._c.delete_one({"_id": client_id}))

    async def update(self, client_id: str, changes: dict[str, Any]) -> Client | None:
        check_keys(changes, CLIENT_MUTABLE, "client")
        if not changes:
            return await self.get(client_id)
        values = {k: to_bson(v) for k, v in changes.items()}
        if "name" not in values:
            doc = await self._update({"_id": client_id}, {"$set": values})
            return to_model(Client, doc)
        # A new name changes the terms: one pipeline update sets the name terms and recomputes `terms` from them and
        # the stored identity terms, so a concurrent add_identity cannot be lost. Values are $literal: a pipeline
        # would read strings starting with "$" as field paths.
        return await self._rename({"_id": client_id}, values)

    async def set_partner(
        self, client_id: str, partner_id: str, present: bool, *, at: datetime
    ) -> Client | None:
        # matches only when it changes something; $addToSet / $pull are atomic on the one document
        if present:
            filter_ = {"_id": client_id, "partner_ids": {"$ne": partner_id}}
            update = {"$addToSet": {"partner_ids": partner_id}}
        else:
            filter_ = {"_id": client_id, "partner_ids": partner_id}
            update = {"$pull": {"partner_ids": partner_id}}
        update["$set"] = {"updated_at": truncate_ms(at)}
        return to_model(Client, await self._update(filter_, update))

    async def fill_name(self, client_id: str, name: str, *, at: datetime) -> Client | None:
        return await self._rename(
            {"_id": client_id, "name": ""}, {"name": name, "updated_at": truncate_ms(at)}
        )

    async def _rename(self, filter_: dict[str, Any], values: dict[str, Any]) -> Client | None:
        first = {k: {"$literal": v} for k, v in values.items()}
        first["name_terms"] = {"$literal": name_terms_of(values["name"] or "")}
        pipeline = [
            {"$set": first},
            {"$set": {"terms": {"$setUnion": ["$name_terms", {"$ifNull": ["$identity_terms", []]}]}}},
        ]
        doc = await self._update(filter_, pipeline)
        return to_model(Client, doc)

    async def add_identity(self, client_id: str, identity: Identity) -> Client | None:
        # search_terms(name, identities) is the union of the name's terms and each identity's terms, so adding an
        # identity only adds terms: one atomic $addToSet does it all.
        terms = identity_terms_of([identity])
        update = {
            "$addToSet": {
                "identities": identity_doc(identity),
                "identity_terms": {"$each": terms},
                "terms": {"$each": terms},
            }
        }
        # matches only while the client lacks the identity: None tells the caller nothing changed
        doc = await self._update({"_id": client_id, "identities": {"$ne": identity_doc(identity)}}, update)
        return to_model(Client, doc)

    async def search(
        self,
        q: str,
        *,
        limit: int = 20,
        partner_id: str | None = None,
        region: str | None = None,
        conversation_scope: Scope | None = None,
        partner_scope: PartnerScope | None = None,
    ) -> list[Client]:
        check_limit(limit)
        partner_filter = None if partner_scope is None else partner_scope_filter(partner_scope)
        if partner_scope is not None and partner_filter is None:
            return []
        # An anchored, escaped prefix regex can use the multikey index on `terms` on a real server.
        conditions: list[dict[str, Any]] = [
            {"terms": {"$regex": "^" + re.escape(t)}} for t in query_terms(q, region)
        ]
        if partner_id is not None:
            conditions.append({"partner_ids": partner_id})
        if partner_filter is not None:
            conditions.append(partner_filter)
        if conversation_scope is not None:
            # No join in a find: first the distinct client ids of the conversations in the scope (one more round
            # trip, served by the conversations' department / assignee / client indexes; the list is as long as
            # the number of such clients, a few thousand ids for a busy department), then clients `$in` them.
            allowed = scope_filter(conversation_scope)
            if allowed is None:
                return []
            client_ids = await self._rt(self._conversations.distinct("client_id", allowed))
            if not client_ids:
                return []
            conditions.append({"_id": {"$in": client_ids}})
        docs = await self._find(
            all_of(conditions), sort=[("updated_at", DESCENDING), ("_id", DESCENDING)], limit=limit
        )
        return to_models(Client, docs)
