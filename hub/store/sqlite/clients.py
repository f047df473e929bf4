"""Clients: documents with search-term and partner columns kept in step by triggers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.domain import Client, Identity
from hub.identities import query_terms, search_terms
from hub.store.port import CLIENT_MUTABLE, PartnerScope, Scope, check_limit
from hub.store.sqlite.base import TOP, Base, model_json, set_doc_paths, to_json, ts
from hub.store.sqlite.conversations import scope_sql

SCHEMA = """
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL,
    name_terms TEXT NOT NULL DEFAULT '[]',
    id_terms TEXT NOT NULL DEFAULT '[]',
    partners TEXT NOT NULL DEFAULT '[]',
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clients_updated ON clients(updated_at);
CREATE TABLE IF NOT EXISTS client_terms (
    term TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (term, client_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS client_partners (
    partner_id TEXT NOT NULL, client_id TEXT NOT NULL, PRIMARY KEY (partner_id, client_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS clients_ai AFTER INSERT ON clients BEGIN
    INSERT OR IGNORE INTO client_terms(term, client_id)
        SELECT value, NEW.id FROM json_each(NEW.name_terms) UNION SELECT value, NEW.id FROM json_each(NEW.id_terms);
    INSERT OR IGNORE INTO client_partners(partner_id, client_id) SELECT value, NEW.id FROM json_each(NEW.partners);
END;
CREATE TRIGGER IF NOT EXISTS clients_au_terms AFTER UPDATE OF name_terms, id_terms ON clients BEGIN
    DELETE FROM client_terms WHERE client_id = OLD.id;
    INSERT OR IGNORE INTO client_terms(term, client_id)
        SELECT value, NEW.id FROM json_each(NEW.name_terms) UNION SELECT value, NEW.id FROM json_each(NEW.id_terms);
END;
CREATE TRIGGER IF NOT EXISTS clients_au_partners AFTER UPDATE OF partners ON clients BEGIN
    DELETE FROM client_partners WHERE client_id = OLD.id;
    INSERT OR IGNORE INTO client_partners(partner_id, client_id) SELECT value, NEW.id FROM json_each(NEW.partners);
END;
CREATE TRIGGER IF NOT EXISTS clients_ad AFTER DELETE ON clients BEGIN
    DELETE FROM client_terms WHERE client_id = OLD.id;
    DELETE FROM client_partners WHERE client_id = OLD.id;
END;
"""


def partner_scope_sql(scope: PartnerScope) -> tuple[str, list[Any]]:
    """The SQL condition (on clients) of a PartnerScope: any of its conditions; an empty one allows nothing."""
    anyof: list[str] = []
    params: list[Any] = []
    if scope.partner_id is not None:
        anyof.append("id IN (SELECT client_id FROM client_partners WHERE partner_id = ?)")
        params.append(scope.partner_id)
    if scope.client_ids:
        anyof.append(f"id IN ({','.join('?' * len(scope.client_ids))})")
        params += list(scope.client_ids)
    if scope.tags:
        marks = ",".join("?" * len(scope.tags))
        anyof.append(f"EXISTS (SELECT 1 FROM json_each(clients.doc, '$.tags') WHERE value IN ({marks}))")
        params += list(scope.tags)
    for name, value in scope.fields:
        # json_each over the fields object: no path quoting of the (validated) field name needed
        anyof.append(
            "EXISTS (SELECT 1 FROM json_each(clients.doc, '$.fields') WHERE key = ? AND type = 'text' AND value = ?)"
        )
        params += [name, value]
    return ("(" + " OR ".join(anyof) + ")" if anyof else "0"), params


def create_statement(client: Client) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of `SqliteClients.create` and its parameters."""
    return (
        "INSERT INTO clients(id, updated_at, name_terms, id_terms, partners, doc) VALUES (?,?,?,?,?,?)",
        (
            client.id,
            ts(client.updated_at),
            to_json(search_terms(client.name, [])),
            to_json(search_terms("", client.identities)),
            to_json(client.partner_ids),
            model_json(client),
        ),
    )


class SqliteClients(Base):
    async def create(self, client: Client) -> None:
        await self.run(*create_statement(client))

    async def get(self, client_id: str) -> Client | None:
        rows = await self.fetch("SELECT doc FROM clients WHERE id = ?", (client_id,))
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def get_many(self, client_ids: Sequence[str]) -> list[Client]:
        ids = list(dict.fromkeys(client_ids))
        if not ids:
            return []
        rows = await self.fetch(f"SELECT doc FROM clients WHERE id IN ({','.join('?' * len(ids))})", ids)
        return [Client.model_validate_json(r[0]) for r in rows]

    async def delete(self, client_id: str) -> None:
        await self.run("DELETE FROM clients WHERE id = ?", (client_id,))

    async def update(self, client_id: str, changes: dict[str, Any]) -> Client | None:
        unknown = set(changes) - CLIENT_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(client_id)
        changes = {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
        doc_sql, params = set_doc_paths(changes)
        columns = ["doc = " + doc_sql]
        if "updated_at" in changes:
            columns.append("updated_at = ?")
            params.append(ts(changes["updated_at"]))
        if "name" in changes:
            columns.append("name_terms = ?")
            params.append(to_json(search_terms(changes["name"], [])))
        if "partner_ids" in changes:
            columns.append("partners = ?")
            params.append(to_json(changes["partner_ids"]))
        rows = await self.fetch(
            f"UPDATE clients SET {', '.join(columns)} WHERE id = ? RETURNING doc", (*params, client_id)
        )
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def set_partner(
        self, client_id: str, partner_id: str, present: bool, *, at: datetime
    ) -> Client | None:
        # one statement: the new array is computed from the stored one, and the WHERE makes it apply only when it
        # changes something (so the trigger re-indexes client_partners only then)
        keys = "SELECT json_group_array(value) FROM (SELECT value FROM json_each(clients.partners) " + (
            "UNION SELECT :key ORDER BY 1)" if present else "WHERE value != :key ORDER BY 1)"
        )
        has = "EXISTS (SELECT 1 FROM json_each(clients.partners) WHERE value = :key)"
        rows = await self.fetch(
            f"UPDATE clients SET partners = ({keys}), updated_at = :at, "
            f"doc = json_set(doc, '$.partner_ids', json(({keys})), '$.updated_at', :at) "
            f"WHERE id = :id AND {'NOT ' if present else ''}{has} RETURNING doc",
            {"key": partner_id, "at": ts(at), "id": client_id},
        )
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def fill_name(self, client_id: str, name: str, *, at: datetime) -> Client | None:
        rows = await self.fetch(
            "UPDATE clients SET doc = json_set(doc, '$.name', ?, '$.updated_at', ?), name_terms = ?, updated_at = ? "
            "WHERE id = ? AND json_extract(doc, '$.name') = '' RETURNING doc",
            (name, ts(at), to_json(search_terms(name, [])), ts(at), client_id),
        )
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def add_identity(self, client_id: str, identity: Identity) -> Client | None:
        rows = await self.fetch(
            """
            UPDATE clients SET
                doc = json_set(doc, '$.identities[#]', json(:ident)),
                id_terms = (SELECT json_group_array(value) FROM
                            (SELECT value FROM json_each(clients.id_terms) UNION SELECT value FROM json_each(:terms)))
            WHERE id = :id AND NOT EXISTS (
                SELECT 1 FROM json_each(clients.doc, '$.identities')
                WHERE json_extract(value, '$.kind') = :kind AND json_extract(value, '$.value') = :value)
            RETURNING doc
            """,
            {
                "ident": identity.model_dump_json(),
                "terms": to_json(search_terms("", [identity])),
                "id": client_id,
                "kind": identity.kind.value,
                "value": identity.value,
            },
        )
        return Client.model_validate_json(rows[0][0]) if rows else None

    async def search(
        self,
        q: str,
        *,
        limit: int = 20,
        partner_id: str | None = None,
        region: str | None = None,
        conversation_scope: Scope | None = None,
        partner_scope: PartnerScope | None = None,
    ) -> list[Client]:
        check_limit(limit)
        where, params = [], []
        if partner_scope is not None:
            anyof, anyof_params = partner_scope_sql(partner_scope)
            where.append(anyof)
            params += anyof_params
        for term in query_terms(q, region):
            where.append("id IN (SELECT client_id FROM client_terms WHERE term >= ? AND term < ?)")
            params += [term, term + TOP]
        if partner_id is not None:
            where.append("id IN (SELECT client_id FROM client_partners WHERE partner_id = ?)")
            params.append(partner_id)
        if conversation_scope is not None:
            scope, scope_params = scope_sql(conversation_scope)
            where.append(f"id IN (SELECT client_id FROM conversations WHERE {scope})")
            params += scope_params
        sql = "SELECT doc FROM clients"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated_at DESC, id DESC LIMIT ?"
        rows = await self.fetch(sql, (*params, limit))
        return [Client.model_validate_json(r[0]) for r in rows]
