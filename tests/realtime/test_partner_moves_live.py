"""`timeline:moved` on the /partner namespace, with real Socket.IO clients against a running hub: a partner whose
organisation sees the client gets the moved entries it may see (customer messages and shared notes, never an
internal note, the card redacted as on `timeline:new`); a partner without a grant gets nothing (checked after a
barrier: a later event the same socket does receive); a partner granted only the source conversation learns that
the entries left it, without their content."""

from __future__ import annotations

import pytest
from test_partner_live import PartnerClient, call, push

from hub.access import SYSTEM
from hub.actions import partners as partner_actions
from hub.actions import staff
from hub.domain import Role


@pytest.fixture
async def orgs(server):
    hub = server.hub
    east = await partner_actions.create_partner(hub, SYSTEM, name="East", redacted_fields=["email"])
    west = await partner_actions.create_partner(hub, SYSTEM, name="West")
    for email, org in (("erin@example.com", east), ("walt@example.com", west)):
        await staff.create_user(
            hub, email=email, name=email[:4], role=Role.partner, password="secret-password", partner_id=org.id
        )
    return {
        "east": east,
        "west": west,
        "admin": await server.login(),
        "erin": await server.login("erin@example.com", "secret-password"),
        "walt": await server.login("walt@example.com", "secret-password"),
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


async def grant(server, orgs, org: str, body: dict) -> dict:
    return await call(server, "POST", f"/api/v1/partners/{orgs[org].id}/grants", orgs["admin"], body)


async def test_a_split_reaches_the_granted_partner_as_the_policy_allows_and_nobody_else(
    server, orgs, sockets
):
    admin = orgs["admin"]
    first = await push(server, orgs, "mv1", "moved@example.com", "order one")
    second = await push(server, orgs, "mv2", "moved@example.com", "about another order")
    conversation = f"/api/v1/conversations/{first['conversation_id']}"
    await call(server, "POST", f"{conversation}/notes", admin, {"text": "internal only"})
    await call(
        server, "POST", f"{conversation}/notes", admin, {"text": "for partners", "shared_with_partners": True}
    )
    await grant(server, orgs, "east", {"client_id": first["client_id"]})
    other = await push(server, orgs, "mv3", "west@example.com", "west first")
    await grant(server, orgs, "west", {"client_id": other["client_id"]})
    erin = await sockets(orgs["erin"])
    walt = await sockets(orgs["walt"])

    split = await call(
        server, "POST", f"/api/v1/entries/{second['entry_id']}/split", admin, {"following": True}
    )
    new_id = split["conversation"]["id"]
    assert {e["text"] for e in split["entries"]} == {"about another order", "internal only", "for partners"}

    got = await erin.wait_for("timeline:moved")
    assert got["conversation_id"] == new_id and got["from_conversation_id"] == first["conversation_id"]
    assert sorted(e["text"] for e in got["entries"]) == ["about another order", "for partners"]
    assert all(e["conversation_id"] == new_id for e in got["entries"])
    assert sorted(got["entry_ids"]) == sorted(e["id"] for e in got["entries"])
    # the card travels redacted, as with timeline:new
    assert got["client"]["identities"] == []
    await erin.wait_for("conversation:updated", lambda d: d["conversation"]["id"] == new_id)

    # West sees another client only: its barrier is that client's next message, sent after the split
    await push(server, orgs, "mv4", "west@example.com", "west second")
    await walt.wait_for("timeline:new", lambda d: d["entry"]["text"] == "west second")
    assert walt.events["timeline:moved"] == []
    assert not walt.got("conversation:updated", lambda d: d["conversation"]["id"] == new_id)


async def test_a_partner_granted_only_the_source_learns_the_entries_left_it(server, orgs, sockets):
    admin = orgs["admin"]
    first = await push(server, orgs, "mv5", "source@example.com", "stays here")
    second = await push(server, orgs, "mv6", "source@example.com", "moves away")
    await grant(server, orgs, "east", {"conversation_id": first["conversation_id"]})
    erin = await sockets(orgs["erin"])

    split = await call(server, "POST", f"/api/v1/entries/{second['entry_id']}/split", admin)
    got = await erin.wait_for("timeline:moved")
    assert got["entry_ids"] == [second["entry_id"]] and got["entries"] == []
    assert "conversation" not in got and "client" not in got
    # the new conversation is not granted: its row never reaches the partner (barrier: the source's next message)
    await push(server, orgs, "mv7", "source@example.com", "stays too")
    await erin.wait_for("timeline:new", lambda d: d["entry"]["text"] == "stays too")
    assert not erin.got(
        "conversation:updated", lambda d: d["conversation"]["id"] == split["conversation"]["id"]
    )
