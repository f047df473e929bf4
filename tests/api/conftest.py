"""Fixtures for the HTTP API tests. They talk to a running hub over real HTTP, as curl would.

`server` (tests/conftest.py) runs the whole hub on each store adapter; `sqlite_server` runs it on sqlite only, for
tests where the store does not matter. `settings` is overridden so that no bot flow of ./config/bots and no file
under ./data takes part: these tests are about the REST API.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator

import pytest
from api_helpers import Api, admin_api, api_settings, run_hub
from support import RunningHub

import hub.actions.staff
from hub.config import Settings


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_passwords: hash passwords with argon2 as production does")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return api_settings(tmp_path)


def _fast_hash(password: str) -> str:
    return "test-sha256:" + hashlib.sha256(password.encode()).hexdigest()


def _fast_verify(password_hash: str, password: str) -> bool:
    return hmac.compare_digest(password_hash, _fast_hash(password))


@pytest.fixture(autouse=True)
def fast_password_hashing(request, monkeypatch):
    """argon2 costs ~0.2-0.4 s per hash or check on CI, and every test logs in several users: outside the tests
    marked `real_passwords` (the auth tests) passwords are hashed with plain SHA-256. Everything else is real."""
    if request.node.get_closest_marker("real_passwords"):
        return
    monkeypatch.setattr(hub.actions.staff, "hash_password", _fast_hash)
    monkeypatch.setattr(hub.actions.staff, "verify_password", _fast_verify)
    monkeypatch.setattr(hub.actions.staff, "verify_dummy", lambda password: None)


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
