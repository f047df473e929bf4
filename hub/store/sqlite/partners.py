"""Partner organisations and their grants (one grant per organisation and thing granted: `grant_key` unique)."""

from __future__ import annotations

from typing import Any

from hub.domain_partners import Grant, Partner
from hub.store.port import check_limit
from hub.store.sqlite.base import Base, model_json, set_doc_paths, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS partners (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY,
    grant_key TEXT NOT NULL UNIQUE,
    partner_id TEXT NOT NULL,
    client_id TEXT,
    created_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grants_partner ON grants(partner_id, created_at, id);
CREATE INDEX IF NOT EXISTS grants_client ON grants(client_id) WHERE client_id IS NOT NULL;
"""

PARTNER_MUTABLE = frozenset({"name", "redacted_fields"})


class SqlitePartners(Base):
    async def create(self, partner: Partner) -> None:
        await self.run("INSERT INTO partners(id, doc) VALUES (?, ?)", (partner.id, model_json(partner)))

    async def get(self, partner_id: str) -> Partner | None:
        rows = await self.fetch("SELECT doc FROM partners WHERE id = ?", (partner_id,))
        return Partner.model_validate_json(rows[0][0]) if rows else None

    async def list(self) -> list[Partner]:
        rows = await self.fetch("SELECT doc FROM partners ORDER BY json_extract(doc, '$.name'), id")
        return [Partner.model_validate_json(r[0]) for r in rows]

    async def update(self, partner_id: str, changes: dict[str, Any]) -> Partner | None:
        unknown = set(changes) - PARTNER_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(partner_id)
        doc_sql, params = set_doc_paths(changes)
        rows = await self.fetch(
            f"UPDATE partners SET doc = {doc_sql} WHERE id = ? RETURNING doc", (*params, partner_id)
        )
        return Partner.model_validate_json(rows[0][0]) if rows else None


class SqliteGrants(Base):
    async def add(self, grant: Grant) -> tuple[Grant, bool]:
        count = await self.run(
            "INSERT INTO grants(id, grant_key, partner_id, client_id, created_at, doc) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(grant_key) DO NOTHING",
            (grant.id, grant.key, grant.partner_id, grant.client_id, ts(grant.created_at), model_json(grant)),
        )
        if count == 1:
            return grant, True
        rows = await self.fetch("SELECT doc FROM grants WHERE grant_key = ?", (grant.key,))
        return Grant.model_validate_json(rows[0][0]), False

    async def get(self, grant_id: str) -> Grant | None:
        rows = await self.fetch("SELECT doc FROM grants WHERE id = ?", (grant_id,))
        return Grant.model_validate_json(rows[0][0]) if rows else None

    async def of_partner(self, partner_id: str, *, limit: int = 1000) -> list[Grant]:
        check_limit(limit)
        rows = await self.fetch(
            "SELECT doc FROM grants WHERE partner_id = ? ORDER BY created_at, id LIMIT ?", (partner_id, limit)
        )
        return [Grant.model_validate_json(r[0]) for r in rows]

    async def of_client(self, client_id: str) -> list[Grant]:
        rows = await self.fetch(
            "SELECT doc FROM grants WHERE client_id = ? ORDER BY created_at, id", (client_id,)
        )
        return [Grant.model_validate_json(r[0]) for r in rows]

    async def delete(self, grant_id: str) -> Grant | None:
        rows = await self.fetch("DELETE FROM grants WHERE id = ? RETURNING doc", (grant_id,))
        return Grant.model_validate_json(rows[0][0]) if rows else None
