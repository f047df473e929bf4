"""Fixtures of the web chat tests: running visitors and an agent (clients in webchat_clients.py)."""

from __future__ import annotations

import pytest
from webchat_clients import AgentClient, Recorder, VisitorClient


@pytest.fixture
def settings(settings, tmp_path):
    """The shared test settings without bot flows: these tests are about the channel, not about a bot answering."""
    return settings.model_copy(update={"bots_dir": tmp_path / "no-bot-flows"})


@pytest.fixture
async def visitor(server):
    """visitor(token=None, origin=None) → a connected VisitorClient (new visitor without a token)."""
    opened: list[Recorder] = []

    async def _visitor(token: str | None = None, origin: str | None = None) -> VisitorClient:
        client = VisitorClient({"Origin": origin} if origin else None)
        opened.append(client)
        await client.open(server.url, {"visitor_token": token} if token else None)
        return client

    yield _visitor
    for client in opened:
        await client.close()


@pytest.fixture
async def admin_headers(server) -> dict[str, str]:
    return await server.login()


@pytest.fixture
async def agent(server, admin_headers):
    """The admin's staff socket on /agent."""
    client = AgentClient()
    await client.open(server.url, {"token": admin_headers["Authorization"][7:]})
    yield client
    await client.close()


@pytest.fixture
def widget_ns(server):
    """The running hub's /widget namespace object (to reach its rate limiters)."""
    from realtime import SIO_KEY

    return server.app[SIO_KEY].namespace_handlers["/widget"]
