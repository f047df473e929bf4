"""Tasks: the document as JSON, the queried fields in indexed columns; the notice timer's index holds only the
tasks with a pending notice (a partial index on next_notice_at)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain_tasks import NoticeKind, Task
from hub.store.port import TASK_MUTABLE, TaskQuery, TaskScope, check_limit, dump_fields
from hub.store.sqlite.base import Base, from_ts, to_json, ts
from hub.store.sqlite.clients import partner_scope_sql
from hub.store.sqlite.conversations import scope_sql

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    conversation_id TEXT,
    assignee_id TEXT,
    department_id TEXT,
    created_by TEXT,
    status TEXT NOT NULL,
    due_at TEXT,
    created_at TEXT NOT NULL,
    next_notice TEXT,
    next_notice_at TEXT,
    notice_lease_until TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_created ON tasks(created_at, id);
CREATE INDEX IF NOT EXISTS tasks_client ON tasks(client_id, created_at);
CREATE INDEX IF NOT EXISTS tasks_conversation ON tasks(conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_assignee ON tasks(assignee_id, status, created_at);
CREATE INDEX IF NOT EXISTS tasks_department ON tasks(department_id, status, created_at);
CREATE INDEX IF NOT EXISTS tasks_due ON tasks(status, due_at);
CREATE INDEX IF NOT EXISTS tasks_notice ON tasks(next_notice_at) WHERE next_notice_at IS NOT NULL;
"""
# a task assigned to a partner organisation (issue #11): older files gain the column, filled from the documents
ADDED_COLUMNS: list[tuple[str, str, str, str | None]] = [
    ("tasks", "partner_id", "TEXT", "UPDATE tasks SET partner_id = json_extract(doc, '$.partner_id')")
]
LATE_SCHEMA: list[str] = [
    "CREATE INDEX IF NOT EXISTS tasks_partner ON tasks(partner_id, created_at) WHERE partner_id IS NOT NULL"
]

# columns that mirror a field of the document (kept in step by every write)
_COLUMNS = ("assignee_id", "department_id", "partner_id", "status", "due_at", "next_notice", "next_notice_at")
_TIMES = {"due_at", "next_notice_at", "notice_lease_until"}


def _task(row: Any) -> Task:
    return Task.model_validate_json(row[0])


def _column_value(key: str, value: Any) -> Any:
    if key in _TIMES:
        return ts(value)
    return getattr(value, "value", value)


def task_scope_sql(scope: TaskScope) -> tuple[str, list[Any]]:
    anyof: list[str] = []
    params: list[Any] = []
    if scope.assignee_id is not None:
        anyof.append("assignee_id = ?")
        params.append(scope.assignee_id)
    if scope.department_ids:
        anyof.append(f"department_id IN ({','.join('?' * len(scope.department_ids))})")
        params += list(scope.department_ids)
    if scope.member_id is not None:
        anyof.append("created_by = ?")
        anyof.append("EXISTS (SELECT 1 FROM json_each(tasks.doc, '$.watchers') WHERE value = ?)")
        params += [scope.member_id, scope.member_id]
    if scope.conversation_scope is not None:
        sql, conv_params = scope_sql(scope.conversation_scope)
        anyof.append(f"conversation_id IN (SELECT id FROM conversations WHERE {sql})")
        params += conv_params
    if scope.partner is not None:
        clients_sql, client_params = partner_scope_sql(scope.partner.clients)
        anyof.append(
            f"((partner_id = ? OR assignee_id = ?) AND client_id IN (SELECT id FROM clients WHERE {clients_sql}))"
        )
        params += [scope.partner.partner_id, scope.partner.user_id, *client_params]
    return ("(" + " OR ".join(anyof) + ")" if anyof else "0"), params


