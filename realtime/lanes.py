"""With HUB_REDIS_URL (`hub serve --workers N`, several machines): a conversation's agent pushes in ONE order on every
process, the order in which its events were published.

Why the Socket.IO Redis manager alone is not enough: the agent pushes run off the HTTP path (realtime.dispatch), so
the 201 of message 1 can reach the sender before its pushes leave process A; message 2, posted next, lands on
process B, whose pushes go out at once to B's sockets, while message 1's come to B through Redis later: B's sockets
saw 2 before 1 (tests/realtime/test_workers_stream.py: most conversations of 16 came out of order at 400 messages).

So a conversation's events themselves go through Redis, before the publisher returns (one PUBLISH, awaited: what
was published before a 201 is ahead in Redis of what comes after it), and every process, the publisher's too, runs
the agent listeners on them in Redis' order (one lane per conversation, realtime.dispatch), emitting to its own
sockets only (`local_only`). Each process thus decides the recipients among its own sockets with the access policy
at send time, as one process does. Events of no conversation (presence, staff, clients) keep the plain path: run
where published, the manager carries their emits.

The events published while a PUBLISH is on its way go together as the next one (a JSON array, in publication
order; one PUBLISH at a time, so Redis keeps that order): under a stream of messages one PUBLISH carries the
events of many requests (issue #13: a PUBLISH per event was ~10% of the CPU of an ingest with Redis), and each
publisher still returns only once its event is in Redis.

The subscription is made before the process listens (`start`), so a socket can never be connected to a process
that does not yet hear the lanes. If Redis cannot take a PUBLISH, its events are run here instead (this process's
emits then go through the manager as usual) and the failure is logged.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import orjson
from pydantic import TypeAdapter

from hub import events as hub_events
from realtime.dispatch import Handler, OrderedDispatch, conversation_key

log = logging.getLogger(__name__)

# events per PUBLISH at most: a subscriber decodes a PUBLISH's events in one go on its event loop (~10-20 µs each)
MAX_BATCH = 200

local_only: ContextVar[bool] = ContextVar("realtime_local_only", default=False)
"""True while a lane's event runs: the listeners' emits go to this process's sockets only (every process runs it)."""

_CODECS: dict[type, TypeAdapter[Any]] = {}
_NAMES: dict[str, bytes] = {}


def _event_types() -> dict[str, type]:
    """The event classes by name, from hub.events' namespace (not `Event.__subclasses__()`: a slots dataclass is a
    second class, the first one lingers among the subclasses under the same name)."""
    return {
        name: klass
        for name, klass in vars(hub_events).items()
        if isinstance(klass, type) and issubclass(klass, hub_events.Event)
    }


def _codec(klass: type) -> TypeAdapter[Any]:
    """One adapter per event class: its fields are dumped and validated in one call into pydantic-core (issue #13:
    a TypeAdapter per field and the json module cost ~60 µs per event to encode and ~80 µs to decode, on every
    process, for every event of a conversation; this is ~3x less)."""
    codec = _CODECS.get(klass)
    if codec is None:
        codec = _CODECS[klass] = TypeAdapter(klass)
    return codec


def encode(handler: str, event: Any) -> bytes:
    """`changes` values (Any) travel as their JSON form (datetimes as ISO text); the listeners read only the keys
    and the old department and assignee ids."""
    head = _NAMES.get(handler)
    if head is None:
        head = _NAMES[handler] = orjson.dumps(handler)
    return b'{"h":%s,"t":"%s","e":%s}' % (
        head,
        type(event).__name__.encode(),
        _codec(type(event)).dump_json(event),
    )


def decode_many(raw: str | bytes, types: dict[str, type]) -> list[tuple[str, Any]]:
    """A PUBLISH's events in their order: a JSON array of encoded events (or one event, as sent before batching)."""
    try:
        data = orjson.loads(raw)
    except Exception:
        log.exception("lanes: dropped a message that does not decode")
        return []
    out = []
    for item in data if isinstance(data, list) else [data]:
        try:
            out.append(_decoded(item, types))
        except Exception:
            log.exception("lanes: dropped an event that does not decode")
    return out


def _decoded(data: dict[str, Any], types: dict[str, type]) -> tuple[str, Any]:
    return data["h"], _codec(types[data["t"]]).validate_python(data["e"])


