"""Fixtures for the Telegram connector: a Bot API stand-in server and the whole hub served over HTTP, its bots
pointed at the stand-in with HUB_TELEGRAM_API_BASE."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientSession
from telegram_helpers import SECRET, TelegramHub, start_app
from telegram_standin import OTHER_TOKEN, TOKEN, BotApiStandIn

from hub.config import Settings, TelegramBotConfig
from hub.store.port import Store

HubFactory = Callable[..., Awaitable[TelegramHub]]


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    server = BotApiStandIn()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def sqlite_store(tmp_path) -> AsyncIterator[Store]:
    """For the tests where the store does not matter: SQLite only."""
    from hub.store.sqlite import open_sqlite_store

    store = await open_sqlite_store(tmp_path / "hub.db")
    try:
        yield store
    finally:
        await store.close()


def telegram_settings(tmp_path, api_base: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        sqlite_path=tmp_path / "hub.db",
        secret_key="test-secret-key-" + "x" * 32,
        admin_email="admin@example.com",
        admin_password="admin-password",
        delivery_base_delay=0.05,
        files_dir=tmp_path / "files",
        bots_dir=tmp_path / "no-bot-flows",  # the connector alone: no bot answers
        telegram_api_base=api_base,
        telegram_bots=[
            TelegramBotConfig(name="main", token=TOKEN, webhook_secret=SECRET),
            TelegramBotConfig(name="groupie", token=OTHER_TOKEN, webhook_secret=SECRET + "-2", groups=True),
        ],
    )
    values.update(overrides)
    return Settings(**values)


async def _factory(tmp_path, store: Store, standin: BotApiStandIn) -> AsyncIterator[HubFactory]:
    from hub.app import create_app

    started: list[TelegramHub] = []

    async def make(**overrides: Any) -> TelegramHub:
        settings = telegram_settings(tmp_path, standin.url, **overrides)
        app = await create_app(settings, store=store, poll_interval=0.05)
        runner, url = await start_app(app)
        running = TelegramHub(url, app, ClientSession(), standin, runner)
        started.append(running)
        return running

    try:
        yield make
    finally:
        for running in reversed(started):
            await running.stop()


@pytest.fixture
async def make_hub(tmp_path, store, standin) -> AsyncIterator[HubFactory]:
    """Builds a started hub on each store (sqlite, mongo); keyword arguments override settings."""
    async for factory in _factory(tmp_path, store, standin):
        yield factory


@pytest.fixture
async def make_hub_sqlite(tmp_path, sqlite_store, standin) -> AsyncIterator[HubFactory]:
    async for factory in _factory(tmp_path, sqlite_store, standin):
        yield factory


@pytest.fixture
async def tg(make_hub) -> TelegramHub:
    return await make_hub()


@pytest.fixture
async def tg1(make_hub_sqlite) -> TelegramHub:
    """The hub on SQLite only."""
    return await make_hub_sqlite()
