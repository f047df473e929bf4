"""Identities: `_id` = "kind:value", the unique key that decides who a sender is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain import Identity
from hub.store.mongo.base import MongoRepo, identity_doc

# {collection: [(keys, unique) or (keys, unique, create_index options)]}
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "identities": [
        ([("client_id", ASCENDING)], False),
    ],
}


class MongoIdentityRepo(MongoRepo):
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
                        {"_id": identity.key, **identity_doc(identity), "client_id": client_id}
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
