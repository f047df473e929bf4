"""Ordered dispatch off the publisher's path: an opt-in for one subscriber of the event bus (the agent listeners).

The publisher only appends the event to one FIFO queue and returns, so the HTTP answer never waits for the fan-out;
one task runs the handlers in publication order, so every socket gets a conversation's events in the order they
were published. The handlers still pick the recipients when they run (the access policy at send time). What was
queued in one burst is sent back to back, so each socket's writer wakes once for several frames.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


Handler = Callable[[Any], Awaitable[None]]
STOP_WITHIN = 5.0  # seconds the shutdown waits for the queued pushes


def conversation_key(event: Any) -> str:
    """The lane of an event: its conversation ("" for the rest: staff, presence, clients)."""
    conversation = getattr(event, "conversation", None)
    if conversation is not None:
        return conversation.id
    conversation_id = getattr(event, "conversation_id", None)
    if conversation_id:
        return conversation_id
    entry = getattr(event, "entry", None)
    return (entry.conversation_id or "") if entry is not None else ""


class OrderedDispatch:
    """One lane per conversation: a lane's handlers run one after the other in publication order; lanes run
    side by side, so a push that waits for the store (read markers) holds up only its own conversation."""

    def __init__(self, name: str = "realtime", key: Callable[[Any], str] = conversation_key) -> None:
        self.name = name
        self._key = key
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.failures = 0
        self.delivered = 0
        self.on_done: Callable[[str, float], None] | None = (
            None  # (event kind, seconds since publish): metrics
        )

    def depth(self) -> int:
        """Events published and not yet handled."""
        return self._pending

    def wrap(self, handler: Handler, skip: Callable[[], bool] | None = None) -> Handler:
        """The handler as a bus subscriber that queues its events; none is queued while `skip()` is true (nobody
        to push to: no task, no lane for it)."""

        async def enqueue(event: Any) -> None:
            if skip is None or not skip():
                self.submit(handler, event)

        enqueue.__name__ = getattr(handler, "__name__", "handler")
        enqueue.__qualname__ = f"OrderedDispatch({getattr(handler, '__qualname__', enqueue.__name__)})"
        return enqueue

    def submit(self, handler: Handler, event: Any) -> None:
        key = self._key(event)
        previous = self._tails.get(key)
        self._pending += 1
        self._idle.clear()
        # the task gets a copy of the publisher's context (hub.relay marks relayed events in a context variable)
        task = asyncio.get_running_loop().create_task(
            self._run(previous, handler, event, time.perf_counter()), name=f"dispatch:{self.name}"
        )
        self._tails[key] = task

        def done(t: asyncio.Task[None], key: str = key) -> None:
            if self._tails.get(key) is t:
                del self._tails[key]

        task.add_done_callback(done)

    async def _run(
        self, previous: asyncio.Task[None] | None, handler: Handler, event: Any, queued: float
    ) -> None:
        try:
            if previous is not None and not previous.done():
                await asyncio.wait((previous,))  # the lane's earlier events first (never raises)
            try:
                await handler(event)
                self.delivered += 1
            except Exception:
                self.failures += 1
                log.exception("realtime subscriber %r failed on %s", handler, type(event).__name__)
            if self.on_done is not None:
                self.on_done(type(event).__name__, time.perf_counter() - queued)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    async def drain(self) -> None:
        """Wait until everything published so far was handled (tests, shutdown)."""
        await self._idle.wait()

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.drain(), STOP_WITHIN)
        except TimeoutError:
            for task in list(self._tails.values()):
                task.cancel()


class DispatchingBus:
    """What `AgentListeners.subscribe` sees as `hub.bus` when it should subscribe through an OrderedDispatch: every
    handler it registers is wrapped (the other subscribers of the real bus are untouched). `skip`: see `wrap`."""

    def __init__(self, bus: Any, dispatch: OrderedDispatch, skip: Callable[[], bool] | None = None) -> None:
        self._bus = bus
        self._dispatch = dispatch
        self._skip = skip

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._bus.subscribe(event_type, self._dispatch.wrap(handler, self._skip))
