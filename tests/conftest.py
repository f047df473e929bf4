"""Shared fixtures. `store`: every store-backed test runs once per adapter (sqlite, mongo).

Mongo runs against a real server when HUB_TEST_MONGO_URL is set (a fresh database per test, dropped after),
else against mongomock-motor.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from support import RunningHub, free_port, make_settings, start_app

from hub.auth import Tokens
from hub.config import Settings
from hub.context import Hub
from hub.events import Event, EventBus, EventRecorder


@pytest.fixture(params=["sqlite", "mongo"])
async def store(request, tmp_path):
    if request.param == "sqlite":
        from hub.store.sqlite import open_sqlite_store

        s = await open_sqlite_store(tmp_path / "hub.db")
        try:
            yield s
        finally:
            await s.close()
        return

    url = os.environ.get("HUB_TEST_MONGO_URL")
    if url:
        from hub.store.mongo import open_mongo_store_url

        db_name = "hubtest_" + uuid.uuid4().hex
        s = await open_mongo_store_url(url, db_name)
        try:
            yield s
        finally:
            await s.close()
            from motor.motor_asyncio import AsyncIOMotorClient

            admin = AsyncIOMotorClient(url)
            try:
                await admin.drop_database(db_name)
            finally:
                admin.close()
        return

    from mongomock_motor import AsyncMongoMockClient

    from hub.store.mongo import open_mongo_store

    s = await open_mongo_store(AsyncMongoMockClient(tz_aware=True)["hubtest"])
    try:
        yield s
    finally:
        await s.close()


# --- a hub on a store, and a running HTTP server ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_shipped_routing_rules(monkeypatch, tmp_path):
    """The shipped config/routing.yaml (the demo's rules, one of them by the hour of the day) applies to no test
    unless the test names a rule file itself: HUB_ROUTING_FILE points at a file that does not exist."""
    monkeypatch.setenv("HUB_ROUTING_FILE", str(tmp_path / "no-routing.yaml"))
    # the shipped config/sla.yaml (the demo's policies) likewise: a test that wants SLA names its own file
    monkeypatch.setenv("HUB_SLA_FILE", str(tmp_path / "no-sla.yaml"))


@pytest.fixture(autouse=True)
def cheap_argon2(request, monkeypatch):
    """Real argon2 through the real code, at the lowest cost: production parameters take ~0.2 s a hash here, and
    tests create and log in many users. Tests marked `production_argon2` keep the production parameters."""
    if request.node.get_closest_marker("production_argon2"):
        return
    from argon2 import PasswordHasher

    import hub.auth

    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(hub.auth, "_hasher", cheap)
    monkeypatch.setattr(hub.auth, "_DUMMY_HASH", cheap.hash("not a password of anyone"))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def hub(store, settings) -> Hub:
    """A Hub on each store adapter, with every published event recorded in `hub.recorded`."""
    h = Hub(settings=settings, store=store, bus=EventBus(), tokens=Tokens(settings.secret_key, 3600))
    recorder = EventRecorder()
    h.bus.subscribe(Event, recorder)
    h.recorded = recorder  # type: ignore[attr-defined]
    return h


@pytest.fixture
async def server(store, settings) -> AsyncIterator[RunningHub]:
    """The whole hub served over real HTTP on a free port, on each store adapter."""
    from hub.app import create_app

    app = await create_app(settings, store=store, poll_interval=0.05)
    runner, url = await start_app(app)
    async with ClientSession() as http:
        yield RunningHub(url, app, http)
    await runner.cleanup()


# --- a real redis-server ------------------------------------------------------------------------------------------


@pytest.fixture
async def redis_url(tmp_path) -> AsyncIterator[str]:
    """A real redis-server on a free port, stopped after the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: run `make test` (it installs it) or apt-get install redis-server"
        )
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        for _ in range(100):
            try:
                await client.ping()
                break
            except Exception:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield url
    finally:
        await client.aclose()
        proc.terminate()
        await proc.wait()


# --- a leaked store must not hang the run -------------------------------------------------------------------------

_exit_status: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config):
    """A test that fails before closing its SQLite store leaves aiosqlite's (non-daemon) connection thread behind,
    and the interpreter would wait for it forever after the summary. Name the leak and end the process with the
    run's own status instead."""
    import sys
    import threading

    leaked = [t for t in threading.enumerate() if "_connection_worker" in t.name and not t.daemon]
    if leaked and _exit_status:
        print(
            f"\n{len(leaked)} SQLite connection(s) were left open by the tests; exiting anyway",
            file=sys.stderr,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
