"""The shared shape of the hub's timed notices (task reminders, SLA warnings and breaches): one loop per process
that sleeps until the earliest pending notice, is woken early when something it times changes in this process,
and re-reads the store at least every `task_timer_max_sleep_seconds` (what another process scheduled).

A notice is sent by whoever claims it with a lease (a conditional single-document update on exactly that pending
notice); the holder sends it deduplicated per notice and recipient, then records it and makes the next one
pending (conditional on the notice still being the pending one). So each notice goes out once across processes,
a crashed holder is replaced once its lease runs out, and a process that was down sends what fell due meanwhile
when it starts. Subclasses say what is due (`due`), when the next one is (`nearest`) and how one is sent (`fire`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from hub.context import Hub

log = logging.getLogger(__name__)


class LeasedTimer:
    what = "notices"

    def __init__(self, hub: Hub, *, lease_seconds: float = 30.0) -> None:
        self.hub = hub
        self.lease = timedelta(seconds=lease_seconds)
        self.sent = 0  # notices this process sent (diagnostics, tests)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def due(self, now: datetime) -> list[Any]:
        """What is due now and not leased (at most a batch)."""
        raise NotImplementedError

    async def nearest(self, now: datetime) -> datetime | None:
        """When the next notice not leased falls due."""
        raise NotImplementedError

    async def fire(self, item: Any) -> bool | None:
        """Claim and send one: None when it is not this process's (another holds it, or it changed), else whether
        a notice went out (False: it was handled without one)."""
        raise NotImplementedError

    async def _on_change(self, _event: object) -> None:
        self.wake()

    def wake(self) -> None:
        """Look at the store again now (something timed changed, or a test moved the clock)."""
        self._wake.set()

    async def run_due(self) -> int:
        """Send every notice that is due now; how many this call sent."""
        count = 0
        while True:
            handled = 0
            for item in await self.due(self.hub.clock()):
                outcome = await self.fire(item)
                handled += outcome is not None
                count += bool(outcome)
                self.sent += bool(outcome)
            # a handled notice may make the next one due (a late warning gives way to the breach notice)
            if not handled:
                return count

    async def _delay(self) -> float:
        longest = self.hub.settings.task_timer_max_sleep_seconds
        now = self.hub.clock()
        nearest = await self.nearest(now)
        if nearest is None:
            return longest
        return min(max((nearest - now).total_seconds(), 0.0), longest)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            delay = self.hub.settings.task_timer_max_sleep_seconds
            try:
                await self.run_due()
                delay = await self._delay()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sending %s failed", self.what)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.01))

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            # bounded: a shutdown never waits on a database call that does not come back
            await asyncio.wait({task}, timeout=5)
