"""Email mailboxes' sync state: one row per mailbox, the lease and the sync position in indexed columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain import utcnow
from hub.domain_email import MAILBOX_HEALTH, MailboxState
from hub.store.sqlite.base import Base, to_json, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS mailboxes (
    name TEXT PRIMARY KEY,
    lease_owner TEXT,
    lease_until TEXT,
    uidvalidity INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
) WITHOUT ROWID;
"""


def _state(row: Any) -> MailboxState:
    return MailboxState.model_validate_json(row[0])


class SqliteMailboxes(Base):
    async def claim(
        self, name: str, owner: str, *, now: datetime, lease_until: datetime
    ) -> MailboxState | None:
        fresh = MailboxState(name=name, lease_owner=owner, lease_until=lease_until, updated_at=now)
        until = ts(lease_until)
        # one upsert: a new mailbox is created held by `owner`; a known one changes hands only when its lease is
        # ours or ran out (the WHERE of DO UPDATE), else nothing is returned
        rows = await self.fetch(
            "INSERT INTO mailboxes(name, lease_owner, lease_until, uidvalidity, last_uid, doc) "
            "VALUES (?,?,?,NULL,0,?) ON CONFLICT(name) DO UPDATE SET lease_owner = excluded.lease_owner, "
            "lease_until = excluded.lease_until, doc = json_set(doc, '$.lease_owner', excluded.lease_owner, "
            "'$.lease_until', excluded.lease_until) "
            "WHERE mailboxes.lease_owner IS NULL OR mailboxes.lease_owner = excluded.lease_owner "
            "OR mailboxes.lease_until IS NULL OR mailboxes.lease_until <= ? RETURNING doc",
            (name, owner, until, fresh.model_dump_json(), ts(now)),
        )
        return _state(rows[0]) if rows else None

    async def release(self, name: str, owner: str) -> bool:
        count = await self.run(
            "UPDATE mailboxes SET lease_owner = NULL, lease_until = NULL, doc = json_set(doc, "
            "'$.lease_owner', NULL, '$.lease_until', NULL, '$.connected', json('false')) "
            "WHERE name = ? AND lease_owner = ?",
            (name, owner),
        )
        return count == 1

    async def get(self, name: str) -> MailboxState | None:
        rows = await self.fetch("SELECT doc FROM mailboxes WHERE name = ?", (name,))
        return _state(rows[0]) if rows else None

    async def list(self) -> list[MailboxState]:
        rows = await self.fetch("SELECT doc FROM mailboxes ORDER BY name")
        return [_state(r) for r in rows]

    async def advance(self, name: str, owner: str, *, uidvalidity: int, uid: int, at: datetime) -> bool:
        count = await self.run(
            "UPDATE mailboxes SET last_uid = ?, doc = json_set(doc, '$.last_uid', ?, '$.last_sync_at', ?, "
            "'$.updated_at', ?) WHERE name = ? AND lease_owner = ? AND uidvalidity = ? AND last_uid < ?",
            (uid, uid, ts(at), ts(at), name, owner, uidvalidity, uid),
        )
        return count == 1

    async def reset(self, name: str, owner: str, *, uidvalidity: int, at: datetime) -> bool:
        count = await self.run(
            "UPDATE mailboxes SET uidvalidity = ?, last_uid = 0, doc = json_set(doc, '$.uidvalidity', ?, "
            "'$.last_uid', 0, '$.updated_at', ?) WHERE name = ? AND lease_owner = ?",
            (uidvalidity, uidvalidity, ts(at), name, owner),
        )
        return count == 1

    async def report(self, name: str, owner: str, changes: dict[str, Any]) -> bool:
        unknown = set(changes) - MAILBOX_HEALTH
        if unknown:
            raise ValueError(f"not health fields: {sorted(unknown)}")
        changes = {**changes, "updated_at": changes.get("last_sync_at") or utcnow()}
        parts, params = [], []
        for key, value in changes.items():
            parts.append(f"'$.{key}', json(?)")
            params.append(to_json(value))
        count = await self.run(
            f"UPDATE mailboxes SET doc = json_set(doc, {', '.join(parts)}) WHERE name = ? AND lease_owner = ?",
            (*params, name, owner),
        )
        return count == 1
