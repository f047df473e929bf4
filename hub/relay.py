"""Events that change what users may see, carried to every hub process.

Most events need no relay: their Socket.IO emits already reach every process through the client manager. But a
staff change must also act *inside* each process — drop its cached directory of users, disconnect its own sockets
of a deactivated user — so `StaffChanged` is published on every process's bus. With `HUB_REDIS_URL` it travels
over a Redis pub/sub channel; without it (one process) there is nothing to relay.

On the receiving side the event is re-published on the local bus while `relayed()` is true, so subscribers can
tell a copy from the original (the original's process announces it to sockets; every process acts on it)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from contextvars import ContextVar
from typing import Any

from hub.domain import User
from hub.events import EventBus, StaffChanged

log = logging.getLogger(__name__)

_relaying: ContextVar[bool] = ContextVar("hub_relaying", default=False)


def relayed() -> bool:
    """True while a copy of an event from another process is being published on this process's bus."""
    return _relaying.get()


def encode(event: StaffChanged, origin: str) -> str:
    return json.dumps(
        {
            "origin": origin,
            "type": "StaffChanged",
            "user": event.user.model_dump(mode="json"),
            "before": event.before.model_dump(mode="json") if event.before else None,
            "actor_id": event.actor_id,
        }
    )


def decode(raw: str | bytes) -> tuple[str, StaffChanged] | None:
    try:
        data: dict[str, Any] = json.loads(raw)
        if data.get("type") != "StaffChanged":
            return None
        before = User.model_validate(data["before"]) if data.get("before") else None
        return str(data["origin"]), StaffChanged(
            User.model_validate(data["user"]), before, data.get("actor_id")
        )
    except (ValueError, KeyError, TypeError):
        log.warning("relay: dropped a malformed message")
        return None


class RedisRelay:
    def __init__(self, bus: EventBus, url: str, channel: str = "hub-events") -> None:
        self.bus = bus
        self.url = url
        self.channel = channel
        self.origin = f"{os.getpid()}-{os.urandom(4).hex()}"
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(self.url)
        self.bus.subscribe(StaffChanged, self._outgoing)
        self._task = asyncio.create_task(self._listen(), name="hub-relay")
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._redis is not None:
            await self._redis.aclose()

    async def _outgoing(self, event: StaffChanged) -> None:
        if relayed():
            return
        await self._redis.publish(self.channel, encode(event, self.origin))

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(self.channel)
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    decoded = decode(message["data"])
                    if decoded is None or decoded[0] == self.origin:
                        continue
                    token = _relaying.set(True)
                    try:
                        await self.bus.publish(decoded[1])
                    finally:
                        _relaying.reset(token)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay: lost the Redis subscription; retrying in 1 s")
                await asyncio.sleep(1)
