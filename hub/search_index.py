"""The start-up back-fill of the full-text index (hub.actions.search_index), off the hot path: one background task
per process, a bounded batch at a time with a pause between batches, until no entry lacks its terms. Several
processes may run it at once: a batch only fills entries that still have no terms."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hub.actions.search_index import index_batch
from hub.context import Hub

log = logging.getLogger(__name__)


class SearchBackfill:
    def __init__(self, hub: Hub, *, batch: int = 200, pause: float = 0.05) -> None:
        self.hub = hub
        self.batch = batch
        self.pause = pause
        self.indexed = 0
        self.done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.hub.store.search is not None and self._task is None:
            self._task = asyncio.create_task(self._run(), name="search-backfill")

    async def _run(self) -> None:
        try:
            while True:
                read, changed = await index_batch(self.hub, limit=self.batch)
                self.indexed += changed
                if read < self.batch or changed == 0:
                    break
                await asyncio.sleep(self.pause)
            if self.indexed:
                log.info("search index: %d older entries indexed", self.indexed)
        except Exception:
            log.exception("search index back-fill stopped")
        finally:
            self.done.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
