"""The directory of users, cached per process: the active users (the candidates the realtime layer asks the access
policy about when it picks the recipients of an event) and each request's user by id (`user`, what a token's check
reads). Staff changes invalidate both (`StaffChanged`, relayed between processes by `hub.relay`)."""

from __future__ import annotations

import time

from hub.domain import User
from hub.store.port import Store

# How long `Directory.user` answers from the row it read last. Every authenticated request reads its user (a point
# read and a validation, ~5% of an ingest's CPU, issue #13). StaffChanged, on this process or relayed from another,
# drops it at once; this bounds what a lost relay message (Redis away) could leave behind.
USER_SECONDS = 1.0
_KEPT_USERS = 4096  # users kept at most (beyond: all are dropped, the next requests read them again)


class Directory:
    def __init__(self) -> None:
        self._users: list[User] | None = None
        self._by_id: dict[str, tuple[float, User]] = {}
        self._generation = 0

    async def active_users(self, store: Store) -> list[User]:
        users = self._users
        if users is None:
            generation = self._generation
            users = [u for u in await store.users.list() if u.active]
            if generation == self._generation:  # nothing changed while we read: keep it
                self._users = users
        return users

    async def user(self, store: Store, user_id: str) -> User | None:
        """The user as stored (None: no such user), read at most once a second per user while nothing changes.
        The same object serves each caller until then: nothing changes a User in place (changes are new rows)."""
        kept = self._by_id.get(user_id)
        now = time.monotonic()
        if kept is not None and now - kept[0] < USER_SECONDS:
            return kept[1]
        generation = self._generation
        user = await store.users.get(user_id)
        if user is not None and generation == self._generation:  # nothing changed while we read: keep it
            if len(self._by_id) >= _KEPT_USERS:
                self._by_id.clear()
            self._by_id[user_id] = (now, user)
        return user

    def invalidate(self) -> None:
        self._generation += 1
        self._users = None
        self._by_id.clear()