class SqliteTasks(Base):
    async def create(self, task: Task) -> None:
        await self.run(
            "INSERT INTO tasks(id, client_id, conversation_id, assignee_id, department_id, partner_id, created_by, "
            "status, due_at, created_at, next_notice, next_notice_at, notice_lease_until, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                task.id,
                task.client_id,
                task.conversation_id,
                task.assignee_id,
                task.department_id,
                task.partner_id,
                task.created_by,
                task.status.value,
                ts(task.due_at),
                ts(task.created_at),
                task.next_notice.value if task.next_notice else None,
                ts(task.next_notice_at),
                ts(task.notice_lease_until),
                task.model_dump_json(),
            ),
        )

    async def get(self, task_id: str) -> Task | None:
        rows = await self.fetch("SELECT doc FROM tasks WHERE id = ?", (task_id,))
        return _task(rows[0]) if rows else None

    async def update(self, task_id: str, changes: dict[str, Any]) -> Task | None:
        unknown = set(changes) - TASK_MUTABLE
        if unknown:
            raise ValueError(f"task fields not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(task_id)
        dumped = dump_fields(Task, changes)
        paths, params = [], []
        for key in changes:
            paths.append(f"'$.{key}', json(?)")
            params.append(to_json(dumped[key]))
        sets = ["doc = json_set(doc, " + ", ".join(paths) + ")"]
        for key in changes:
            if key in _COLUMNS:
                sets.append(f"{key} = ?")
                params.append(_column_value(key, changes[key]))
        rows = await self.fetch(
            f"UPDATE tasks SET {', '.join(sets)} WHERE id = ? RETURNING doc", (*params, task_id)
        )
        return _task(rows[0]) if rows else None

    async def query(self, query: TaskQuery) -> list[Task]:
        check_limit(query.limit)
        where: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("assignee_id", query.assignee_id),
            ("department_id", query.department_id),
            ("client_id", query.client_id),
            ("conversation_id", query.conversation_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if query.statuses:
            where.append(f"status IN ({','.join('?' * len(query.statuses))})")
            params += [s.value for s in query.statuses]
        if query.due_before is not None:
            where.append("due_at IS NOT NULL AND due_at < ?")
            params.append(ts(query.due_before))
        if query.scope is not None:
            sql, scope_params = task_scope_sql(query.scope)
            where.append(sql)
            params += scope_params
        if query.before is not None:
            at = ts(query.before.at)
            where.append("(created_at < ? OR (created_at = ? AND id < ?))")
            params += [at, at, query.before.id]
        sql = "SELECT doc FROM tasks"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        return [_task(r) for r in await self.fetch(sql, (*params, query.limit))]

    async def due_notices(self, *, now: datetime, limit: int = 100) -> list[Task]:
        check_limit(limit)
        at = ts(now)
        rows = await self.fetch(
            "SELECT doc FROM tasks WHERE next_notice_at IS NOT NULL AND next_notice_at <= ? "
            "AND (notice_lease_until IS NULL OR notice_lease_until <= ?) ORDER BY next_notice_at LIMIT ?",
            (at, at, limit),
        )
        return [_task(r) for r in rows]

    async def next_notice_at(self, *, now: datetime) -> datetime | None:
        rows = await self.fetch(
            "SELECT next_notice_at FROM tasks WHERE next_notice_at IS NOT NULL "
            "AND (notice_lease_until IS NULL OR notice_lease_until <= ?) ORDER BY next_notice_at LIMIT 1",
            (ts(now),),
        )
        return from_ts(rows[0][0]) if rows else None

    async def claim_notice(
        self, task_id: str, kind: NoticeKind, at: datetime, *, now: datetime, lease_until: datetime
    ) -> Task | None:
        until = ts(lease_until)
        rows = await self.fetch(
            "UPDATE tasks SET notice_lease_until = ?, doc = json_set(doc, '$.notice_lease_until', ?) "
            "WHERE id = ? AND next_notice = ? AND next_notice_at = ? AND next_notice_at <= ? "
            "AND (notice_lease_until IS NULL OR notice_lease_until <= ?) RETURNING doc",
            (until, until, task_id, kind.value, ts(at), ts(now), ts(now)),
        )
        return _task(rows[0]) if rows else None

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
        rows = await self.fetch(
            "UPDATE tasks SET next_notice = :next_kind, next_notice_at = :next_at, notice_lease_until = NULL, "
            "doc = json_set(doc, '$.next_notice', :next_kind, '$.next_notice_at', :next_at, "
            "'$.notice_lease_until', NULL, '$.notices_sent[#]', :sent) "
            "WHERE id = :id AND next_notice = :kind AND next_notice_at = :at RETURNING doc",
            {
                "next_kind": next_kind.value if next_kind else None,
                "next_at": ts(next_at),
                "sent": sent,
                "id": task_id,
                "kind": kind.value,
                "at": ts(at),
            },
        )
        return _task(rows[0]) if rows else None

    async def reassign_client(self, from_client_id: str, to_client_id: str) -> None:
        await self.run(
            "UPDATE tasks SET client_id = ?, doc = json_set(doc, '$.client_id', ?) WHERE client_id = ?",
            (to_client_id, to_client_id, from_client_id),
        )
