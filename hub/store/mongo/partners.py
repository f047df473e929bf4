"""Partner organisations and their grants (`grant_key` unique: one grant per organisation and thing granted)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain_partners import Grant, Partner
from hub.store.mongo.base import MongoRepo, check_keys, to_bson, to_doc, to_model, to_models
from hub.store.port import check_limit

# {collection: [(keys, unique) or (keys, unique, create_index options)]}
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "partners": [([("name", ASCENDING), ("_id", ASCENDING)], False)],
    "grants": [
        ([("grant_key", ASCENDING)], True),
        ([("partner_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)], False),
        ([("client_id", ASCENDING)], False),
    ],
}

PARTNER_MUTABLE = frozenset({"name", "redacted_fields"})


class MongoPartnerRepo(MongoRepo):
    async def create(self, partner: Partner) -> None:
        await self._rt(self._c.insert_one(to_doc(partner)))

    async def get(self, partner_id: str) -> Partner | None:
        return to_model(Partner, await self._rt(self._c.find_one({"_id": partner_id})))

    async def list(self) -> list[Partner]:
        return to_models(Partner, await self._find({}, sort=[("name", ASCENDING), ("_id", ASCENDING)]))

    async def update(self, partner_id: str, changes: dict[str, Any]) -> Partner | None:
        check_keys(changes, PARTNER_MUTABLE, "partner")
        if not changes:
            return await self.get(partner_id)
        values = {k: to_bson(v) for k, v in changes.items()}
        return to_model(Partner, await self._update({"_id": partner_id}, {"$set": values}))


class MongoGrantRepo(MongoRepo):
    async def add(self, grant: Grant) -> tuple[Grant, bool]:
        doc = to_doc(grant)
        doc["grant_key"] = grant.key
        try:
            await self._rt(self._c.insert_one(doc))
            return grant, True
        except DuplicateKeyError:
            existing = to_model(Grant, await self._rt(self._c.find_one({"grant_key": grant.key})))
            assert existing is not None
            return existing, False

    async def get(self, grant_id: str) -> Grant | None:
        return to_model(Grant, await self._rt(self._c.find_one({"_id": grant_id})))

    async def of_partner(self, partner_id: str, *, limit: int = 1000) -> list[Grant]:
        check_limit(limit)
        docs = await self._find(
            {"partner_id": partner_id}, sort=[("created_at", ASCENDING), ("_id", ASCENDING)], limit=limit
        )
        return to_models(Grant, docs)

    async def of_client(self, client_id: str) -> list[Grant]:
        docs = await self._find(
            {"client_id": client_id}, sort=[("created_at", ASCENDING), ("_id", ASCENDING)]
        )
        return to_models(Grant, docs)

    async def delete(self, grant_id: str) -> Grant | None:
        return to_model(Grant, await self._rt(self._c.find_one_and_delete({"_id": grant_id})))
