"""Saved views: one document each, with `name_key` (the lower-cased name) to sort by."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from hub.domain_views import VIEW_MUTABLE, SavedView
from hub.store.mongo.base import MongoRepo, check_keys, to_bson, to_doc, to_model, to_models
from hub.store.port import ViewQuery, check_limit, dump_fields

INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "saved_views": [
        ([("owner_id", ASCENDING), ("name_key", ASCENDING)], False),
        ([("shared", ASCENDING), ("department_id", ASCENDING)], False),
    ],
}


class MongoViewRepo(MongoRepo):
    async def create(self, view: SavedView) -> None:
        doc = to_doc(view)
        doc["filters"] = view.filters.model_dump(mode="json")  # times as the JSON the filters parse back
        doc["name_key"] = view.name.lower()
        await self._rt(self._c.insert_one(doc))

    async def get(self, view_id: str) -> SavedView | None:
        return to_model(SavedView, await self._rt(self._c.find_one({"_id": view_id})))

    async def update(self, view_id: str, changes: dict[str, Any]) -> SavedView | None:
        check_keys(changes, VIEW_MUTABLE, "saved view")
        if not changes:
            return await self.get(view_id)
        values = dump_fields(SavedView, changes, "python")
        if "filters" in changes:
            values["filters"] = changes["filters"].model_dump(mode="json")
        if "name" in changes:
            values["name_key"] = changes["name"].lower()
        return to_model(SavedView, await self._update({"_id": view_id}, {"$set": to_bson(values)}))

    async def delete(self, view_id: str) -> bool:
        result = await self._rt(self._c.delete_one({"_id": view_id}))
        return result.deleted_count == 1

    async def query(self, query: ViewQuery) -> list[SavedView]:
        check_limit(query.limit)
        anyof: list[dict[str, Any]] = []
        if query.owner_id is not None:
            anyof.append({"owner_id": query.owner_id})
        if query.everyone:
            anyof.append({"shared": "everyone"})
        if query.all_departments:
            anyof.append({"shared": "department"})
        elif query.department_ids:
            anyof.append({"shared": "department", "department_id": {"$in": list(query.department_ids)}})
        if not anyof:
            return []
        docs = await self._find(
            {"$or": anyof}, sort=[("name_key", ASCENDING), ("_id", ASCENDING)], limit=query.limit
        )
        return to_models(SavedView, docs)
