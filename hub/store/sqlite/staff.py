"""Users and departments."""

from __future__ import annotations

from typing import Any

from hub.domain import Department, User
from hub.store.port import DEPARTMENT_MUTABLE, USER_MUTABLE
from hub.store.sqlite.base import Base, model_json, set_doc_paths

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, email_key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY, name_key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL
);
"""


class SqliteUsers(Base):
    async def create(self, user: User) -> None:
        await self.run(
            "INSERT INTO users(id, email_key, doc) VALUES (?,?,?)",
            (user.id, user.email.lower(), model_json(user)),
        )

    async def get(self, user_id: str) -> User | None:
        # every authenticated request reads its user: on the reader's thread (Base.fetch_now)
        rows = await self.fetch_now("SELECT doc FROM users WHERE id = ?", (user_id,))
        return User.model_validate_json(rows[0][0]) if rows else None

    async def get_by_email(self, email: str) -> User | None:
        rows = await self.fetch("SELECT doc FROM users WHERE email_key = ?", (email.strip().lower(),))
        return User.model_validate_json(rows[0][0]) if rows else None

    async def list(self) -> list[User]:
        rows = await self.fetch("SELECT doc FROM users ORDER BY json_extract(doc, '$.name'), id")
        return [User.model_validate_json(r[0]) for r in rows]

    async def update(self, user_id: str, changes: dict[str, Any]) -> User | None:
        unknown = set(changes) - USER_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(user_id)
        doc_sql, params = set_doc_paths({k: getattr(v, "value", v) for k, v in changes.items()})
        rows = await self.fetch(
            f"UPDATE users SET doc = {doc_sql} WHERE id = ? RETURNING doc", (*params, user_id)
        )
        return User.model_validate_json(rows[0][0]) if rows else None

    async def count(self) -> int:
        rows = await self.fetch("SELECT count(*) FROM users")
        return rows[0][0]


class SqliteDepartments(Base):
    async def create(self, department: Department) -> None:
        await self.run(
            "INSERT INTO departments(id, name_key, doc) VALUES (?,?,?)",
            (department.id, department.name.strip().lower(), model_json(department)),
        )

    async def get(self, department_id: str) -> Department | None:
        rows = await self.fetch_now("SELECT doc FROM departments WHERE id = ?", (department_id,))
        return Department.model_validate_json(rows[0][0]) if rows else None

    async def get_by_name(self, name: str) -> Department | None:
        rows = await self.fetch("SELECT doc FROM departments WHERE name_key = ?", (name.strip().lower(),))
        return Department.model_validate_json(rows[0][0]) if rows else None

    async def list(self) -> list[Department]:
        rows = await self.fetch("SELECT doc FROM departments ORDER BY name_key")
        return [Department.model_validate_json(r[0]) for r in rows]

    async def update(self, department_id: str, changes: dict[str, Any]) -> Department | None:
        unknown = set(changes) - DEPARTMENT_MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return await self.get(department_id)
        doc_sql, params = set_doc_paths({k: getattr(v, "value", v) for k, v in changes.items()})
        rows = await self.fetch(
            f"UPDATE departments SET doc = {doc_sql} WHERE id = ? RETURNING doc", (*params, department_id)
        )
        return Department.model_validate_json(rows[0][0]) if rows else None

    async def rename(self, department_id: str, name: str) -> Department | None:
        rows = await self.fetch(
            "UPDATE departments SET name_key = ?, doc = json_set(doc, '$.name', ?) WHERE id = ? RETURNING doc",
            (name.strip().lower(), name, department_id),
        )
        return Department.model_validate_json(rows[0][0]) if rows else None
