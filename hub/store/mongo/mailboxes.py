"""Email mailboxes' sync state: one document per mailbox, `_id` = its name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from hub.domain import truncate_ms, utcnow
from hub.domain_email import MAILBOX_HEALTH, MailboxState
from hub.store.mongo.base import AFTER, MongoRepo, to_bson

# {collection: [(keys, unique)]}: the name is the _id, nothing else is queried
INDEXES: dict[str, list[tuple[Any, ...]]] = {}


def _state(doc: dict[str, Any] | None) -> MailboxState | None:
    if doc is None:
        return None
    data = {k: v for k, v in doc.items() if k != "_id"}
    data["name"] = doc["_id"]
    return MailboxState.model_validate(
        {k: (truncate_ms(v) if isinstance(v, datetime) else v) for k, v in data.items()}
    )


class MongoMailboxRepo(MongoRepo):
    async def claim(
        self, name: str, owner: str, *, now: datetime, lease_until: datetime
    ) -> MailboxState | None:
        fresh = to_bson(MailboxState(name=name, updated_at=now).model_dump(mode="python"))
        fresh.pop("name")
        for key in ("lease_owner", "lease_until"):
            fresh.pop(key)
        free = {
            "$or": [
                {"lease_owner": None},
                {"lease_owner": owner},
                {"lease_until": {"$lte": truncate_ms(now)}},
            ]
        }
        try:
            # an upsert on a held mailbox does not match and tries to insert the same _id: the unique _id refuses it
            doc = await self._rt(
                self._c.find_one_and_update(
                    {"_id": name, **free},
                    {
                        "$set": {"lease_owner": owner, "lease_until": truncate_ms(lease_until)},
                        "$setOnInsert": fresh,
                    },
                    upsert=True,
                    return_document=AFTER,
                )
            )
        except DuplicateKeyError:
            return None
        return _state(doc)

    async def release(self, name: str, owner: str) -> bool:
        result = await self._rt(
            self._c.update_one(
                {"_id": name, "lease_owner": owner},
                {"$set": {"lease_owner": None, "lease_until": None, "connected": False}},
            )
        )
        return result.modified_count == 1

    async def get(self, name: str) -> MailboxState | None:
        return _state(await self._rt(self._c.find_one({"_id": name})))

    async def list(self) -> list[MailboxState]:
        docs = await self._rt(self._c.find({}).sort("_id", 1).to_list(None))
        return [s for s in (_state(d) for d in docs) if s is not None]

    async def advance(self, name: str, owner: str, *, uidvalidity: int, uid: int, at: datetime) -> bool:
        at = truncate_ms(at)
        result = await self._rt(
            self._c.update_one(
                {"_id": name, "lease_owner": owner, "uidvalidity": uidvalidity, "last_uid": {"$lt": uid}},
                {"$set": {"last_uid": uid, "last_sync_at": at, "updated_at": at}},
            )
        )
        return result.modified_count == 1

    async def reset(self, name: str, owner: str, *, uidvalidity: int, at: datetime) -> bool:
        result = await self._rt(
            self._c.update_one(
                {"_id": name, "lease_owner": owner},
                {"$set": {"uidvalidity": uidvalidity, "last_uid": 0, "updated_at": truncate_ms(at)}},
            )
        )
        return result.matched_count == 1

    async def report(self, name: str, owner: str, changes: dict[str, Any]) -> bool:
        unknown = set(changes) - MAILBOX_HEALTH
        if unknown:
            raise ValueError(f"not health fields: {sorted(unknown)}")
        values = to_bson({**changes, "updated_at": changes.get("last_sync_at") or utcnow()})
        result = await self._rt(self._c.update_one({"_id": name, "lease_owner": owner}, {"$set": values}))
        return result.matched_count == 1
