"""The directory of active users, cached per process: the candidates the realtime layer asks the access policy
about when it picks the recipients of an event. Staff changes invalidate it (`StaffChanged`, relayed between
processes by `hub.relay`)."""

from __future__ import annotations

from hub.domain import User
from hub.store.port import Store


class Directory:
    def __init__(self) -> None:
        self._users: list[User] | None = None
        self._generation = 0

    async def active_users(self, store: Store) -> list[User]:
        users = self._users
        if users is None:
            generation = self._generation
            users = [u for u in await store.users.list() if u.active]
            if generation == self._generation:  # nothing changed while we read: keep it
                self._users = users
        return users

    def invalidate(self) -> None:
        self._generation += 1
        self._users = None