class RedisLanes:
    """What `AgentListeners.subscribe` sees as its bus with HUB_REDIS_URL: every handler it registers is run in
    every process, per conversation in Redis' order."""

    def __init__(
        self,
        bus: Any,
        dispatch: OrderedDispatch,
        url: str,
        channel: str = "hub-lanes",
        skip: Callable[[], bool] | None = None,
    ) -> None:
        self._bus = bus
        # true while this process has nobody to push to: what comes from Redis is not even decoded (every lane
        # event's emits go to this process's own sockets; a socket that connects later loads what it shows)
        self._skip = skip
        self._dispatch = dispatch
        self.url = url
        self.channel = channel
        self._handlers: dict[str, Handler] = {}
        self._types = _event_types()
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.published = 0  # events put into Redis
        self.publishes = 0  # PUBLISH commands that carried them
        self.received = 0
        self.skipped = 0  # PUBLISHes not decoded: nobody here (`skip`)
        # the PUBLISHes to make, in order: each its encoded events (at most MAX_BATCH) and a future done when it
        # has returned
        self._outbox: collections.deque[tuple[list[bytes], asyncio.Future[None]]] = collections.deque()
        self._pump_task: asyncio.Task[None] | None = None

    def subscribe(self, event_type: type, handler: Handler) -> None:
        name = getattr(handler, "__name__", repr(handler))
        self._handlers[name] = handler

        async def publish(event: Any) -> None:
            if not conversation_key(event) or self._redis is None:
                # no conversation, or not started yet (the demo's seeding, before the process listens: no socket
                # anywhere is waiting for these): run here, the manager carries the emits
                self._dispatch.submit(handler, event)
                return
            try:
                # shielded: a publisher cancelled while it waits must not cancel the others' shared PUBLISH
                await asyncio.shield(self._send(encode(name, event)))
            except Exception:
                log.exception("lanes: Redis took no %s; pushed from this process only", type(event).__name__)
                self._dispatch.submit(handler, event)

        publish.__qualname__ = f"RedisLanes({getattr(handler, '__qualname__', name)})"
        self._bus.subscribe(event_type, publish)

    def _send(self, encoded: bytes) -> asyncio.Future[None]:
        """Put an encoded event into the next PUBLISH that has room; done when that PUBLISH has returned."""
        loop = asyncio.get_running_loop()
        if not self._outbox or len(self._outbox[-1][0]) >= MAX_BATCH:
            sent = loop.create_future()
            sent.add_done_callback(_retrieve)
            self._outbox.append(([], sent))
        batch, sent = self._outbox[-1]
        batch.append(encoded)
        if self._pump_task is None or self._pump_task.done():
            # it starts on the loop's next turn: what the other requests publish meanwhile joins this PUBLISH
            self._pump_task = loop.create_task(self._pump(), name="hub-lanes-publish")
        return sent

    async def _pump(self) -> None:
        while self._outbox:
            batch, sent = self._outbox.popleft()  # no longer the last: nothing joins it now
            try:
                await self._redis.publish(self.channel, b"[" + b",".join(batch) + b"]")
            except asyncio.CancelledError:  # shutting down: the waiting publishers push from this process
                for _batch, pending in [(batch, sent), *self._outbox]:
                    if not pending.done():
                        pending.set_exception(ConnectionError("the lanes are stopping"))
                self._outbox.clear()
                raise
            except Exception as exc:
                if not sent.done():
                    sent.set_exception(exc)
            else:
                self.published += len(batch)
                self.publishes += 1
                if not sent.done():
                    sent.set_result(None)

    async def start(self) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(self.url)
        self._task = asyncio.create_task(self._listen(), name="hub-lanes")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        # a PUBLISH still on its way is given up: its publishers push from this process (should it have reached
        # Redis, this process's sockets get those events twice; the inbox keeps an entry once by its id)
        for task in (self._task, self._pump_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._redis is not None:
            await self._redis.aclose()

    def _run(self, raw: bytes) -> None:
        if self._skip is not None and self._skip():
            self.skipped += 1
            return
        token = local_only.set(True)
        try:
            for name, event in decode_many(raw, self._types):
                handler = self._handlers.get(name)
                if handler is None:
                    log.warning("lanes: no handler %r here (another version of the hub?)", name)
                    continue
                self.received += 1
                self._dispatch.submit(handler, event)  # the lane's task copies the context: local emits
        finally:
            local_only.reset(token)

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind == "message":
                        self._run(message["data"])
                    elif (
                        kind == "subscribe"
                    ):  # Redis confirmed it: from now on nothing published is missed here
                        self._ready.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lanes: lost the Redis subscription; retrying in 1 s")
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()


def _retrieve(future: asyncio.Future[None]) -> None:
    """A failed PUBLISH's error reaches each publisher that still waits; should none wait, it is not 'never
    retrieved'."""
    if not future.cancelled():
        future.exception()
