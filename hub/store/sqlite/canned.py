"""Canned replies: documents with the queried fields in columns; a shortcut is unique within its scope."""

from __future__ import annotations

from typing import Any

from hub.domain_canned import CannedResponse, shortcut_key
from hub.store.port import CANNED_MUTABLE, CannedQuery, check_limit
from hub.store.sqlite.base import Base, model_json, set_doc_paths

SCHEMA = """
CREATE TABLE IF NOT EXISTS canned_responses (
    id TEXT PRIMARY KEY,
    owner_id TEXT,
    department_id TEXT,
    title_key TEXT NOT NULL,
    shortcut_key TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS canned_owner ON canned_responses(owner_id, title_key);
CREATE INDEX IF NOT EXISTS canned_department ON canned_responses(department_id, title_key);
"""


_SCOPE_SQL = (
    "CASE WHEN owner_id IS NOT NULL THEN 'user:' || owner_id "
    "WHEN department_id IS NOT NULL THEN 'department:' || department_id ELSE 'global' END"
)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqliteCanned(Base):
    async def create(self, reply: CannedResponse) -> None:
        await self.run(
            "INSERT INTO canned_responses(id, owner_id, department_id, title_key, shortcut_key, language, doc) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                reply.id,
                reply.owner_id,
                reply.department_id,
                reply.title.lower(),
                shortcut_key(reply),
                reply.language.value,
                model_json(reply),
            ),
        )

    async def get(self, reply_id: str) -> CannedResponse | None:
        rows = await self.fetch("SELECT doc FROM canned_responses WHERE id = ?", (reply_id,))
        return CannedResponse.model_validate_json(rows[0][0]) if rows else None

    async def update(self, reply_id: str, changes: dict[str, Any]) -> CannedResponse | None:
        unknown = set(changes) - CANNED_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(reply_id)
        changes = {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
        doc_sql, params = set_doc_paths(changes)
        columns = ["doc = " + doc_sql]
        if "title" in changes:
            columns.append("title_key = ?")
            params.append(changes["title"].lower())
        if "language" in changes:
            columns.append("language = ?")
            params.append(changes["language"])
        if "shortcut" in changes:
            # the scope (owner, department) never changes: the key is rebuilt from the row itself, in this statement
            columns.append(
                f"shortcut_key = {_SCOPE_SQL} || '|' || CASE WHEN ? = '' THEN '#' || id ELSE ? END"
            )
            params += [changes["shortcut"], changes["shortcut"]]
        rows = await self.fetch(
            f"UPDATE canned_responses SET {', '.join(columns)} WHERE id = ? RETURNING doc",
            (*params, reply_id),
        )
        return CannedResponse.model_validate_json(rows[0][0]) if rows else None

    async def delete(self, reply_id: str) -> bool:
        return await self.run("DELETE FROM canned_responses WHERE id = ?", (reply_id,)) == 1

    async def query(self, query: CannedQuery) -> list[CannedResponse]:
        check_limit(query.limit)
        anyof: list[str] = []
        params: list[Any] = []
        if query.owner_id is not None:
            anyof.append("owner_id = ?")
            params.append(query.owner_id)
        if query.all_departments:
            anyof.append("(owner_id IS NULL AND department_id IS NOT NULL)")
        elif query.department_ids:
            anyof.append(
                f"department_id IN ({','.join('?' * len(query.department_ids))}) AND owner_id IS NULL"
            )
            params += list(query.department_ids)
        if query.global_:
            anyof.append("(owner_id IS NULL AND department_id IS NULL)")
        if not anyof:
            return []
        sql = "SELECT doc FROM canned_responses WHERE (" + " OR ".join(anyof) + ")"
        if query.q:
            q = _like(query.q.lower())
            sql += " AND (title_key LIKE ? ESCAPE '\\' OR json_extract(doc, '$.shortcut') LIKE ? ESCAPE '\\')"
            params += [f"%{q}%", f"{q}%"]
        if query.language is not None:
            sql += " AND language = ?"
            params.append(query.language)
        sql += " ORDER BY title_key, id LIMIT ?"
        rows = await self.fetch(sql, (*params, query.limit))
        return [CannedResponse.model_validate_json(r[0]) for r in rows]
