"""Who of the staff is online, for the assignment engine: one small interface, two books.

- `MemoryPresence` (one hub process): the users with a socket on this process.
- `RedisPresence` (HUB_REDIS_URL, several processes): one sorted set in Redis, a member `<user id>|<process>` per
  user and process, scored with the time it expires. Each process refreshes its own members every `ttl / 3`
  seconds, so a process that crashes stops refreshing and its agents are offline `ttl` seconds later; an agent
  connected to two processes stays online while either has them. Reads take the members whose expiry is ahead.

The realtime layer announces connects and disconnects as `Presence` events; the engine (hub.assignment) writes
them here and asks `online()` when it hands out a conversation, so a conversation routed on process B goes to an
agent connected only to process A.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

PRESENCE_KEY = "hub:presence"
DEFAULT_TTL = 30.0


class PresenceBook(Protocol):
    async def set(self, user_id: str, online: bool) -> None:
        """This process has (online) or no longer has a socket of the user."""

    async def online(self) -> set[str]:
        """The users online on any process, now."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._users: set[str] = set()

    async def set(self, user_id: str, online: bool) -> None:
        if online:
            self._users.add(user_id)
        else:
            self._users.discard(user_id)

    async def online(self) -> set[str]:
        return set(self._users)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class RedisPresence:
    """Presence shared by every hub process through one Redis sorted set (see the module's docstring)."""

    def __init__(
        self,
        url: str,
        *,
        ttl: float = DEFAULT_TTL,
        key: str = PRESENCE_KEY,
        clock: Callable[[], float] = time.time,
        origin: str | None = None,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.key = key
        self.clock = clock
        self.origin = origin or f"{os.getpid()}-{os.urandom(4).hex()}"
        self._local: set[str] = set()
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None

    def _client(self) -> Any:
        if self._redis is None:
            import redis.asyncio as redis

            self._redis = redis.from_url(self.url)
        return self._redis

    def _member(self, user_id: str) -> str:
        return f"{user_id}|{self.origin}"

    async def set(self, user_id: str, online: bool) -> None:
        if online:
            self._local.add(user_id)
            await self._client().zadd(self.key, {self._member(user_id): self.clock() + self.ttl})
        else:
            self._local.discard(user_id)
            await self._client().zrem(self.key, self._member(user_id))

    async def online(self) -> set[str]:
        import redis.exceptions

        try:
            members = await self._client().zrangebyscore(self.key, self.clock(), "+inf")
        except redis.exceptions.RedisError:
            log.warning("presence: Redis is unreachable; only this process's agents count as online")
            return set(self._local)
        users = {m.decode() if isinstance(m, bytes) else str(m) for m in members}
        return {m.rsplit("|", 1)[0] for m in users}

    async def heartbeat(self) -> None:
        """Refresh this process's members and drop everyone's expired ones (a crashed process's agents)."""
        client = self._client()
        now = self.clock()
        if self._local:
            await client.zadd(self.key, {self._member(u): now + self.ttl for u in self._local})
        await client.zremrangebyscore(self.key, "-inf", now)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name="presence-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._redis is not None:
            with contextlib.suppress(Exception):
                if self._local:
                    await self._redis.zrem(self.key, *[self._member(u) for u in self._local])
            await self._redis.aclose()
            self._redis = None

    async def _beat(self) -> None:
        while True:
            try:
                await self.heartbeat()
            except Exception:
                log.warning("presence: heartbeat failed; trying again", exc_info=True)
            await asyncio.sleep(self.ttl / 3)


def presence_book(redis_url: str) -> PresenceBook:
    """Redis when the hub runs with HUB_REDIS_URL, else this process's memory."""
    return RedisPresence(redis_url) if redis_url else MemoryPresence()
