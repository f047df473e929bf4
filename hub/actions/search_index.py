"""Back-filling the full-text index: entries stored before it existed get their search terms (new and edited entries
are indexed by the timeline's own writes). Terms are computed in a worker thread, a bounded batch at a time."""

from __future__ import annotations

import asyncio

from hub.context import Hub
from hub.domain import TimelineEntry
from hub.search_terms import entry_text, terms_of


def _terms(entries: list[TimelineEntry]) -> dict[str, list[str]]:
    return {e.id: terms_of(entry_text(e.text, e.meta)) for e in entries}


async def index_batch(hub: Hub, *, limit: int = 200) -> tuple[int, int]:
    """Index up to `limit` unindexed entries: (how many were read, how many got their terms)."""
    entries = await hub.store.search.unindexed(limit=limit)
    if not entries:
        return 0, 0
    terms = await asyncio.to_thread(_terms, entries)
    return len(entries), await hub.store.search.index(terms)
