"""The delivery worker: sends queued outgoing entries at once, and retries due ones on a timer.

Several hub processes may run workers on one store: a lease on each entry (claim_delivery) makes sure only one
of them sends it.

Its poll loop also runs the ingest recovery sweep (hub.actions.ingest.settle_stale) at start-up and then every
`sweep_interval` seconds: inbound entries a crashed or failed ingest left unsettled are completed there (a settle
lease makes sure only one process does each).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hub.actions.delivery import deliver
from hub.actions.ingest import settle_stale
from hub.context import Hub
from hub.domain import DeliveryStatus, TimelineEntry
from hub.events import DeliveryChanged, EntryAdded

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(
        self, hub: Hub, *, poll_interval: float = 1.0, concurrency: int = 16, sweep_interval: float = 15.0
    ) -> None:
        self.hub = hub
        self.poll_interval = poll_interval
        self.sweep_interval = sweep_interval
        self._limit = asyncio.Semaphore(concurrency)
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        hub.bus.subscribe(EntryAdded, self._on_entry)
        hub.bus.subscribe(DeliveryChanged, self._on_delivery)

    async def _on_entry(self, event: EntryAdded) -> None:
        self._maybe_kick(event.entry)

    async def _on_delivery(self, event: DeliveryChanged) -> None:
        delivery = event.entry.delivery
        if delivery is not None and delivery.next_attempt_at is None:
            self._maybe_kick(event.entry)

    def _maybe_kick(self, entry: TimelineEntry) -> None:
        if entry.delivery is not None and entry.delivery.status is DeliveryStatus.queued:
            self.kick(entry.id)

    def kick(self, entry_id: str) -> None:
        if entry_id in self._inflight:
            return
        task = asyncio.get_running_loop().create_task(self._send(entry_id))
        self._inflight[entry_id] = task
        task.add_done_callback(lambda _t: self._inflight.pop(entry_id, None))

    async def _send(self, entry_id: str) -> None:
        async with self._limit:
            try:
                await deliver(self.hub, entry_id)
            except Exception:
                log.exception("delivery of %s failed unexpectedly", entry_id)

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()  # the first round sweeps at start-up
        while True:
            try:
                for entry in await self.hub.store.timeline.due_deliveries(now=self.hub.clock(), limit=100):
                    self.kick(entry.id)
            except Exception:
                log.exception("polling due deliveries failed")
            if loop.time() >= next_sweep:
                next_sweep = loop.time() + self.sweep_interval
                try:
                    await settle_stale(self.hub)
                except Exception:
                    log.exception("sweeping unsettled entries failed")
            await asyncio.sleep(self.poll_interval)

    async def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._poll())

    async def idle(self) -> None:
        """Wait until nothing is being sent (tests, shutdown)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight.values()), return_exceptions=True)

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), timeout=10)
