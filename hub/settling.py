"""Settling after the answer: the ingest's last write (`TimelineRepo.settle`: the entry's steps are done) for every
entry of a burst in one statement, off the request path (issue #13: it was the third store trip a request waited
for, and a statement of its own per message).

Nothing is lost by waiting: until settled, an entry is only a candidate for the recovery sweep
(`hub.actions.ingest.settle_stale`), which leaves entries younger than a minute alone, and a re-delivery of the same
message finds the ingest's settle lease still held. Should the write fail or the process die first, the sweep
completes the entry later (its EntryAdded published again: at least once, never lost)."""

from __future__ import annotations

import asyncio
import logging

from hub.store.port import TimelineRepo

log = logging.getLogger(__name__)


class SettleQueue:
    """Entry ids to settle; one write per burst. `add` returns at once; `flush` waits until all added are
    written (a clean stop, or a test that reads the store)."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self.writes = 0  # settle_many calls made (a figure for tests and benchmarks)

    def add(self, timeline: TimelineRepo, entry_id: str) -> None:
        self._ids.append(entry_id)
        if self._task is None:
            # the first id of a burst starts the writer: the ids added before it runs go in the same write
            self._task = asyncio.get_running_loop().create_task(self._write(timeline))

    async def _write(self, timeline: TimelineRepo) -> None:
        try:
            while self._ids:
                ids, self._ids = self._ids, []
                self.writes += 1
                try:
                    await timeline.settle_many(ids)
                except Exception:
                    log.warning(
                        "could not settle %d entries; the recovery sweep completes them",
                        len(ids),
                        exc_info=True,
                    )
        finally:
            self._task = None

    async def flush(self) -> None:
        while self._task is not None:
            await asyncio.shield(self._task)
