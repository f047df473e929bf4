"""Full-text search of timeline entries without `$text`: each entry document carries `search_terms` (its terms from
hub.search_terms, set by the timeline's insert and update_content), a multikey-indexed array matched with `$all`
(every whole word) and an anchored regex (the prefix of the last word, which the index serves as a range).

The scope has no join in a find, so it is resolved first from what matches: the distinct conversations (and
clients) of the matching entries, then which of those the scope lets through (one query each), then the page
itself among them — so a page holds `limit` visible entries, never fewer because hidden ones took their places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING

from hub.domain import EntryKind, TimelineEntry
from hub.store.mongo.base import MongoRepo, all_of, to_models
from hub.store.mongo.clients import partner_scope_filter
from hub.store.mongo.conversations import scope_filter
from hub.store.port import SearchScope, StoreStats, check_limit

INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "timeline": [([("search_terms", ASCENDING)], False)],
}

_NEWEST_FIRST = [("occurred_at", DESCENDING), ("_id", DESCENDING)]


def terms_filter(whole: Sequence[str], prefix: str | None) -> dict[str, Any]:
    conditions: list[dict[str, Any]] = []
    if whole:
        conditions.append({"search_terms": {"$all": list(whole)}})
    if prefix is not None:
        conditions.append({"search_terms": {"$regex": "^" + re.escape(prefix)}})
    return all_of(conditions)


class MongoSearchRepo(MongoRepo):
    def __init__(self, timeline: Any, stats: StoreStats, conversations: Any, clients: Any) -> None:
        super().__init__(timeline, stats)
        self._conversations = conversations
        self._clients = clients

    async def _visible(self, matching: dict[str, Any], scope: SearchScope) -> dict[str, Any] | None:
        """The filter of the entries among `matching` that the scope lets through (None: none)."""
        anyof: list[dict[str, Any]] = []
        if scope.conversations is None:
            anyof.append({"conversation_id": {"$ne": None}})
        else:
            allowed = scope_filter(scope.conversations)
            if allowed is not None:
                ids = await self._rt(
                    self._c.distinct(
                        "conversation_id", all_of([matching, {"conversation_id": {"$ne": None}}])
                    )
                )
                if ids:
                    visible = await self._rt(
                        self._conversations.distinct("_id", all_of([{"_id": {"$in": ids}}, allowed]))
                    )
                    if visible:
                        anyof.append({"conversation_id": {"$in": visible}})
        if scope.unthreaded and scope.unthreaded_via is None:
            anyof.append({"conversation_id": None})
        elif scope.unthreaded and scope.unthreaded_via is not None:
            allowed = scope_filter(scope.unthreaded_via)
            if allowed is not None:
                unthreaded = all_of([matching, {"conversation_id": None}])
                client_ids = await self._rt(self._c.distinct("client_id", unthreaded))
                if client_ids:
                    seen = await self._rt(
                        self._conversations.distinct(
                            "client_id", all_of([{"client_id": {"$in": client_ids}}, allowed])
                        )
                    )
                    if seen:
                        anyof.append({"conversation_id": None, "client_id": {"$in": seen}})
        if scope.clients is not None:
            allowed = partner_scope_filter(scope.clients)
            if allowed is not None:
                client_ids = await self._rt(self._c.distinct("client_id", matching))
                if client_ids:
                    whole = await self._rt(
                        self._clients.distinct("_id", all_of([{"_id": {"$in": client_ids}}, allowed]))
                    )
                    if whole:
                        anyof.append({"client_id": {"$in": whole}})
        if not anyof:
            return None
        return anyof[0] if len(anyof) == 1 else {"$or": anyof}

    async def entries(
        self, whole: Sequence[str], prefix: str | None, *, scope: SearchScope | None = None, limit: int = 20
    ) -> list[TimelineEntry]:
        check_limit(limit)
        if not whole and prefix is None:
            return []
        conditions = [terms_filter(whole, prefix)]
        if scope is not None and scope.shared_only:
            conditions.append(
                {"$or": [{"kind": {"$ne": EntryKind.note.value}}, {"meta.shared_with_partners": True}]}
            )
        matching = all_of(conditions)
        if scope is not None:
            visible = await self._visible(matching, scope)
            if visible is None:
                return []
            matching = all_of([matching, visible])
        return to_models(TimelineEntry, await self._find(matching, sort=_NEWEST_FIRST, limit=limit))

    async def unindexed(self, *, limit: int = 200) -> list[TimelineEntry]:
        check_limit(limit)
        docs = await self._find({"search_terms": {"$exists": False}}, limit=limit)
        return to_models(TimelineEntry, docs)

    async def index(self, terms: dict[str, list[str]]) -> int:
        changed = 0
        for entry_id, found in terms.items():
            result = await self._rt(
                self._c.update_one(
                    {"_id": entry_id, "search_terms": {"$exists": False}},
                    {"$set": {"search_terms": list(found)}},
                )
            )
            changed += result.modified_count
        return changed
