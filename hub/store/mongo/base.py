"""Conversions and the repository base shared by the MongoDB repositories."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo import ReturnDocument

from hub.domain import Identity, truncate_ms
from hub.identities import search_terms
from hub.store.port import Cursor, StoreStats

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

AFTER = ReturnDocument.AFTER


def to_bson(value: Any) -> Any:
    """Python/pydantic values -> what we store: enums as values, tuples as lists, datetimes UTC at ms precision."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return truncate_ms(value)
    if isinstance(value, BaseModel):
        return to_bson(value.model_dump(mode="python"))
    if isinstance(value, dict):
        return {str(k): to_bson(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_bson(v) for v in value]
    return value


def from_bson(value: Any) -> Any:
    """Stored values -> Python: every datetime timezone-aware UTC (mongomock may hand back naive ones or its own
    FixedOffset; motor with tz_aware=True returns bson's utc)."""
    if isinstance(value, datetime):
        return truncate_ms(value)
    if isinstance(value, dict):
        return {k: from_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_bson(v) for v in value]
    return value


def to_doc(model: BaseModel) -> dict[str, Any]:
    doc = to_bson(model.model_dump(mode="python"))
    doc["_id"] = doc.pop("id")
    return doc


def to_model(cls: type[M], doc: dict[str, Any] | None) -> M | None:
    if doc is None:
        return None
    data = from_bson(doc)
    data["id"] = data.pop("_id")
    return cls.model_validate(data)


def to_models(cls: type[M], docs: list[dict[str, Any]]) -> list[M]:
    return [m for m in (to_model(cls, d) for d in docs) if m is not None]


def check_keys(changes: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"{what} fields not updatable: {sorted(unknown)}")


def before_cursor(field: str, cursor: Cursor) -> dict[str, Any]:
    """Strictly after `cursor` in (field desc, _id desc) order."""
    at = truncate_ms(cursor.at)
    return {"$or": [{field: {"$lt": at}}, {field: at, "_id": {"$lt": cursor.id}}]}


def all_of(conditions: list[dict[str, Any]]) -> dict[str, Any]:
    if not conditions:
        return {}
    if len(conditions) == 1:
        return conditions[0]
    return {"$and": conditions}


def identity_doc(identity: Identity) -> dict[str, Any]:
    return {"kind": identity.kind.value, "value": identity.value}


def identity_terms_of(identities: Sequence[Identity]) -> list[str]:
    return search_terms("", list(identities))


def name_terms_of(name: str) -> list[str]:
    return search_terms(name, [])


class MongoRepo:
    def __init__(self, collection: Any, stats: StoreStats) -> None:
        self._c = collection
        self._stats = stats

    async def _rt(self, operation: Awaitable[T]) -> T:
        """Await one database operation, counting it as one round trip."""
        self._stats.round_trips += 1
        return await operation

    async def _update(self, filter_: dict[str, Any], update: Any, **kwargs: Any) -> dict[str, Any] | None:
        """find_one_and_update returning the document after the update (None when nothing matched)."""
        return await self._rt(self._c.find_one_and_update(filter_, update, return_document=AFTER, **kwargs))

    async def _find(
        self,
        filter_: dict[str, Any],
        sort: list[tuple[str, int]] | None = None,
        limit: int | None = None,
        projection: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        cursor = self._c.find(filter_, projection) if projection is not None else self._c.find(filter_)
        if sort:
            cursor = cursor.sort(sort)
        if limit is not None:
            cursor = cursor.limit(limit)
        return await self._rt(cursor.to_list(None))
