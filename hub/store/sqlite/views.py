"""Saved views: documents with who sees them in columns (owner, sharing, department)."""

from __future__ import annotations

from typing import Any

from hub.domain_views import VIEW_MUTABLE, SavedView
from hub.store.port import ViewQuery, check_limit, dump_fields
from hub.store.sqlite.base import Base, model_json, set_doc_paths

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_views (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    shared TEXT NOT NULL,
    department_id TEXT,
    name_key TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_views_owner ON saved_views(owner_id, name_key);
CREATE INDEX IF NOT EXISTS saved_views_shared ON saved_views(shared, department_id);
"""


def _view(row: Any) -> SavedView:
    return SavedView.model_validate_json(row[0])


class SqliteViews(Base):
    async def create(self, view: SavedView) -> None:
        await self.run(
            "INSERT INTO saved_views(id, owner_id, shared, department_id, name_key, doc) VALUES (?,?,?,?,?,?)",
            (
                view.id,
                view.owner_id,
                view.shared.value,
                view.department_id,
                view.name.lower(),
                model_json(view),
            ),
        )

    async def get(self, view_id: str) -> SavedView | None:
        rows = await self.fetch("SELECT doc FROM saved_views WHERE id = ?", (view_id,))
        return _view(rows[0]) if rows else None

    async def update(self, view_id: str, changes: dict[str, Any]) -> SavedView | None:
        unknown = set(changes) - VIEW_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(view_id)
        dumped = dump_fields(SavedView, changes)
        doc_sql, params = set_doc_paths(dumped)
        columns = ["doc = " + doc_sql]
        for key, column in (("name", "name_key"), ("shared", "shared"), ("department_id", "department_id")):
            if key in dumped:
                columns.append(f"{column} = ?")
                params.append(dumped[key].lower() if key == "name" else dumped[key])
        rows = await self.fetch(
            f"UPDATE saved_views SET {', '.join(columns)} WHERE id = ? RETURNING doc", (*params, view_id)
        )
        return _view(rows[0]) if rows else None

    async def delete(self, view_id: str) -> bool:
        return await self.run("DELETE FROM saved_views WHERE id = ?", (view_id,)) == 1

    async def query(self, query: ViewQuery) -> list[SavedView]:
        check_limit(query.limit)
        anyof: list[str] = []
        params: list[Any] = []
        if query.owner_id is not None:
            anyof.append("owner_id = ?")
            params.append(query.owner_id)
        if query.everyone:
            anyof.append("shared = 'everyone'")
        if query.all_departments:
            anyof.append("shared = 'department'")
        elif query.department_ids:
            anyof.append(
                f"(shared = 'department' AND department_id IN ({','.join('?' * len(query.department_ids))}))"
            )
            params += list(query.department_ids)
        if not anyof:
            return []
        rows = await self.fetch(
            f"SELECT doc FROM saved_views WHERE {' OR '.join(anyof)} ORDER BY name_key, id LIMIT ?",
            (*params, query.limit),
        )
        return [_view(r) for r in rows]
