"""Helpers shared by test modules (import as `from support import ...`)."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from aiohttp import ClientSession, web

from hub.config import Settings
from hub.context import Hub


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_settings(tmp_path, **overrides) -> Settings:
    values = dict(
        sqlite_path=tmp_path / "hub.db",
        secret_key="test-secret-key-" + "x" * 32,
        admin_email="admin@example.com",
        admin_password="admin-password",
        delivery_base_delay=0.05,
        bots_dir=tmp_path / "no-bots",  # tests that want the bot engine point this at a flow directory
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class RunningHub:
    url: str
    app: web.Application
    http: ClientSession

    @property
    def hub(self) -> Hub:
        from hub.api.http import HUB_KEY

        return self.app[HUB_KEY]

    async def login(
        self, email: str = "admin@example.com", password: str = "admin-password"
    ) -> dict[str, str]:
        async with self.http.post(
            f"{self.url}/api/v1/auth/login", json={"email": email, "password": password}
        ) as r:
            assert r.status == 200, await r.text()
            token = (await r.json())["token"]
        return {"Authorization": f"Bearer {token}"}


async def start_app(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"
