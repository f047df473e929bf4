"""One-time email codes: plain columns; a try and a use are single conditional UPDATEs (RETURNING)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain_verification import EmailCode
from hub.store.sqlite.base import Base, from_ts, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS email_codes (
    id TEXT PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    address TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at TEXT
);
CREATE INDEX IF NOT EXISTS email_codes_visitor ON email_codes(visitor_id, created_at, id);
CREATE INDEX IF NOT EXISTS email_codes_address ON email_codes(address, created_at);
CREATE INDEX IF NOT EXISTS email_codes_created ON email_codes(created_at);
"""

_COLUMNS = "id, visitor_id, address, code_hash, created_at, expires_at, attempts, used_at"


def _code(row: Any) -> EmailCode:
    return EmailCode(
        id=row[0],
        visitor_id=row[1],
        address=row[2],
        code_hash=row[3],
        created_at=from_ts(row[4]),
        expires_at=from_ts(row[5]),
        attempts=row[6],
        used_at=from_ts(row[7]),
    )


class SqliteEmailCodes(Base):
    async def insert(self, code: EmailCode) -> None:
        await self.run(
            f"INSERT INTO email_codes({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
            (
                code.id,
                code.visitor_id,
                code.address,
                code.code_hash,
                ts(code.created_at),
                ts(code.expires_at),
                code.attempts,
                ts(code.used_at),
            ),
        )

    async def latest(self, visitor_id: str) -> EmailCode | None:
        rows = await self.fetch(
            f"SELECT {_COLUMNS} FROM email_codes WHERE visitor_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (visitor_id,),
        )
        return _code(rows[0]) if rows else None

    async def count_since(
        self,
        *,
        since: datetime,
        visitor_id: str | None = None,
        address: str | None = None,
        before: EmailCode | None = None,
    ) -> int:
        if (visitor_id is None) == (address is None):
            raise ValueError("give exactly one of visitor_id and address")
        column, value = ("visitor_id", visitor_id) if visitor_id is not None else ("address", address)
        sql = f"SELECT COUNT(*) FROM email_codes WHERE {column} = ? AND created_at >= ?"
        params: list[Any] = [value, ts(since)]
        if before is not None:
            sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            params += [ts(before.created_at), ts(before.created_at), before.id]
        rows = await self.fetch(sql, params)
        return int(rows[0][0])

    async def attempt(self, code_id: str, *, max_attempts: int) -> EmailCode | None:
        rows = await self.fetch(
            "UPDATE email_codes SET attempts = attempts + 1 "
            f"WHERE id = ? AND attempts < ? AND used_at IS NULL RETURNING {_COLUMNS}",
            (code_id, max_attempts),
        )
        return _code(rows[0]) if rows else None

    async def use(self, code_id: str, *, at: datetime) -> bool:
        rows = await self.fetch(
            "UPDATE email_codes SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING id",
            (ts(at), code_id),
        )
        return bool(rows)

    async def delete(self, code_id: str) -> bool:
        return await self.run("DELETE FROM email_codes WHERE id = ?", (code_id,)) > 0

    async def purge(self, *, before: datetime) -> int:
        return await self.run("DELETE FROM email_codes WHERE created_at < ?", (ts(before),))
