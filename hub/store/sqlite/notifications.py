"""The notification centre: one row per (user, notice); `dedupe_key` is unique, so a notice sent twice (two
processes, a retry after a crash) is stored once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain_tasks import Notification
from hub.store.port import Cursor, check_limit
from hub.store.sqlite.base import Base, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_user ON notifications(user_id, created_at, id);
CREATE INDEX IF NOT EXISTS notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
"""


def _notification(row: Any) -> Notification:
    return Notification.model_validate_json(row[0])


class SqliteNotifications(Base):
    async def insert(self, notification: Notification) -> bool:
        rows = await self.fetch(
            "INSERT INTO notifications(id, user_id, created_at, read_at, dedupe_key, doc) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(dedupe_key) DO NOTHING RETURNING id",
            (
                notification.id,
                notification.user_id,
                ts(notification.created_at),
                ts(notification.read_at),
                notification.dedupe_key,
                notification.model_dump_json(),
            ),
        )
        return bool(rows)

    async def get(self, notification_id: str) -> Notification | None:
        rows = await self.fetch("SELECT doc FROM notifications WHERE id = ?", (notification_id,))
        return _notification(rows[0]) if rows else None

    async def page(
        self, user_id: str, *, before: Cursor | None = None, limit: int = 30, unread_only: bool = False
    ) -> list[Notification]:
        check_limit(limit)
        sql = "SELECT doc FROM notifications WHERE user_id = ?"
        params: list[Any] = [user_id]
        if unread_only:
            sql += " AND read_at IS NULL"
        if before is not None:
            at = ts(before.at)
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            params += [at, at, before.id]
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        return [_notification(r) for r in await self.fetch(sql, (*params, limit))]

    async def unread_count(self, user_id: str) -> int:
        rows = await self.fetch(
            "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", (user_id,)
        )
        return int(rows[0][0])

    async def mark_read(self, user_id: str, ids: Sequence[str] | None, *, at: datetime) -> int:
        sql = (
            "UPDATE notifications SET read_at = :at, doc = json_set(doc, '$.read_at', :at) "
            "WHERE user_id = :user AND read_at IS NULL"
        )
        params: dict[str, Any] = {"at": ts(at), "user": user_id}
        if ids is not None:
            ids = list(dict.fromkeys(ids))
            if not ids:
                return 0
            names = [f":id{i}" for i in range(len(ids))]
            sql += f" AND id IN ({','.join(names)})"
            params.update({f"id{i}": v for i, v in enumerate(ids)})
        return await self.run(sql, params)
