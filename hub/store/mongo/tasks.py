"""Tasks: one document each. The notice timer reads the `next_notice_at` index; a task with no pending notice
has null there, which a date range never matches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from hub.domain_tasks import NoticeKind, Task
from hub.store.mongo.base import (
    MongoRepo,
    all_of,
    before_cursor,
    check_keys,
    to_bson,
    to_doc,
    to_model,
    to_models,
)
from hub.store.mongo.clients import partner_scope_filter
from hub.store.mongo.conversations import scope_filter
from hub.store.mongo.notices import NoticeQueue
from hub.store.port import TASK_MUTABLE, PartnerTaskScope, StoreStats, TaskQuery, check_limit

_DESC = [("created_at", DESCENDING), ("_id", DESCENDING)]
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "tasks": [
        (_DESC, False),
        ([("client_id", ASCENDING), *_DESC], False),
        ([("conversation_id", ASCENDING)], False),
        ([("assignee_id", ASCENDING), ("status", ASCENDING), *_DESC], False),
        ([("department_id", ASCENDING), ("status", ASCENDING), *_DESC], False),
        ([("partner_id", ASCENDING), *_DESC], False),
        ([("created_by", ASCENDING)], False),
        ([("watchers", ASCENDING)], False),
        ([("status", ASCENDING), ("due_at", ASCENDING)], False),
        ([("next_notice_at", ASCENDING)], False),
    ],
}


class MongoTaskRepo(NoticeQueue, MongoRepo):
    _notice_model = Task

    def __init__(self, collection: Any, stats: StoreStats, conversations: Any) -> None:
        super().__init__(collection, stats)
        self._conversations = conversations
        self._clients = conversations.database["clients"]

    async def create(self, task: Task) -> None:
        await self._rt(self._c.insert_one(to_doc(task)))

    async def get(self, task_id: str) -> Task | None:
        return to_model(Task, await self._rt(self._c.find_one({"_id": task_id})))

    async def update(self, task_id: str, changes: dict[str, Any]) -> Task | None:
        check_keys(changes, TASK_MUTABLE, "task")
        if not changes:
            return await self.get(task_id)
        doc = await self._update({"_id": task_id}, {"$set": {k: to_bson(v) for k, v in changes.items()}})
        return to_model(Task, doc)

    async def query(self, query: TaskQuery) -> list[Task]:
        check_limit(query.limit)
        conditions: list[dict[str, Any]] = []
        for key, value in (
            ("assignee_id", query.assignee_id),
            ("department_id", query.department_id),
            ("client_id", query.client_id),
            ("conversation_id", query.conversation_id),
        ):
            if value is not None:
                conditions.append({key: value})
        if query.statuses:
            conditions.append({"status": {"$in": [s.value for s in query.statuses]}})
        if query.due_before is not None:
            conditions.append({"due_at": {"$ne": None, "$lt": to_bson(query.due_before)}})
        if query.before is not None:
            conditions.append(before_cursor("created_at", query.before))
        scope = query.scope
        if scope is not None:
            allowed: list[dict[str, Any]] = []
            if scope.assignee_id is not None:
                allowed.append({"assignee_id": scope.assignee_id})
            if scope.department_ids:
                allowed.append({"department_id": {"$in": list(scope.department_ids)}})
            if scope.member_id is not None:
                allowed += [{"created_by": scope.member_id}, {"watchers": scope.member_id}]
            if scope.conversation_scope is not None:
                conversation_filter = scope_filter(scope.conversation_scope)
                if conversation_filter is not None:
                    # the conversations the candidate tasks name, then those of them the scope lets through
                    named = await self._rt(
                        self._c.distinct(
                            "conversation_id", all_of([*conditions, {"conversation_id": {"$ne": None}}])
                        )
                    )
                    visible = (
                        await self._rt(
                            self._conversations.distinct(
                                "_id", all_of([{"_id": {"$in": named}}, conversation_filter])
                            )
                        )
                        if named
                        else []
                    )
                    if visible:
                        allowed.append({"conversation_id": {"$in": visible}})
            if scope.partner is not None:
                allowed += await self._partner_allowed(conditions, scope.partner)
            if not allowed:
                return []
            conditions.append(allowed[0] if len(allowed) == 1 else {"$or": allowed})
        docs = await self._find(all_of(conditions), sort=_DESC, limit=query.limit)
        return to_models(Task, docs)

    async def _partner_allowed(
        self, conditions: list[dict[str, Any]], scope: PartnerTaskScope
    ) -> list[dict[str, Any]]:
        """A partner's tasks: the clients the candidate tasks name, then those of them the partner scope lets
        through (two more round trips, lists as long as the organisation's tasks' clients)."""
        mine = {"$or": [{"partner_id": scope.partner_id}, {"assignee_id": scope.user_id}]}
        clients_filter = partner_scope_filter(scope.clients)
        if clients_filter is None:
            return []
        named = await self._rt(self._c.distinct("client_id", all_of([*conditions, mine])))
        if not named:
            return []
        visible = await self._rt(
            self._clients.distinct("_id", all_of([{"_id": {"$in": named}}, clients_filter]))
        )
        return [{"$and": [mine, {"client_id": {"$in": visible}}]}] if visible else []

    async def claim_notice(
        self, task_id: str, kind: NoticeKind, at: datetime, *, now: datetime, lease_until: datetime
    ) -> Task | None:
        return await self._claim_notice(task_id, kind.value, at, now=now, lease_until=lease_until)

    async def complete_notice(
        self,
        task_id: str,
        kind: NoticeKind,
        at: datetime,
        *,
        sent: str,
        next_kind: NoticeKind | None,
        next_at: datetime | None,
    ) -> Task | None:
        doc = await self._update(
            {"_id": task_id, "next_notice": kind.value, "next_notice_at": to_bson(at)},
            {
                "$set": {
                    "next_notice": to_bson(next_kind),
                    "next_notice_at": to_bson(next_at),
                    "notice_lease_until": None,
                },
                "$push": {"notices_sent": sent},
            },
        )
        return to_model(Task, doc)

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        await self._rt(
            self._c.update_many({"client_id": from_client_id}, {"$set": {"client_id": to_client_id}})
        )
