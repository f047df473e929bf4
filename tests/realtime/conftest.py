"""Fixtures of the /partner namespace tests: two organisations with a partner user each, and their sockets."""

from __future__ import annotations

import pytest
from support import PartnerClient

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role


@pytest.fixture
async def dealers(server):
    hub = server.hub
    north = await partner_actions.create_partner(hub, SYSTEM, name="North", redacted_fields=["email"])
    south = await partner_actions.create_partner(hub, SYSTEM, name="South")
    for email, org in (("nina@example.com", north), ("sam@example.com", south)):
        await staff.create_user(
            hub, email=email, name=email[:4], role=Role.partner, password="secret-password", partner_id=org.id
        )
    return {
        "north": north,
        "south": south,
        "admin": await server.login(),
        "nina": await server.login("nina@example.com", "secret-password"),
        "sam": await server.login("sam@example.com", "secret-password"),
    }


@pytest.fixture
async def sockets(server):
    opened: list[PartnerClient] = []

    async def _open(headers: dict[str, str]) -> PartnerClient:
        client = PartnerClient()
        await client.open(server.url, {"token": headers["Authorization"][7:]})
        opened.append(client)
        return client

    yield _open
    for client in opened:
        await client.close()
