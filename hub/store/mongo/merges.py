"""Merge suggestions: one per sorted client pair (`pair_key`)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain import MergeSuggestion
from hub.store.mongo.base import MongoRepo, to_doc, to_model, to_models
from hub.store.port import check_limit

# {collection: [(keys, unique) or (keys, unique, create_index options)]}
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "merge_suggestions": [
        ([("pair_key", ASCENDING)], True),
        ([("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], False),
        ([("created_at", DESCENDING), ("_id", DESCENDING)], False),
    ],
}


class MongoMergeRepo(MongoRepo):
    async def suggest(self, suggestion: MergeSuggestion) -> bool:
        # the pair is stored sorted, so (a, b) and (b, a) are the same suggestion
        pair = sorted(suggestion.client_ids)
        doc = to_doc(suggestion)
        doc["client_ids"] = pair
        doc["pair_key"] = "|".join(pair)
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError:
            return False
        return True

    async def list(self, *, status: str | None = "open", limit: int = 100) -> list[MergeSuggestion]:
        check_limit(limit)
        filter_ = {} if status is None else {"status": status}
        docs = await self._find(filter_, sort=[("created_at", DESCENDING), ("_id", DESCENDING)], limit=limit)
        return to_models(MergeSuggestion, docs)

    async def get(self, suggestion_id: str) -> MergeSuggestion | None:
        return to_model(MergeSuggestion, await self._rt(self._c.find_one({"_id": suggestion_id})))

    async def for_pair(self, a: str, b: str) -> MergeSuggestion | None:
        doc = await self._rt(self._c.find_one({"pair_key": "|".join(sorted((a, b)))}))
        return to_model(MergeSuggestion, doc)

    async def set_status(self, suggestion_id: str, status: str) -> MergeSuggestion | None:
        doc = await self._update({"_id": suggestion_id}, {"$set": {"status": status}})
        return to_model(MergeSuggestion, doc)
