"""Connection helpers and codecs shared by the SQLite repositories."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from hub.store.port import DuplicateError, StoreStats
from hub.store.sqlite.batch import batcher_of

TOP = "\U0010ffff"


# the last datetimes formatted (an ingest formats each of its times 2-3 times)
_formatted: dict[datetime, str] = {}


def ts(value: datetime | None) -> str | None:
    """Fixed-width UTC text for a datetime column."""
    if value is None:
        return None
    text = _formatted.get(value)
    if text is not None:
        return text
    # "YYYY-MM-DDTHH:MM:SS.mmm+00:00" -> "...mmmZ" (isoformat pads the year and truncates to milliseconds; about
    # half the cost of strftime)
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    text = utc.isoformat(timespec="milliseconds")[:-6] + "Z"
    if len(_formatted) >= 64:
        _formatted.clear()
    _formatted[value] = text
    return text


def from_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return ts(value)
    raise TypeError(f"cannot store {type(value).__name__}")


class Base:
    def __init__(self, db: aiosqlite.Connection, stats: StoreStats) -> None:
        self.db = db
        self.stats = stats
        # statements go through the connection's group commit (hub.store.sqlite.batch)
        self._batch = batcher_of(db)

    async def fetch(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        self.stats.round_trips += 1
        try:
            return await self._batch.submit(sql, params, True)
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc

    async def fetch_now(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """`fetch` for a point read by a key: on the reader's thread when there is one (`Batcher.read`)."""
        self.stats.round_trips += 1
        return await self._batch.read(lambda conn: conn.execute(sql, params).fetchall())  # type: ignore[no-any-return]

    async def run(self, sql: str, params: Sequence[Any] | dict[str, Any] = (), *, quick: bool = False) -> int:
        """Run a statement; the number of rows it changed. `quick` for a write by key (it may run on the event
        loop's thread: hub.store.sqlite.batch)."""
        self.stats.round_trips += 1
        try:
            return await self._batch.submit(sql, params, False, quick=quick)
        except aiosqlite.IntegrityError as exc:
            raise DuplicateError(str(exc)) from exc


def set_doc_paths(changes: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL `json_set(doc, '$.a', json(?), ...)` for a dict of top-level changes."""
    parts, params = [], []
    for key, value in changes.items():
        parts.append(f"'$.{key}', json(?)")
        params.append(to_json(value))
    return "json_set(doc, " + ", ".join(parts) + ")", params


def model_json(model: Any) -> str:
    return model.model_dump_json()
