"""A token's user is read once a second at most (hub.directory), yet a staff change is refused at once: on this
process and, through StaffChanged, on every process that hears of it; a change nobody announced (another process,
its relay message lost) is seen within a second."""

from __future__ import annotations

import asyncio

import pytest
from core_helpers import make_user

from hub import directory as directory_module
from hub.actions.staff import update_user
from hub.api.http import user_from_token
from hub.domain import Role
from hub.events import StaffChanged


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(directory_module.time, "monotonic", fake)
    return fake


async def test_a_deactivated_agents_token_is_refused_at_once_though_their_user_was_just_read(hub, clock):
    admin = await make_user(hub, Role.admin)
    agent = await make_user(hub)
    token = hub.tokens.issue(agent)
    assert (await user_from_token(hub, token)).id == agent.id  # read, and kept for a second

    await update_user(hub, agent.id, actor=admin, active=False)

    assert await user_from_token(hub, token) is None  # same instant: the change itself dropped what was kept


async def test_a_change_announced_by_another_process_is_seen_at_once(server, clock):
    hub = server.hub  # the app's wiring: StaffChanged on its bus drops what the directory kept
    agent = await make_user(hub)
    token = hub.tokens.issue(agent)
    assert await user_from_token(hub, token) is not None
    # another process sharing the store demotes nothing but ends the sessions: it writes, then its StaffChanged
    # arrives here through the relay (what hub.relay publishes on this bus)
    before = await hub.store.users.get(agent.id)
    after = await hub.store.users.update(agent.id, {"token_version": agent.token_version + 1})
    assert await user_from_token(hub, token) is not None  # not announced yet: what was read a moment ago
    await hub.bus.publish(StaffChanged(after, before))
    assert await user_from_token(hub, token) is None


async def test_a_change_nobody_announced_is_seen_within_a_second(hub, clock):
    agent = await make_user(hub)
    token = hub.tokens.issue(agent)
    assert await user_from_token(hub, token) is not None
    await hub.store.users.update(agent.id, {"active": False})  # e.g. another process, its relay message lost

    clock.now += directory_module.USER_SECONDS
    assert await user_from_token(hub, token) is None


async def test_a_read_that_overlaps_a_change_keeps_nothing(server, clock):
    """The row read before a change must not be kept once the change was announced while the read was on its
    way (it would serve the old user for a second)."""
    hub = server.hub
    agent = await make_user(hub)
    token = hub.tokens.issue(agent)
    store_get = hub.store.users.get
    reading, release = asyncio.Event(), asyncio.Event()

    async def slow_get(user_id):
        found = await store_get(user_id)  # the old row
        reading.set()
        await release.wait()
        return found

    hub.store.users.get = slow_get
    try:
        first = asyncio.ensure_future(user_from_token(hub, token))
        await reading.wait()
        before = await store_get(agent.id)
        after = await hub.store.users.update(agent.id, {"active": False})
        await hub.bus.publish(StaffChanged(after, before))
        release.set()
        assert (await first) is not None  # it read before the change: answered as it was then
    finally:
        hub.store.users.get = store_get
    assert await user_from_token(hub, token) is None  # ... but not kept
