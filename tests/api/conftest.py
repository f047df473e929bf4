"""Fixtures for the HTTP API tests. They talk to a running hub over real HTTP, as curl would.

`server` (tests/conftest.py) runs the whole hub on each store adapter; `sqlite_server` runs it on sqlite only, for
tests where the store does not matter. `settings` is overridden so that no bot flow of ./config/bots and no file
under ./data takes part: these tests are about the REST API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from api_helpers import Api, admin_api, api_settings, run_hub
from support import RunningHub

from hub.config import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return api_settings(tmp_path)


@pytest.fixture
async def sqlite_server(settings) -> AsyncIterator[RunningHub]:
    async with run_hub(settings) as running:
        yield running


@pytest.fixture
async def admin(server) -> Api:
    """The admin's caller on `server` (each store adapter)."""
    return await admin_api(server.url, server.http)


@pytest.fixture
async def sqlite_admin(sqlite_server) -> Api:
    """The admin's caller on `sqlite_server`."""
    return await admin_api(sqlite_server.url, sqlite_server.http)
