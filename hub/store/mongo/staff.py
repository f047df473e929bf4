"""Users and departments."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from hub.domain import Department, User
from hub.store.mongo.base import MongoRepo, check_keys, to_bson, to_doc, to_model, to_models
from hub.store.port import DEPARTMENT_MUTABLE, USER_MUTABLE, DuplicateError

# {collection: [(keys, unique) or (keys, unique, create_index options)]}
INDEXES: dict[str, list[tuple[Any, ...]]] = {
    "users": [
        ([("email_key", ASCENDING)], True),
        ([("name", ASCENDING), ("_id", ASCENDING)], False),
    ],
    "departments": [
        ([("name_key", ASCENDING)], True),
    ],
}


class MongoUserRepo(MongoRepo):
    async def create(self, user: User) -> None:
        doc = to_doc(user)
        doc["email_key"] = user.email.strip().lower()
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError as exc:
            raise DuplicateError(f"email already used: {user.email}") from exc

    async def get(self, user_id: str) -> User | None:
        return to_model(User, await self._rt(self._c.find_one({"_id": user_id})))

    async def get_by_email(self, email: str) -> User | None:
        return to_model(User, await self._rt(self._c.find_one({"email_key": email.strip().lower()})))

    async def list(self) -> list[User]:
        return to_models(User, await self._find({}, sort=[("name", ASCENDING), ("_id", ASCENDING)]))

    async def update(self, user_id: str, changes: dict[str, Any]) -> User | None:
        check_keys(changes, USER_MUTABLE, "user")
        if not changes:
            return await self.get(user_id)
        values = {k: to_bson(v) for k, v in changes.items()}
        doc = await self._update({"_id": user_id}, {"$set": values})
        return to_model(User, doc)

    async def count(self) -> int:
        return await self._rt(self._c.count_documents({}))


def _name_key(name: str) -> str:
    return name.strip().lower()


class MongoDepartmentRepo(MongoRepo):
    async def create(self, department: Department) -> None:
        doc = to_doc(department)
        doc["name_key"] = _name_key(department.name)
        try:
            await self._rt(self._c.insert_one(doc))
        except DuplicateKeyError as exc:
            raise DuplicateError(f"department name taken: {department.name}") from exc

    async def get(self, department_id: str) -> Department | None:
        return to_model(Department, await self._rt(self._c.find_one({"_id": department_id})))

    async def get_by_name(self, name: str) -> Department | None:
        return to_model(Department, await self._rt(self._c.find_one({"name_key": _name_key(name)})))

    async def list(self) -> list[Department]:
        # by name, case-insensitively
        return to_models(Department, await self._find({}, sort=[("name_key", ASCENDING), ("_id", ASCENDING)]))

    async def update(self, department_id: str, changes: dict[str, Any]) -> Department | None:
        check_keys(changes, DEPARTMENT_MUTABLE, "department")
        if not changes:
            return await self.get(department_id)
        doc = await self._update(
            {"_id": department_id}, {"$set": {k: to_bson(v) for k, v in changes.items()}}
        )
        return to_model(Department, doc)

    async def rename(self, department_id: str, name: str) -> Department | None:
        update = {"$set": {"name": name, "name_key": _name_key(name)}}
        try:
            doc = await self._update({"_id": department_id}, update)
        except DuplicateKeyError as exc:
            raise DuplicateError(f"department name taken: {name}") from exc
        return to_model(Department, doc)
