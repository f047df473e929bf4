"""Identities: (kind, value) -> client, the unique key that decides who a sender is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.domain import Identity
from hub.store.sqlite.base import Base

SCHEMA = """
CREATE TABLE IF NOT EXISTS identities (
    kind TEXT NOT NULL, value TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identities_client ON identities(client_id);
"""


def owners_statement(wanted: Sequence[Identity]) -> tuple[str, list[Any]]:
    """The SELECT of `SqliteIdentities.owners` (rows: kind, value, client_id) for distinct identities."""
    # an OR of primary-key look-ups: `(kind, value) IN (VALUES ...)` would scan the table
    anyof = " OR ".join("(kind = ? AND value = ?)" for _ in wanted)
    params = [p for ident in wanted for p in (ident.kind.value, ident.value)]
    return f"SELECT kind, value, client_id FROM identities WHERE {anyof}", params


def claim_statement(identity: Identity, client_id: str) -> tuple[str, tuple[Any, ...]]:
    """The upsert of `SqliteIdentities.claim` (rows: [(owner,)]: `client_id` when the identity was free)."""
    return (
        "INSERT INTO identities(kind, value, client_id) VALUES (?,?,?) "
        "ON CONFLICT(kind, value) DO UPDATE SET client_id = identities.client_id RETURNING client_id",
        (identity.kind.value, identity.value, client_id),
    )


class SqliteIdentities(Base):
    async def owners(self, identities: Sequence[Identity]) -> dict[Identity, str]:
        wanted = list(dict.fromkeys(identities))
        if not wanted:
            return {}
        rows = await self.fetch(*owners_statement(wanted))
        found = {(k, v): c for k, v, c in rows}
        return {i: found[(i.kind.value, i.value)] for i in wanted if (i.kind.value, i.value) in found}

    async def claim(self, identity: Identity, client_id: str) -> str:
        rows = await self.fetch(*claim_statement(identity, client_id))
        return rows[0][0]

    async def reassign(self, from_client_id: str, to_client_id: str) -> None:
        await self.run(
            "UPDATE identities SET client_id = ? WHERE client_id = ?", (to_client_id, from_client_id)
        )
