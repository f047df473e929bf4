"""Canned replies: one document each, with `scope_key` (user:<id> | department:<id> | global, never changed),
`title_key` (lower-cased title) and `shortcut_key` (scope|shortcut, unique; a reply without a shortcut takes its
own id)."""

from __future__ import annotations

import re
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain_canned import CannedResponse, scope_key, shortcut_key
from hub.store.mongo.base import MongoRepo, all_of, to_bson, to_doc, to_model, to_models
from hub.store.port import CANNED_MUTABLE, CannedQuery, DuplicateError, check_limit

INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "canned_responses": [
        ([("shortcut_key", ASCENDING)], True),
        ([("owner_id", ASCENDING), ("title_key", ASCENDING)], False),
        ([("department_id", ASCENDING), ("title_key", ASCENDING)], False),
    ],
}


class MongoCannedRepo(MongoRepo):
    async def create(self, reply: CannedResponse) -> None:
        doc = to_doc(reply)
        doc.update(
            scope_key=scope_key(reply), title_key=reply.title.lower(), shortcut_key=shortcut_key(reply)
        )
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError as exc:
            raise DuplicateError(f"shortcut already used: {reply.shortcut}") from exc

    async def get(self, reply_id: str) -> CannedResponse | None:
        return to_model(CannedResponse, await self._rt(self._c.find_one({"_id": reply_id})))

    async def update(self, reply_id: str, changes: dict[str, Any]) -> CannedResponse | None:
        unknown = set(changes) - CANNED_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(reply_id)
        values: dict[str, Any] = {k: {"$literal": to_bson(v)} for k, v in changes.items()}
        if "title" in changes:
            values["title_key"] = {"$literal": changes["title"].lower()}
        if "shortcut" in changes:
            key = changes["shortcut"] or f"#{reply_id}"
            values["shortcut_key"] = {"$concat": ["$scope_key", "|", {"$literal": key}]}
        try:
            doc = await self._update({"_id": reply_id}, [{"$set": values}])
        except DuplicateKeyError as exc:
            raise DuplicateError(f"shortcut already used: {changes.get('shortcut')}") from exc
        return to_model(CannedResponse, doc)

    async def delete(self, reply_id: str) -> bool:
        result = await self._rt(self._c.delete_one({"_id": reply_id}))
        return result.deleted_count == 1

    async def query(self, query: CannedQuery) -> list[CannedResponse]:
        check_limit(query.limit)
        anyof: list[dict[str, Any]] = []
        if query.owner_id is not None:
            anyof.append({"owner_id": query.owner_id})
        if query.all_departments:
            anyof.append({"owner_id": None, "department_id": {"$ne": None}})
        elif query.department_ids:
            anyof.append({"owner_id": None, "department_id": {"$in": list(query.department_ids)}})
        if query.global_:
            anyof.append({"owner_id": None, "department_id": None})
        if not anyof:
            return []
        conditions: list[dict[str, Any]] = [anyof[0] if len(anyof) == 1 else {"$or": anyof}]
        if query.q:
            q = re.escape(query.q.lower())
            conditions.append({"$or": [{"title_key": {"$regex": q}}, {"shortcut": {"$regex": "^" + q}}]})
        if query.language is not None:
            conditions.append({"language": query.language})
        docs = await self._find(
            all_of(conditions), sort=[("title_key", ASCENDING), ("_id", ASCENDING)], limit=query.limit
        )
        return to_models(CannedResponse, docs)
