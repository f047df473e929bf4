"""Merge suggestions: one per sorted client pair."""

from __future__ import annotations

from hub.domain import MergeSuggestion
from hub.store.port import check_limit
from hub.store.sqlite.base import Base, model_json, ts

SCHEMA = """
CREATE TABLE IF NOT EXISTS merges (
    id TEXT PRIMARY KEY, pair_key TEXT NOT NULL UNIQUE, status TEXT NOT NULL, created_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS merges_status ON merges(status, created_at);
"""


class SqliteMerges(Base):
    async def suggest(self, suggestion: MergeSuggestion) -> bool:
        ordered = tuple(sorted(suggestion.client_ids))
        suggestion = suggestion.model_copy(update={"client_ids": ordered})
        pair = "|".join(ordered)
        count = await self.run(
            "INSERT INTO merges(id, pair_key, status, created_at, doc) VALUES (?,?,?,?,?) "
            "ON CONFLICT(pair_key) DO NOTHING",
            (suggestion.id, pair, suggestion.status, ts(suggestion.created_at), model_json(suggestion)),
        )
        return count == 1

    async def list(self, *, status: str | None = "open", limit: int = 100) -> list[MergeSuggestion]:
        check_limit(limit)
        if status is None:
            rows = await self.fetch("SELECT doc FROM merges ORDER BY created_at DESC LIMIT ?", (limit,))
        else:
            rows = await self.fetch(
                "SELECT doc FROM merges WHERE status = ? ORDER BY created_at DESC LIMIT ?", (status, limit)
            )
        return [MergeSuggestion.model_validate_json(r[0]) for r in rows]

    async def get(self, suggestion_id: str) -> MergeSuggestion | None:
        rows = await self.fetch("SELECT doc FROM merges WHERE id = ?", (suggestion_id,))
        return MergeSuggestion.model_validate_json(rows[0][0]) if rows else None

    async def for_pair(self, a: str, b: str) -> MergeSuggestion | None:
        rows = await self.fetch("SELECT doc FROM merges WHERE pair_key = ?", ("|".join(sorted((a, b))),))
        return MergeSuggestion.model_validate_json(rows[0][0]) if rows else None

    async def set_status(self, suggestion_id: str, status: str) -> MergeSuggestion | None:
        rows = await self.fetch(
            "UPDATE merges SET status = ?, doc = json_set(doc, '$.status', ?) WHERE id = ? RETURNING doc",
            (status, status, suggestion_id),
        )
        return MergeSuggestion.model_validate_json(rows[0][0]) if rows else None
