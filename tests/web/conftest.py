"""The agent pages over real HTTP, on SQLite only (the pages do not depend on the store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import ClientSession, DummyCookieJar, web
from support import start_app

from hub.actions import staff
from hub.api.http import HUB_KEY
from hub.config import Settings
from hub.context import Hub
from hub.domain import Role

ADMIN = ("admin@example.com", "admin-password")


@dataclass
class Pages:
    url: str
    app: web.Application

    @property
    def hub(self) -> Hub:
        return self.app[HUB_KEY]

    async def cookie(self, email: str, password: str) -> str:
        """The session cookie a browser would get from logging in."""
        async with (
            ClientSession() as http,
            http.post(f"{self.url}/api/v1/auth/login", json={"email": email, "password": password}) as r,
        ):
            assert r.status == 200, await r.text()
            assert "HttpOnly" in r.headers["Set-Cookie"]
            return r.cookies["hub_session"].value


def make_pages_settings(tmp_path, **overrides) -> Settings:
    values = dict(
        sqlite_path=tmp_path / "hub.db",
        files_dir=tmp_path / "files",
        bots_dir=tmp_path / "no-bots",
        secret_key="web-test-secret-" + "x" * 32,
        admin_email=ADMIN[0],
        admin_password=ADMIN[1],
    )
    values.update(overrides)
    return Settings(**values)


async def serve_pages(settings: Settings) -> tuple[web.AppRunner, Pages]:
    from hub.app import create_app
    from hub.store.sqlite import open_sqlite_store

    store = await open_sqlite_store(settings.sqlite_path)
    app = await create_app(settings, store=store, poll_interval=0.05)
    app.on_cleanup.append(lambda _app: store.close())
    runner, url = await start_app(app)
    return runner, Pages(url, app)


@pytest.fixture(scope="session", autouse=True)
def built_assets() -> dict[str, str]:
    """The pages name the built static files (hub/assets.py), as after `make run`; rebuilt when a source changed."""
    from hub.assets import ensure_built

    return ensure_built()


@pytest.fixture
async def start_pages(tmp_path):
    """start_pages(**settings) -> Pages: a hub with those settings (stopped after the test)."""
    runners: list[web.AppRunner] = []

    async def _start(**overrides) -> Pages:
        where = tmp_path / f"hub{len(runners)}"
        where.mkdir()
        runner, running = await serve_pages(make_pages_settings(where, **overrides))
        runners.append(runner)
        return running

    yield _start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def pages(start_pages) -> Pages:
    """The hub with an admin, an agent and a partner."""
    running = await start_pages()
    await staff.create_user(
        running.hub, email="agent@example.com", name="Agent Smith", role=Role.agent, password="agent-password"
    )
    await staff.create_user(
        running.hub,
        email="partner@example.com",
        name="Paul Partner",
        role=Role.partner,
        password="partner-password",
    )
    return running


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    """A client that keeps no cookies: each request sends exactly the cookies it is given."""
    async with ClientSession(cookie_jar=DummyCookieJar()) as session:
        yield session
